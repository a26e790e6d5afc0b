//go:build e2e

package e2e

import (
	"context"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"xaso/build/testkit"
)

// Colours of the UI (frontend/src/app.css) looked for on the screen.
var (
	headerBlue = [3]uint8{0x0b, 0x3d, 0x6e} // the top bar: the page rendered
	onlineDot  = [3]uint8{0x1e, 0x6b, 0x33} // status bar dot: /api/v1/health answered through the AssetServer
	activeTab  = [3]uint8{0x1d, 0x5a, 0x96} // the current nav tab: signed in
)

// desktopBinary is XASO_DESKTOP_BIN (make test-ui builds it) or a binary
// built here with the window tags.
func desktopBinary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("XASO_DESKTOP_BIN"); b != "" {
		return b
	}
	return testkit.Binary(t, "desktop,production,webkit2_41")
}

// desktopApp is the real `xaso` window running on an Xvfb display.
type desktopApp struct {
	cmd      *exec.Cmd
	done     chan struct{}
	log      *os.File
	stopOnce sync.Once
}

// startDesktop runs `xaso` without a subcommand on the display, as `make run`
// does, with a new data folder, its own home, the first admin password in the
// environment, and no join secret.
func startDesktop(t testing.TB, bin string, x *xvfb, name string, env ...string) *desktopApp {
	t.Helper()
	home := t.TempDir()
	logf, err := os.Create(filepath.Join(world.artifacts, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	// Loopback only: its own HTTP port, no peer listener, no mDNS on the
	// host's network.
	cmd := exec.Command(bin, "--data", filepath.Join(home, "data"), "--commune", "14701", "--agency", "000.00.31.H42",
		"--listen", "127.0.0.1:0", "--peer-listen=", "--no-mdns")
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local/share"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XASO_ADMIN_PASSWORD="+adminPassword, "XASO_JOIN_SECRET=", "NO_AT_BRIDGE=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &desktopApp{cmd: cmd, done: make(chan struct{}), log: logf}
	go func() { _ = cmd.Wait(); close(a.done) }()
	t.Cleanup(func() { a.stop(t) })
	return a
}

// stop asks the app to quit (SIGTERM cancels its context, which closes the
// window) and reports whether it did so in time.
func (a *desktopApp) stop(t testing.TB) {
	a.stopOnce.Do(func() {
		_ = a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
			<-a.done
			t.Errorf("the desktop app did not stop within 10 s of SIGTERM")
		}
		// WebKit's helper processes belong to the app's process group.
		_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		a.log.Close()
	})
}

func (a *desktopApp) exited() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// waitScreen takes screenshots until ok accepts one, and returns it.
func waitScreen(t testing.TB, x *xvfb, a *desktopApp, what string, timeout time.Duration, ok func(image.Image) bool) (image.Image, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last []byte
	for ctx.Err() == nil {
		if a.exited() {
			log, _ := os.ReadFile(a.log.Name())
			t.Fatalf("the desktop app exited while waiting for %s; its log (%s):\n%s", what, a.log.Name(), log)
		}
		img, raw, err := x.screenshot(ctx)
		if err == nil {
			last = raw
			if ok(img) {
				return img, raw
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if last != nil {
		saveArtifact(t, "desktop-FAILED.png", last)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
	return nil, nil
}

func has(c [3]uint8, min int) func(image.Image) bool {
	return func(img image.Image) bool { return countColour(img, c[0], c[1], c[2], 3) >= min }
}

// The desktop binary opens its window under Xvfb, shows the UI, reaches the
// API through the window's AssetServer, and signs the admin in with the
// keyboard; SIGTERM closes it.
func TestDesktopWindowUnderXvfb(t *testing.T) {
	bin := desktopBinary(t)
	x := startXvfb(t, 1366, 768)
	a := startDesktop(t, bin, x, "desktop")
	start := time.Now()

	waitScreen(t, x, a, "the UI to render", 90*time.Second, has(headerBlue, 5000))
	t.Logf("UI rendered %.1f s after start", time.Since(start).Seconds())
	_, raw := waitScreen(t, x, a, "the status bar to show the API online", 20*time.Second, has(onlineDot, 20))
	saveArtifact(t, "desktop-1-signin.png", raw)

	// Sign in as the admin with the keyboard (the username field has focus).
	win, err := x.xdotool("search", "--onlyvisible", "--name", "Xã Số")
	if err != nil || win == "" {
		t.Fatalf("no visible window named Xã Số: %v %q", err, win)
	}
	id := strings.Fields(win)[0]
	if _, err := strconv.Atoi(id); err != nil {
		t.Fatalf("window id %q", id)
	}
	_, _ = x.xdotool("windowfocus", "--sync", id)
	if out, err := x.xdotool("type", "--delay", "30", "--window", id, "admin"); err != nil {
		t.Fatalf("xdotool type: %v %s", err, out)
	}
	_, _ = x.xdotool("key", "--window", id, "Tab")
	_, _ = x.xdotool("type", "--delay", "30", "--window", id, adminPassword)
	_, _ = x.xdotool("key", "--window", id, "Return")
	_, raw = waitScreen(t, x, a, "the signed-in screen (active tab)", 20*time.Second, has(activeTab, 500))
	saveArtifact(t, "desktop-2-signed-in.png", raw)

	a.stop(t)
	if !a.exited() {
		t.Fatal("still running after stop")
	}
}
