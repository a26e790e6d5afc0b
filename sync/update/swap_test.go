//go:build !windows

package update

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xaso/build/testkit"
)

// fakeSwapper records relaunches instead of starting programs: Windows
// cannot run here (Go ≥ 1.24 Windows binaries need bcryptprimitives.dll's
// ProcessPrng, which Debian's Wine lacks), so its path — rename the
// running .exe aside, rename the new one in, start it as a new process and
// exit — is run on Linux with the same renames and this fake restart.
type fakeSwapper struct{ launched []string }

func (f *fakeSwapper) Relaunch(exe string, args, env []string) error {
	b, _ := os.ReadFile(exe)
	f.launched = append(f.launched, string(b))
	return nil // as on Windows: started; the caller exits
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Swap then a second start of the trial: Boot puts the previous program
// back, records the rollback and relaunches it (ErrRelaunched: the caller
// exits, as on Windows).
func TestBootRollsBackASecondTrialStart(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "xaso.exe")
	writeFile(t, exe, "v1")
	staged, err := Stage(exe, []byte("v2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Swap(exe, staged, exe+".old"); err != nil {
		t.Fatal(err)
	}
	if readFile(t, exe) != "v2" || readFile(t, exe+".old") != "v1" {
		t.Fatal("swap did not put v2 in place keeping v1")
	}
	upd := filepath.Join(dir, "update")
	os.MkdirAll(upd, 0o700)
	rec := Record{State: RecordTrial, SHA256: FileSHA256(exe), Exe: exe, Old: exe + ".old", Args: []string{"serve"}, Bound: time.Second}
	if err := WriteRecord(upd, rec); err != nil {
		t.Fatal(err)
	}
	sw := &fakeSwapper{}
	if trial, err := Boot(upd, sw, nil); err != nil || !trial {
		t.Fatalf("first start: trial %v, %v", trial, err)
	}
	if len(sw.launched) != 0 {
		t.Fatal("first start relaunched")
	}
	// The first start crashed; the PC (or the service manager) starts it again.
	if _, err := Boot(upd, sw, nil); !errors.Is(err, ErrRelaunched) {
		t.Fatalf("second start: %v", err)
	}
	r, _, _ := ReadRecord(upd)
	if r.State != RecordRolledBack || r.Problem != "crashed_at_start" {
		t.Fatalf("record %+v", r)
	}
	if readFile(t, exe) != "v1" || readFile(t, exe+".bad") != "v2" || len(sw.launched) != 1 || sw.launched[0] != "v1" {
		t.Fatalf("after rollback: exe %q, bad %q, launched %v", readFile(t, exe), readFile(t, exe+".bad"), sw.launched)
	}
	if trial, err := Boot(upd, sw, nil); err != nil || trial {
		t.Fatalf("a start after the rollback: %v %v", trial, err)
	}
}

// A new program that fails its check within the bound asks the node to
// stop; once stopped, the previous program is put back and relaunched.
func TestFailedCheckRollsBack(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "xaso")
	writeFile(t, exe, "v2")
	writeFile(t, exe+".old", "v1")
	upd := filepath.Join(dir, "update")
	os.MkdirAll(upd, 0o700)
	WriteRecord(upd, Record{State: RecordTrial, SHA256: FileSHA256(exe), Exe: exe, Old: exe + ".old", Bound: 300 * time.Millisecond, Boots: 1})
	restarted := make(chan struct{})
	sw := &fakeSwapper{}
	trust, _ := NewTrust(Config{Dir: upd, Root: []byte("{}"), MetadataURL: "http://127.0.0.1:1/"})
	s, err := NewService(ServiceConfig{Trust: trust, Publish: func(context.Context, string, string, []byte) error { return nil },
		Has: func(ids []string) ([]bool, error) { return make([]bool, len(ids)), nil }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Install: &InstallConfig{Exe: exe, Swapper: sw, Bound: time.Minute,
			Check:   func(context.Context, int) error { return errors.New("the API does not answer") },
			Restart: func() { close(restarted) }}})
	if err != nil {
		t.Fatal(err)
	}
	s.confirm(context.Background())
	select {
	case <-restarted:
	default:
		t.Fatal("no restart asked")
	}
	if r, _, _ := ReadRecord(upd); r.State != RecordFailed || r.Problem != "health_check_failed" {
		t.Fatalf("record %+v", r)
	}
	if err := s.AfterStop(nil); !errors.Is(err, ErrRelaunched) {
		t.Fatal(err)
	}
	if r, _, _ := ReadRecord(upd); r.State != RecordRolledBack || readFile(t, exe) != "v1" || sw.launched[0] != "v1" {
		t.Fatalf("record %+v, exe %q, launched %v", r, readFile(t, exe), sw.launched)
	}
}

// SpawnSwapper, the Windows relaunch, starts the program as a new process
// (here a shell script standing for xaso.exe, run on Linux).
func TestSpawnSwapperStartsTheProgram(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "xaso")
	mark := filepath.Join(dir, "started")
	writeFile(t, exe, "#!/bin/sh\necho \"$@\" > "+mark+"\n")
	if err := (SpawnSwapper{}).Relaunch(exe, []string{"serve", "--data", "D"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, "the relaunched program ran", func() error {
		b, err := os.ReadFile(mark)
		if err != nil || string(b) != "serve --data D\n" {
			return errors.New("not yet")
		}
		return nil
	})
}
