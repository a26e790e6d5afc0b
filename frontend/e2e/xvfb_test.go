//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// xvfb is a virtual X display for the real desktop window.
type xvfb struct {
	display string
}

// startXvfb starts Xvfb on a display it picks itself and stops it when the
// test ends. Xvfb writes the display's number to -displayfd once it accepts
// clients: testing for a free lock file and then for the socket raced a
// display just stopped by the previous test (its socket still there, the new
// server not yet listening, and GTK failed to start).
func startXvfb(tb testing.TB, width, height int) *xvfb {
	tb.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		tb.Fatal("Xvfb is not installed (make test-ui installs xvfb)")
	}
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	w.Close()
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// Xvfb writes "N\n" and closes fd 3 once it listens.
	_ = r.SetReadDeadline(time.Now().Add(15 * time.Second))
	b, _ := io.ReadAll(r)
	line := strings.TrimSpace(string(b))
	if line == "" {
		tb.Fatal("Xvfb did not start (no display number on -displayfd in 15 s)")
	}
	return &xvfb{display: ":" + strings.Fields(line)[0]}
}

// screenshot grabs the whole screen.
func (x *xvfb) screenshot(ctx context.Context) (image.Image, []byte, error) {
	out, err := exec.CommandContext(ctx, "import", "-display", x.display, "-window", "root", "png:-").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("import: %w", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	return img, out, err
}

// xdotool runs xdotool on this display.
func (x *xvfb) xdotool(args ...string) (string, error) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// countColour counts pixels within tol of the colour (r, g, b).
func countColour(img image.Image, r, g, b uint8, tol int) int {
	n := 0
	bounds := img.Bounds()
	near := func(a uint32, want uint8) bool {
		d := int(a>>8) - int(want)
		return d >= -tol && d <= tol
	}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if near(cr, r) && near(cg, g) && near(cb, b) {
				n++
			}
		}
	}
	return n
}

func saveArtifact(tb testing.TB, name string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(world.artifacts, name), data, 0o644); err != nil {
		tb.Fatal(err)
	}
}
