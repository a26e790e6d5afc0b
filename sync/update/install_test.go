//go:build linux

package update_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"xaso/app"
	"xaso/build/testkit"
	"xaso/sync/update"
	"xaso/sync/update/release"
)

// copyBinary copies the built xaso to a folder of the test (an install
// renames the program: never the shared build) with extra bytes appended
// (a valid program with another SHA-256: "a new version").
func copyBinary(t *testing.T, extra string) string {
	t.Helper()
	src, err := os.ReadFile(testkit.Binary(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "xaso")
	if err := os.WriteFile(p, append(src, extra...), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// releaseBinary signs and publishes file as this platform's program.
func (f repoFixture) releaseBinary(t *testing.T, hub *proc, file, version string) update.Target {
	t.Helper()
	it, err := f.repo.Add(file, release.AddOptions{Kind: update.KindBinary, Version: version, OS: runtime.GOOS, Arch: runtime.GOARCH})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.repo.Sign([]*release.Key{f.keys["targets"], f.keys["snapshot"], f.keys["timestamp"]}); err != nil {
		t.Fatal(err)
	}
	if err := f.repo.Publish(context.Background(), hub.url, "admin", hubPassword, io.Discard); err != nil {
		t.Fatal(err)
	}
	return it
}

// officeHours is a --clock-offset that puts the PC at 10:00 on a working
// day near today (Vietnam time): it installs only when the admin asks.
func officeHours() string {
	now := time.Now().In(app.VN())
	at := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, app.VN())
	switch at.Weekday() {
	case time.Saturday:
		at = at.AddDate(0, 0, -1)
	case time.Sunday:
		at = at.AddDate(0, 0, 1)
	}
	return "--clock-offset=" + time.Until(at).Round(time.Second).String()
}

// installNow waits until the node has staged a new program, checks that
// it does not install by itself in office hours, and asks it to install
// now.
func installNow(t *testing.T, node *proc, admin, dataDir string) {
	t.Helper()
	testkit.Eventually(t, 30*time.Second, "new program staged", func() error {
		var uv updateView
		call(t, "GET", node.url+"/api/v1/update", admin, nil, &uv)
		if uv.Update.State != update.StateStaged {
			return fmt.Errorf("update %+v", uv.Update)
		}
		return nil
	})
	time.Sleep(2 * time.Second) // two checks
	if _, ok, _ := update.ReadRecord(filepath.Join(dataDir, "update")); ok {
		t.Fatal("installed by itself in office hours")
	}
	if st := call(t, "POST", node.url+"/api/v1/update/install", admin, nil, nil); st != http.StatusAccepted {
		t.Fatalf("install now: %d", st)
	}
}

func record(t *testing.T, dataDir string) update.Record {
	t.Helper()
	r, _, err := update.ReadRecord(filepath.Join(dataDir, "update"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A signed new program is staged beside the running one, installed on the
// admin's "install now" by exec (the same process), checks itself and is
// marked installed; the PC answers again within the downtime measured.
func TestInstallNewProgram(t *testing.T) {
	f := newRepo(t)
	hub := startHub(t, t.TempDir())
	exe := copyBinary(t, "")
	node, admin, dir := startOfficeAt(t, hub, f.root, exe, officeHours())
	next := copyBinary(t, "\nxaso-test-release-2\n")
	it := f.releaseBinary(t, hub, next, "2.0.0")
	if sum := update.FileSHA256(exe); sum == it.SHA256 {
		t.Fatal("the new program is the running one")
	}
	pid := node.cmd.Process.Pid
	installNow(t, node, admin, dir)
	down := measureDowntime(t, node.url, 30*time.Second)
	testkit.Eventually(t, 30*time.Second, "installed", func() error {
		if r := record(t, dir); r.State != update.RecordInstalled {
			return fmt.Errorf("record %+v", r)
		}
		return nil
	})
	if got := update.FileSHA256(exe); got != it.SHA256 {
		t.Fatalf("program at %s is %s, want the new %s", exe, got, it.SHA256)
	}
	if syscall.Kill(pid, 0) != nil {
		t.Fatal("the node's process is gone: exec keeps it")
	}
	var uv updateView
	testkit.Eventually(t, 10*time.Second, "state after install", func() error {
		call(t, "GET", node.url+"/api/v1/update", signIn(t, node.url, "admin", nodePassword), nil, &uv)
		if uv.Update.State != update.StateInstalled || uv.Update.Available != "" {
			return fmt.Errorf("update %+v", uv.Update)
		}
		return nil
	})
	t.Logf("downtime of the PC during its restart: %v", down)
}

// A new program that crashes at start is rolled back by the watchdog: the
// previous program runs again, serving, and that release is not tried again.
func TestCrashingProgramRolledBack(t *testing.T) {
	f := newRepo(t)
	hub := startHub(t, t.TempDir())
	exe := copyBinary(t, "")
	before := update.FileSHA256(exe)
	node, admin, dir := startOfficeAt(t, hub, f.root, exe, officeHours())
	broken := filepath.Join(t.TempDir(), "xaso-broken")
	os.WriteFile(broken, []byte("#!/bin/sh\necho 'broken release' >&2\nexit 3\n"), 0o755)
	f.releaseBinary(t, hub, broken, "3.0.0-broken")
	installNow(t, node, admin, dir)
	var r update.Record
	testkit.Eventually(t, 30*time.Second, "rolled back", func() error {
		if r = record(t, dir); r.State != update.RecordRolledBack {
			return fmt.Errorf("record %+v", r)
		}
		return nil
	})
	if r.PID > 0 {
		t.Cleanup(func() { syscall.Kill(r.PID, syscall.SIGKILL) })
	}
	if r.Problem != "crashed_at_start" {
		t.Errorf("problem %q", r.Problem)
	}
	if got := update.FileSHA256(exe); got != before {
		t.Fatalf("program is %s after the rollback, want the previous %s", got, before)
	}
	testkit.Eventually(t, 30*time.Second, "the previous program serving", func() error {
		var uv updateView
		tok, err := trySignIn(node.url)
		if err != nil {
			return err
		}
		call(t, "GET", node.url+"/api/v1/update", tok, nil, &uv)
		if uv.Update.State != update.StateRolledBack {
			return fmt.Errorf("update %+v", uv.Update)
		}
		return nil
	})
	time.Sleep(3 * time.Second) // a few checks: the broken release is not staged again
	if r2 := record(t, dir); r2.State != update.RecordRolledBack {
		t.Fatalf("tried again: %+v", r2)
	}
}

func trySignIn(url string) (string, error) {
	res, err := http.Post(url+"/api/v1/sessions", "application/json",
		bytes.NewReader([]byte(`{"username":"admin","password":"`+nodePassword+`"}`)))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != 201 {
		return "", fmt.Errorf("sign-in %d", res.StatusCode)
	}
	var out struct{ Token string }
	err = jsonDecode(res.Body, &out)
	return out.Token, err
}

// measureDowntime polls health every 10 ms from now until it has failed
// and answered again, and returns how long it did not answer.
func measureDowntime(t *testing.T, url string, timeout time.Duration) time.Duration {
	t.Helper()
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	var downAt time.Time
	for time.Now().Before(deadline) {
		res, err := c.Get(url + "/api/v1/health")
		ok := err == nil && res.StatusCode == 200
		if err == nil {
			res.Body.Close()
		}
		switch {
		case !ok && downAt.IsZero():
			downAt = time.Now()
		case ok && !downAt.IsZero():
			return time.Since(downAt)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the PC did not go down and come back")
	return 0
}
