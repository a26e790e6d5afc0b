package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"xaso/build/testkit"
)

// buildBinary builds xaso once per test run, as `make build` does.
func buildBinary(t *testing.T) string { return testkit.Binary(t, "") }

type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan error
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startServe(t *testing.T, bin, dir, addr string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", dir, "--listen", addr, "--commune", "14701", "--agency", "000.00.31.H42")
	cmd.Env = append(os.Environ(), "XASO_ADMIN_PASSWORD=admin-password")
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, url: "http://" + addr, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/api/v1/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("xaso serve exited: %v\n%s", err, logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("xaso serve did not answer\n%s", logs)
	return nil
}

func call(url, token, method, path string, body any, hdr ...string) (int, map[string]any, error) {
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
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return resp.StatusCode, nil, fmt.Errorf("not JSON: %s", raw)
		}
	}
	return resp.StatusCode, out, nil
}

func login(t *testing.T, url, user, pw string) string {
	t.Helper()
	st, out, err := call(url, "", "POST", "/api/v1/sessions", map[string]string{"username": user, "password": pw})
	if err != nil || st != 201 {
		t.Fatalf("login %s: %d %v %v", user, st, out, err)
	}
	return out["token"].(string)
}

// official makes the admin create the desk official "mai" with roles and
// signs her in: the token the tests work with.
func official(t *testing.T, url string, roles ...string) string {
	t.Helper()
	admin := login(t, url, "admin", "admin-password")
	st, out, err := call(url, admin, "POST", "/api/v1/users", map[string]any{"username": "mai", "password": "password-mai",
		"full_name": "Phạm Thị Mai", "roles": roles})
	if err != nil || st != 201 {
		t.Fatalf("create user: %d %v %v", st, out, err)
	}
	return login(t, url, "mai", "password-mai")
}

func applicant(i int) map[string]any {
	names := []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Đức", "Phạm Thu Hà"}
	return map[string]any{"full_name": names[i%len(names)], "id_number": "037090001234", "date_of_birth": "1990-05-01", "phone": "0912345678"}
}

// TestServeSurvivesKill runs the real binary: it receives dossiers and acts on
// them from 16 desks at once, is killed with SIGKILL in the middle of the
// burst, restarts, and must still hold every dossier and action it
// acknowledged; retrying with the same Idempotency-Key never makes a second
// dossier; SIGTERM then stops it cleanly.
func TestServeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir, addr := t.TempDir(), freeAddr(t)
	p := startServe(t, bin, dir, addr)
	token := official(t, p.url, "receiver", "specialist", "leader")

	type ack struct {
		key, code string
		forwarded bool
	}
	var (
		mu    sync.Mutex
		acks  = map[string]*ack{} // by key
		sent  []string
		count atomic.Int64
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for desk := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("desk%02d-%05d", desk, i)
				mu.Lock()
				sent = append(sent, key)
				mu.Unlock()
				st, d, err := call(p.url, token, "POST", "/api/v1/dossiers",
					map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)}, "Idempotency-Key", key)
				if err != nil || st != 201 {
					return // the process died under us
				}
				a := &ack{key: key, code: d["code"].(string)}
				mu.Lock()
				acks[key] = a
				mu.Unlock()
				count.Add(1)
				if i%2 == 0 {
					st, _, err := call(p.url, token, "POST", "/api/v1/dossiers/"+a.code+"/actions", map[string]string{"action": "forward"})
					if err != nil || st != 200 {
						return
					}
					mu.Lock()
					a.forwarded = true
					mu.Unlock()
				}
			}
		}()
	}
	for count.Load() < 300 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	cancel()
	wg.Wait()
	t.Logf("killed after %d acknowledged receipts (%d requests sent)", len(acks), len(sent))

	p = startServe(t, bin, dir, addr)
	token2 := login(t, p.url, "mai", "password-mai")
	if st, _, _ := call(p.url, token, "GET", "/api/v1/me", nil); st != 200 {
		t.Errorf("the session from before the crash is gone: %d", st)
	}
	codes := map[string]string{}
	for _, a := range acks {
		st, d, err := call(p.url, token2, "GET", "/api/v1/dossiers/"+a.code, nil)
		if err != nil || st != 200 {
			t.Fatalf("acknowledged dossier %s lost: %d %v", a.code, st, err)
		}
		if a.forwarded && d["status"] != "processing" {
			t.Fatalf("acknowledged forward of %s lost: status %v", a.code, d["status"])
		}
		if prev, dup := codes[a.code]; dup {
			t.Fatalf("code %s issued to %s and %s", a.code, prev, a.key)
		}
		codes[a.code] = a.key
	}
	// Retry everything that was sent, acknowledged or not, with its key and
	// its body (a key reused with another body is refused: DESIGN §8.1).
	for _, key := range sent {
		var desk, i int
		fmt.Sscanf(key, "desk%02d-%05d", &desk, &i)
		st, d, err := call(p.url, token2, "POST", "/api/v1/dossiers",
			map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)}, "Idempotency-Key", key)
		if err != nil || st != 201 {
			t.Fatalf("retry %s: %d %v %v", key, st, d, err)
		}
		if a, ok := acks[key]; ok && d["code"] != a.code {
			t.Fatalf("retry of %s gave %v, first answer was %s", key, d["code"], a.code)
		}
	}
	total := 0
	for after := ""; ; {
		st, page, err := call(p.url, token2, "GET", "/api/v1/dossiers?limit=500&after="+after, nil)
		if err != nil || st != 200 {
			t.Fatalf("list: %d %v", st, err)
		}
		total += len(page["items"].([]any))
		if after = page["next"].(string); after == "" {
			break
		}
	}
	if total != len(sent) {
		t.Fatalf("%d dossiers for %d distinct keys: a retry made a second dossier or lost one", total, len(sent))
	}

	stop(t, p)
	if !strings.Contains(p.logs.String(), "stopped") {
		t.Errorf("no clean-stop log line:\n%s", p.logs)
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "xaso ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Fatalf("unknown command exit %d, want 2", code)
	}
	errb.Reset()
	dir := t.TempDir()
	if code := run([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "--commune") {
		t.Fatalf("serve on a new folder without --commune: %d %q", code, errb.String())
	}
}
