package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/store"
	"xaso/store/storetest"
)

// runOnce runs the binary to its end (at most 30 s) and returns its exit
// code and output.
func runOnce(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "XASO_ADMIN_PASSWORD=admin-password")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v did not end:\n%s", args, &out)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// noStackTrace fails when a process's output shows a Go panic or fault.
func noStackTrace(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range []string{"goroutine ", "panic:", "SIGSEGV", "SIGBUS", "fatal error"} {
		if strings.Contains(out, s) {
			t.Fatalf("%s: the output shows a crash (%q):\n%s", what, s, out)
		}
	}
}

func stop(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("SIGTERM: exit %v\n%s", err, p.logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("xaso serve did not stop on SIGTERM")
	}
}

func stateHash(t *testing.T, dir string) string {
	t.Helper()
	s, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fillOffice makes user mai and n dossiers; it returns mai's token and the codes.
func fillOffice(t *testing.T, p *proc, n int) (string, []string) {
	t.Helper()
	token := official(t, p.url, "receiver", "specialist", "leader")
	var codes []string
	for i := range n {
		st, d, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)})
		if err != nil || st != 201 {
			t.Fatalf("receive: %d %v %v", st, d, err)
		}
		codes = append(codes, d["code"].(string))
	}
	return token, codes
}

// TestServeDamagedStore damages a page of the dossiers of a real data file.
// It used to start "ok", then the first write killed the process (SIGSEGV),
// at every restart. Now the node starts, says "damaged" in /health, serves
// sign-in and what reads back, refuses writes with a code, survives
// restarts, and `xaso doctor --rebuild` makes the same state again from the
// command log, keeping the damaged file aside.
func TestServeDamagedStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir, addr := t.TempDir(), freeAddr(t)
	p := startServe(t, bin, dir, addr)
	_, codes := fillOffice(t, p, 30)
	stop(t, p)
	want := stateHash(t, dir)

	path := filepath.Join(dir, "xaso.db")
	storetest.DamageBucket(t, path, "dossiers")

	for restart := range 2 { // no crash loop: it starts again, damaged again
		p = startServe(t, bin, dir, addr)
		st, h, err := call(p.url, "", "GET", "/api/v1/health", nil)
		if err != nil || st != 200 || h["store"] != "damaged" || h["status"] == "ok" {
			t.Fatalf("restart %d: health %d %v %v, want store damaged and status not ok", restart, st, h, err)
		}
		token := login(t, p.url, "mai", "password-mai") // sign-in works (in memory)
		if st, _, err := call(p.url, token, "GET", "/api/v1/me", nil); err != nil || st != 200 {
			t.Fatalf("me: %d %v", st, err)
		}
		for range 2 {
			st, e, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(1)})
			if err != nil || st != 503 || e["error"].(map[string]any)["code"] != "store_damaged" {
				t.Fatalf("write on a damaged store: %d %v %v", st, e, err)
			}
			if msg := e["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "xaso doctor") {
				t.Errorf("the message does not say what to do: %q", msg)
			}
		}
		// A read of the damaged page answers with the same code, the process lives.
		if st, e, err := call(p.url, token, "GET", "/api/v1/dossiers/"+codes[0], nil); err != nil || st != 503 ||
			e["error"].(map[string]any)["code"] != "store_damaged" {
			t.Fatalf("read of a damaged dossier: %d %v %v", st, e, err)
		}
		if st, _, err := call(p.url, "", "GET", "/api/v1/health", nil); err != nil || st != 200 {
			t.Fatalf("the process died after the writes: %d %v\n%s", st, err, p.logs)
		}
		noStackTrace(t, "serve on a damaged file", p.logs.String())
		stop(t, p)
	}

	code, out := runOnce(t, bin, "doctor", "--data", dir)
	if code != 1 || !strings.Contains(out, "hỏng") || !strings.Contains(out, "--rebuild") {
		t.Fatalf("doctor on a damaged file: exit %d\n%s", code, out)
	}
	code, out = runOnce(t, bin, "doctor", "--data", dir, "--rebuild")
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("doctor --rebuild: exit %d, want state hash %s\n%s", code, want, out)
	}
	noStackTrace(t, "doctor", out)
	if m, _ := filepath.Glob(path + ".damaged-????????-??????"); len(m) != 1 {
		t.Fatalf("the damaged file is not kept aside: %v", m)
	}
	if got := stateHash(t, dir); got != want {
		t.Fatalf("state hash after the rebuild %s, want %s", got, want)
	}
	if code, out = runOnce(t, bin, "doctor", "--data", dir); code != 0 || !strings.Contains(out, "Tốt") {
		t.Fatalf("doctor after the rebuild: exit %d\n%s", code, out)
	}
	p = startServe(t, bin, dir, addr)
	if _, h, _ := call(p.url, "", "GET", "/api/v1/health", nil); h["store"] != "ok" || h["status"] != "ok" {
		t.Fatalf("health after the rebuild: %v", h)
	}
	token := login(t, p.url, "mai", "password-mai")
	if st, d, err := call(p.url, token, "GET", "/api/v1/dossiers/"+codes[0], nil); err != nil || st != 200 {
		t.Fatalf("dossier after the rebuild: %d %v %v", st, d, err)
	}
	if st, d, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(2)}); err != nil || st != 201 {
		t.Fatalf("write after the rebuild: %d %v %v", st, d, err)
	}
	stop(t, p)
}

// TestServeCutOrEmptyFile: a data file cut short stops the node with a
// clear coded message, not a stack trace; an empty one is refused, not taken
// for a new data folder (it would start a new office beside the real one).
func TestServeCutOrEmptyFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	src := t.TempDir()
	p := startServe(t, bin, src, freeAddr(t))
	fillOffice(t, p, 5)
	stop(t, p)
	full, err := os.ReadFile(filepath.Join(src, "xaso.db"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(src, "xaso.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var used int // bbolt grows the file ahead: its pages end here
	db.View(func(tx *bolt.Tx) error { used = int(tx.Size()); return nil })
	db.Close()
	serve := func(dir string) []string {
		return []string{"serve", "--data", dir, "--listen", freeAddr(t), "--commune", "14701"}
	}
	for _, n := range []int{0, 100, 3 * 4096, used - 4096} {
		dir := t.TempDir()
		path := filepath.Join(dir, "xaso.db")
		if err := os.WriteFile(path, full[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		code, out := runOnce(t, bin, serve(dir)...)
		noStackTrace(t, "serve on a cut file", out)
		if code != 1 || !strings.Contains(out, "store_damaged") || !strings.Contains(out, "xaso doctor") {
			t.Fatalf("cut at %d bytes: exit %d, want 1 with store_damaged and what to do:\n%s", n, code, out)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != int64(n) {
			t.Fatalf("cut at %d bytes: the file was changed: %v %v", n, fi.Size(), err)
		}
		code, out = runOnce(t, bin, "doctor", "--data", dir)
		noStackTrace(t, "doctor on a cut file", out)
		if code != 1 {
			t.Fatalf("doctor on a file cut at %d: exit %d\n%s", n, code, out)
		}
	}
}

// TestServeHiddenDamage is the crash loop as it was seen: pages in the middle
// of an index are damaged, where the quick check at start does not read;
// the node starts, and the first write that meets them used to kill it
// (SIGSEGV in the store's writer) at every restart. Now the fold that meets
// them marks the store damaged (the write itself was acknowledged from the
// write-ahead log, which keeps it): the next write answers 503
// store_damaged, the node lives on and says damaged, and remembers it at the
// next start.
func TestServeHiddenDamage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir, addr := t.TempDir(), freeAddr(t)
	p := startServe(t, bin, dir, addr)
	fillOffice(t, p, 150)
	stop(t, p)
	path := filepath.Join(dir, "xaso.db")
	root, size := storetest.FileBucketRoot(t, path, "idx_name")
	kids := storetest.BranchChildren(t, path, root, size)
	if len(kids) < 3 {
		t.Fatalf("the name index has %d pages under its root: too few to damage its middle", len(kids))
	}
	for _, pg := range kids[1 : len(kids)-1] {
		storetest.DamagePage(t, path, pg, size)
	}

	p = startServe(t, bin, dir, addr)
	token := login(t, p.url, "mai", "password-mai")
	refused := false
	for i := 0; i < 8 && !refused; i++ {
		st, e, err := call(p.url, token, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(i)})
		switch {
		case err != nil:
			t.Fatalf("write %d: %v\n%s", i, err, p.logs)
		case st == 503 && e["error"].(map[string]any)["code"] == "store_damaged":
			refused = true
		case st != 201:
			t.Fatalf("write %d: %d %v", i, st, e)
		default:
			// Acknowledged: it is in the write-ahead log. A read folds it
			// into bbolt now, where it meets the damaged pages.
			call(p.url, token, "GET", "/api/v1/dossiers?limit=1", nil)
		}
	}
	if !refused {
		t.Fatal("no write met the damaged pages")
	}
	if st, h, err := call(p.url, "", "GET", "/api/v1/health", nil); err != nil || h["store"] != "damaged" || h["status"] == "ok" {
		t.Fatalf("health after the fault: %d %v %v\n%s", st, h, err, p.logs)
	}
	noStackTrace(t, "serve after a fault in the writer", p.logs.String())
	stop(t, p)
	p = startServe(t, bin, dir, addr)
	if _, h, err := call(p.url, "", "GET", "/api/v1/health", nil); err != nil || h["store"] != "damaged" {
		t.Fatalf("health at the next start: %v %v", h, err)
	}
	stop(t, p)
}
