package update_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"xaso/build/testkit"
)

// Real `xaso hub` and `xaso serve` processes for the update tests.

const (
	hubPassword  = "Tinh-NinhBinh-2026!"
	nodePassword = "Xa-YenMo-2026!"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *logBuf
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs bin with args and env and waits until addr answers health.
func start(t *testing.T, bin, addr, health string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	logs := &logBuf{}
	cmd.Stdout, cmd.Stderr = logs, logs
	// A program it starts (an update's watchdog, a rolled-back node) may
	// keep the output open: Wait does not wait for it.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: "http://" + addr, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s logs:\n%s", args[0], logs)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("xaso %s exited: %v\n%s", args[0], err, logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("xaso %s did not answer\n%s", args[0], logs)
	return nil
}

func startHub(t *testing.T, dir string) *proc {
	t.Helper()
	addr := freeAddr(t)
	return start(t, testkit.Binary(t, ""), addr, "/api/v1/health", []string{"XASO_HUB_ADMIN_PASSWORD=" + hubPassword},
		"hub", "--data", dir, "--listen", addr)
}

// getJSON GETs url and decodes the answer.
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func jsonDecode(r io.Reader, out any) error { return json.NewDecoder(r).Decode(out) }
