//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"xaso/build/testkit"
)

// Officials created by the admin for the tests, one per role.
var officials = map[string]string{ // username → role
	"letiep":     "receiver",
	"chuyenvien": "specialist",
	"lanhdao":    "leader",
}

const adminPassword = "admin-e2e-pass-1"

func password(user string) string { return "pw-" + user + "-2025" }

// env is the shared world of the package's tests: one server, one browser.
type env struct {
	root      string // repository root
	tmp       string
	bin       string // xaso built from the tree
	base      string // http://127.0.0.1:PORT
	artifacts string
	serve     *exec.Cmd
	browser   context.Context // chromedp context of the running browser
	stop      []func()
}

var world *env

func TestMain(m *testing.M) {
	code, err := runMain(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runMain(m *testing.M) (int, error) {
	e := &env{}
	world = e
	defer e.close()
	if err := e.setup(); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

func (e *env) close() {
	for i := len(e.stop) - 1; i >= 0; i-- {
		e.stop[i]()
	}
}

func (e *env) setup() error {
	var err error
	if e.root, err = testkit.Root(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(e.root, "frontend/dist/index.html")); err != nil {
		return errors.New("frontend/dist/index.html is missing: run `make frontend` first")
	}
	e.artifacts = os.Getenv("ARTIFACTS")
	if e.artifacts == "" {
		e.artifacts = filepath.Join(e.root, "build/artifacts/ui")
	}
	if err := os.MkdirAll(e.artifacts, 0o755); err != nil {
		return err
	}
	if e.tmp, err = os.MkdirTemp("", "xaso-e2e-"); err != nil {
		return err
	}
	e.stop = append(e.stop, func() { os.RemoveAll(e.tmp) })

	// XASO_BIN runs a binary built elsewhere (for example while the tree
	// is mid-change); by default the tests build the tree as it is.
	if e.bin = os.Getenv("XASO_BIN"); e.bin == "" {
		if e.bin, err = testkit.Build(""); err != nil {
			return err
		}
	}
	if err := e.startServe(); err != nil {
		return err
	}
	if err := e.createOfficials(); err != nil {
		return err
	}
	return e.startBrowser()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (e *env) startServe() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	e.base = "http://" + addr
	stop, _, err := startXaso(e.bin, filepath.Join(e.artifacts, "serve.log"), []string{"serve", "--data", filepath.Join(e.tmp, "data"),
		"--listen", addr, "--commune", "14701", "--agency", "000.00.31.H42"}, nil, e.base)
	if err != nil {
		return err
	}
	e.stop = append(e.stop, stop)
	return nil
}

// startXaso starts bin with args (and env added to the test's), its output
// in logPath, and waits until base/api/v1/health answers. stop ends it with
// SIGTERM (SIGKILL after 10 s); kill pulls its plug.
func startXaso(bin, logPath string, args, env []string, base string) (stop, kill func(), err error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "XASO_ADMIN_PASSWORD="+adminPassword), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary is killed (a timeout, ^C), the server goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, fmt.Errorf("start xaso %s: %w", args[0], err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	end := func(sig syscall.Signal, grace time.Duration) {
		_ = cmd.Process.Signal(sig)
		select {
		case <-exited:
		case <-time.After(grace):
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
	}
	stop = func() { end(syscall.SIGTERM, 10*time.Second) }
	kill = func() { end(syscall.SIGKILL, 0) }
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			logf.Close()
			return nil, nil, fmt.Errorf("xaso exited early: %v (see %s)", waitErr, logPath)
		default:
		}
		if res, err := http.Get(base + "/api/v1/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop, kill, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, nil, fmt.Errorf("xaso at %s did not become healthy in 20 s (see %s)", base, logPath)
}

// api calls the JSON API directly (setup and cross-checks of what the UI shows).
func (e *env) api(method, path, token string, body any, out any) (int, error) {
	return apiAt(e.base, method, path, token, body, out)
}

// apiAt is api on the xaso (a node or the hub) serving at base.
func apiAt(base, method, path, token string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+"/api/v1"+path, rd)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: decode %q: %w", method, path, data, err)
		}
	}
	return res.StatusCode, nil
}

func (e *env) login(user, pass string) (string, error) { return loginAt(e.base, user, pass) }

// loginAt signs in on the xaso (a node or the hub) serving at base.
func loginAt(base, user, pass string) (string, error) {
	var s struct {
		Token string `json:"token"`
	}
	code, err := apiAt(base, "POST", "/sessions", "", map[string]string{"username": user, "password": pass}, &s)
	if err != nil {
		return "", err
	}
	if code != http.StatusCreated || s.Token == "" {
		return "", fmt.Errorf("sign in %s: HTTP %d", user, code)
	}
	return s.Token, nil
}

func (e *env) createOfficials() error { return createOfficialsAt(e.base) }

// createOfficialsAt creates the tests' officials on the node at base.
func createOfficialsAt(base string) error {
	tok, err := loginAt(base, "admin", adminPassword)
	if err != nil {
		return err
	}
	names := map[string]string{"letiep": "Lê Thị Tiếp", "chuyenvien": "Phạm Văn Chuyên", "lanhdao": "Trần Văn Lãnh"}
	for u, role := range officials {
		code, err := apiAt(base, "POST", "/users", tok, map[string]any{
			"username": u, "password": password(u), "full_name": names[u], "roles": []string{role},
		}, nil)
		if err != nil {
			return err
		}
		if code != http.StatusCreated {
			return fmt.Errorf("create user %s: HTTP %d", u, code)
		}
	}
	return nil
}

func (e *env) startBrowser() error {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("chromium not found at %s (install Debian's chromium; set CHROMIUM to override)", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(filepath.Join(e.tmp, "chromium")),
		chromedp.WindowSize(1366, 768),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi-VN"),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	e.stop = append(e.stop, cancelAlloc)
	// The first context starts the browser; each test then opens its tab in
	// a browser context of its own (separate storage, like another PC).
	ctx, cancel := chromedp.NewContext(alloc)
	e.stop = append(e.stop, cancel)
	if err := chromedp.Do(ctx); err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	e.browser = ctx
	return nil
}
