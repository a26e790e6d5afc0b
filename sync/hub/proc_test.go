package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/build/testkit"
)

// Helpers of the tests that run real `xaso hub` and `xaso serve` processes.

const (
	hubPassword  = "Tinh-NinhBinh-2026!"
	nodePassword = "Xa-YenMo-2026!"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type proc struct {
	cmd  *exec.Cmd
	url  string
	addr string
	logs *lockedBuf
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

// start runs the xaso binary with args and env and waits until addr
// answers /api/v1/health.
func start(t *testing.T, addr string, env []string, args ...string) *proc {
	t.Helper()
	return startAt(t, "http://"+addr, http.DefaultClient, env, args...)
}

// startAt is start for a process that answers at url (https: through client).
func startAt(t *testing.T, url string, client *http.Client, env []string, args ...string) *proc {
	t.Helper()
	addr := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
	cmd := exec.Command(testkit.Binary(t, ""), args...)
	cmd.Env = append(os.Environ(), env...)
	logs := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: url, addr: addr, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s logs:\n%s", args[0], logs)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(p.url + "/api/v1/health"); err == nil {
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

// kill stops p at once (SIGKILL).
func (p *proc) kill() {
	p.cmd.Process.Kill()
	err := <-p.done
	p.done <- err
}

func startHub(t *testing.T, dir, addr string) *proc {
	t.Helper()
	args := append([]string{"hub", "--data", dir, "--listen", addr}, dbArgs(t, dir)...)
	return start(t, addr, []string{"XASO_HUB_ADMIN_PASSWORD=" + hubPassword}, args...)
}

// startNode runs `xaso serve` for commune 14701 linked to hubURL.
func startNode(t *testing.T, dir, hubURL, token string, extra ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--data", dir, "--listen", addr, "--hub", hubURL, "--raft-fast"}, extra...)
	return start(t, addr, []string{"XASO_ADMIN_PASSWORD=" + nodePassword, "XASO_ENROL_TOKEN=" + token}, args...)
}

// enrolCLI runs `xaso hub enrol` and returns the token, the last word.
func enrolCLI(t *testing.T, dir, commune string, extra ...string) string {
	t.Helper()
	out, err := exec.Command(testkit.Binary(t, ""), append([]string{"hub", "enrol", "--data", dir, "--commune", commune}, extra...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("xaso hub enrol: %v\n%s", err, out)
	}
	f := strings.Fields(string(out))
	return f[len(f)-1]
}

func call(url, token, method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return resp.StatusCode, nil, fmt.Errorf("not JSON: %s", raw)
		}
	}
	return resp.StatusCode, out, nil
}

// must calls and fails the test unless the status is want.
func must(t *testing.T, want int, url, token, method, path string, body any) map[string]any {
	t.Helper()
	st, out, err := call(url, token, method, path, body)
	if err != nil || st != want {
		t.Fatalf("%s %s: %d %v %v (want %d)", method, path, st, out, err, want)
	}
	return out
}

func login(t *testing.T, url, user, pw string) string {
	t.Helper()
	return must(t, 201, url, "", "POST", "/api/v1/sessions", map[string]string{"username": user, "password": pw})["token"].(string)
}

// desk creates an official with every desk role on the node and signs in.
func desk(t *testing.T, node *proc) string {
	t.Helper()
	admin := login(t, node.url, "admin", nodePassword)
	must(t, 201, node.url, admin, "POST", "/api/v1/users", map[string]any{"username": "motcua", "password": "Mot-Cua-2026!",
		"full_name": "Nguyễn Thị Một Cửa", "roles": []string{"receiver", "specialist", "leader"}})
	return login(t, node.url, "motcua", "Mot-Cua-2026!")
}

func applicant(i int) map[string]any {
	names := []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Đức", "Phạm Thu Hà"}
	return map[string]any{"full_name": names[i%len(names)], "id_number": "037090001234", "date_of_birth": "1990-05-01", "phone": "0912345678"}
}

// receive records n dossiers at the node's desk.
func receive(t *testing.T, node *proc, token string, n int) {
	t.Helper()
	for i := range n {
		must(t, 201, node.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)})
	}
}

// stateHash returns the node's state hash (admin).
func stateHash(t *testing.T, node *proc, admin string) string {
	t.Helper()
	return must(t, 200, node.url, admin, "GET", "/api/v1/cluster?state_hash=1", nil)["state_hash"].(string)
}

// hubHash returns the hub's state hash of commune 14701.
func hubHash(t *testing.T, hub *proc, it string) string {
	t.Helper()
	return must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701?state_hash=1", nil)["state_hash"].(string)
}

// synced waits until the node reports nothing unsent after a sync and
// the hub's state equals the node's.
func synced(t *testing.T, node, hub *proc, admin, it string, timeout time.Duration) string {
	t.Helper()
	var h string
	testkit.Eventually(t, timeout, "hub in sync with the office", func() error {
		_, health, err := call(node.url, "", "GET", "/api/v1/health", nil)
		if err != nil {
			return err
		}
		up, _ := health["uplink"].(map[string]any)
		if up["online"] != true || up["unsent"] != float64(0) {
			return fmt.Errorf("uplink %v", up)
		}
		h = stateHash(t, node, admin)
		if hh := hubHash(t, hub, it); hh != h {
			return fmt.Errorf("hub hash %s, office %s", hh, h)
		}
		return nil
	})
	return h
}

func hubDirs(t *testing.T) (hubDir, nodeDir string) {
	d := t.TempDir()
	return filepath.Join(d, "hub"), filepath.Join(d, "node")
}
