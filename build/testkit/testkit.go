// Package testkit is the one copy of the helpers that the tests of several
// packages share: building the xaso binary, waiting for a condition,
// reading a process's memory, and times in Vietnam. Only tests import it.
package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/app"
)

// Root is the module's root folder, where go.mod is.
func Root() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the xaso module")
	}
	return filepath.Dir(mod), nil
}

var (
	buildMu sync.Mutex
	built   = map[string]string{} // build tags → binary
)

// Build builds the xaso binary of the tree as it is (with the build tags
// given, comma-separated, if any) once per test process, and returns its
// path. The binary stays in the temporary folder for the other tests of
// the process.
func Build(tags string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := built[tags]; ok {
		return bin, nil
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "xaso-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "xaso")
	args := []string{"build", "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", tags, err, out)
	}
	built[tags] = bin
	return bin, nil
}

// Binary is Build for a test: it fails the test when the build fails.
func Binary(tb testing.TB, tags string) string {
	tb.Helper()
	bin, err := Build(tags)
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// Eventually calls f every 50 ms until it returns nil, and fails the test
// with f's last error when timeout has passed.
func Eventually(tb testing.TB, timeout time.Duration, what string, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not after %v: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitFor is Eventually for a condition without an error to tell.
func WaitFor(tb testing.TB, timeout time.Duration, what string, ok func() bool) {
	tb.Helper()
	Eventually(tb, timeout, what, func() error {
		if ok() {
			return nil
		}
		return errors.New("not yet")
	})
}

// StatusMB reads a memory line of /proc/PID/status (VmRSS:, RssAnon:,
// RssFile:) in MB; -1 when it cannot.
func StatusMB(pid int, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return -1
}

// VN is a time of day in Vietnam.
func VN(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, app.VN())
}
