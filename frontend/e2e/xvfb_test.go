//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
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

// startXvfb starts Xvfb on a free display number and stops it when the test ends.
func startXvfb(tb testing.TB, width, height int) *xvfb {
	tb.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		tb.Fatal("Xvfb is not installed (make test-ui installs xvfb)")
	}
	n := 0
	for i := 90; i < 200; i++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", i)); os.IsNotExist(err) {
			n = i
			break
		}
	}
	if n == 0 {
		tb.Fatal("no free X display number")
	}
	display := fmt.Sprintf(":%d", n)
	cmd := exec.Command("Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
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
	sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return &xvfb{display: display}
		}
	}
	tb.Fatal("Xvfb did not start")
	return nil
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
