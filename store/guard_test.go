package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/store/storetest"
)

// filled is a store holding the scenario's commands and enough dossiers for
// every bucket to live on pages of its own.
func filled(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, s, scenario(t), 7)
	applyAll(t, s, storetest.Dossiers(400, 3, t0), 100)
	return s
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if app.ErrorCode(err) != code {
		t.Fatalf("error %v: code %q, want %q", err, app.ErrorCode(err), code)
	}
}

// newReceive is a dossier received after the filled store's.
func newReceive(t *testing.T, n int) app.Command {
	g := &gen{n: 900000 + n, at: t0.Add(time.Duration(n) * time.Hour)}
	return g.cmd(t, app.KindDossierReceive, "desk", "na", time.Minute,
		receiveBody("dossier-new", app.FormatCode("000.00.31.H42", t0, 900+n), "Đỗ Thị Lan", t0, 900+n))
}

// TestWriterFaultMarksDamaged damages a page under a running store, as a
// failing disk does: the first write that reads it must come back as a coded
// error (it killed the process with a SIGSEGV), the store must then refuse
// writes and keep serving the reads that do not touch the page.
func TestWriterFaultMarksDamaged(t *testing.T) {
	dir := t.TempDir()
	s := filled(t, dir)
	root, size := storetest.BucketRoot(t, s.db, string(bDossiers))
	storetest.DamagePage(t, filepath.Join(dir, "xaso.db"), root, size)
	if p := s.Problem(); p != "ok" {
		t.Fatalf("problem before any read: %q", p)
	}
	err := s.Apply(context.Background(), newReceive(t, 1))
	wantCode(t, err, app.EStoreDamaged)
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("error %v is not ErrDamaged", err)
	}
	if p := s.Problem(); p != "damaged" {
		t.Fatalf("problem %q after a fault, want damaged", p)
	}
	wantCode(t, s.Apply(context.Background(), newReceive(t, 2)), app.EStoreDamaged)
	if u, err := s.User("mai"); err != nil || u.Username != "mai" {
		t.Fatalf("a user is no longer readable: %+v %v", u, err)
	}
	if _, err := s.Dossier("dossier-0001"); err == nil {
		t.Fatal("a dossier read from the damaged page came back without an error")
	}
	// Signing in still works, in memory: the file is not written.
	sess := app.Session{Username: "mai", Created: t0, Expires: t0.Add(time.Hour)}
	if err := s.PutSession("tok", sess); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session("tok"); err != nil || got.Username != "mai" {
		t.Fatalf("session: %+v %v", got, err)
	}
	if err := s.DeleteSession("tok"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session("tok"); app.ErrorCode(err) != app.ENotFound {
		t.Fatalf("ended session: %v", err)
	}
	// The damage is remembered: the next start does not pass it for sound.
	s.Close()
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The fault itself depends on what the writer read from the zeroed page
	// ("invalid page type", or a nil pointer behind it): the note says write.
	if s.Problem() != "damaged" || !strings.Contains(s.Damage(), "write:") {
		t.Fatalf("reopened: problem %q (%s), want damaged", s.Problem(), s.Damage())
	}
}

// TestDoctorClearsStaleNote: a damage noted while running that the whole
// file does not show (a disk's read error that went away) is cleared by a
// check that finds the file sound.
func TestDoctorClearsStaleNote(t *testing.T) {
	dir := t.TempDir()
	s := filled(t, dir)
	s.markDamaged("read: a passing disk error")
	s.Close()
	if s, err := Open(Config{Dir: dir}); err != nil || s.Problem() != "damaged" {
		t.Fatalf("reopened with a note: %v", err)
	} else {
		s.Close()
	}
	c, err := Check(dir)
	if err != nil || !c.OK() || !strings.Contains(c.Cleared, "a passing disk error") {
		t.Fatalf("check: %+v %v", c, err)
	}
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Problem() != "ok" {
		t.Fatalf("after the check: %q %s", s.Problem(), s.Damage())
	}
}

// TestOpenDamaged opens a file damaged while it was closed: Open finds it
// (the root pages are read at start), the store opens damaged instead of
// failing, and keeps its identity.
func TestOpenDamaged(t *testing.T) {
	dir := t.TempDir()
	s := filled(t, dir)
	node := s.NodeID()
	root, size := storetest.BucketRoot(t, s.db, string(bIdxName))
	s.Close()
	storetest.DamagePage(t, filepath.Join(dir, "xaso.db"), root, size)
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Problem() != "damaged" || !strings.Contains(s.Damage(), "read") {
		t.Fatalf("problem %q (%s), want damaged", s.Problem(), s.Damage())
	}
	if s.NodeID() != node {
		t.Errorf("node ID %q, want %q", s.NodeID(), node)
	}
	if d, err := s.Dossier("dossier-0001"); err != nil || d.ID != "dossier-0001" {
		t.Fatalf("a dossier is no longer readable: %v", err)
	}
	wantCode(t, s.Apply(context.Background(), newReceive(t, 1)), app.EStoreDamaged)
}

// TestOpenEmptyOrCutFile: a zero-length file is refused (bbolt would make it
// a new database: a new office), and a file cut short gives a coded error
// or a damaged store, never a crash.
func TestOpenEmptyOrCutFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "xaso.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Config{Dir: dir})
	wantCode(t, err, app.EStoreDamaged)
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatalf("the empty file was written: %d bytes", fi.Size())
	}

	src := t.TempDir()
	filled(t, src).Close()
	full, err := os.ReadFile(filepath.Join(src, "xaso.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{100, 4096, 3 * 4096, len(full) / 2, len(full) - 4096} {
		if err := os.WriteFile(path, full[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(Config{Dir: dir})
		if err != nil {
			wantCode(t, err, app.EStoreDamaged)
			continue
		}
		// Opened: whatever it serves, a write must not crash.
		err = s.Apply(context.Background(), newReceive(t, n))
		if err != nil && s.Problem() != "damaged" {
			t.Errorf("cut at %d: write failed (%v) but the store is %q", n, err, s.Problem())
		}
		s.Close()
	}
}

// TestDoctorRebuilds damages an index page: Check finds it and sees the log
// whole, Rebuild folds the log into a fresh file with the same state hash,
// keeps the damaged file aside, and the store opens healthy again.
func TestDoctorRebuilds(t *testing.T) {
	dir := t.TempDir()
	s := filled(t, dir)
	if err := s.Append(context.Background(), newReceive(t, 1)); err != nil { // one not yet replicated
		t.Fatal(err)
	}
	want, node := hash(t, s), s.NodeID()
	root, size := storetest.BucketRoot(t, s.db, string(bIdxName))
	if _, err := Check(dir); app.ErrorCode(err) != app.EDataDirLocked { // xaso must be stopped first
		t.Fatalf("check of a file in use: %v", err)
	}
	s.Close()
	c, err := Check(dir)
	if err != nil || !c.OK() {
		t.Fatalf("check of a good file: %+v %v", c, err)
	}
	path := filepath.Join(dir, "xaso.db")
	storetest.DamagePage(t, path, root, size)
	if c, err = Check(dir); err != nil || c.OK() || !c.LogOK || len(c.Problems) == 0 {
		t.Fatalf("check of a damaged index: %+v %v", c, err)
	}
	r, err := Rebuild(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.StateHash != want {
		t.Fatalf("rebuilt state hash %s, want %s", r.StateHash, want)
	}
	if _, err := os.Stat(r.Aside); err != nil || !strings.HasPrefix(filepath.Base(r.Aside), "xaso.db.damaged-") {
		t.Fatalf("damaged file not kept aside: %q %v", r.Aside, err)
	}
	if c, err = Check(dir); err != nil || !c.OK() {
		t.Fatalf("check after the rebuild: %+v %v", c, err)
	}
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Problem() != "ok" || s.NodeID() != node || hash(t, s) != want {
		t.Fatalf("reopened: problem %q node %q (want %q)", s.Problem(), s.NodeID(), node)
	}
	if n, err := s.Unreplicated(""); err != nil || n != 1 {
		t.Fatalf("unreplicated after the rebuild: %d %v, want 1", n, err)
	}
}

// TestDoctorLogDamaged: with the command log itself damaged, Rebuild refuses
// and leaves the file where it was.
func TestDoctorLogDamaged(t *testing.T) {
	dir := t.TempDir()
	s := filled(t, dir)
	root, size := storetest.BucketRoot(t, s.db, string(bCmds))
	s.Close()
	path := filepath.Join(dir, "xaso.db")
	storetest.DamagePage(t, path, root, size)
	c, err := Check(dir)
	if err != nil || c.LogOK || c.OK() {
		t.Fatalf("check of a damaged log: %+v %v", c, err)
	}
	if _, err := Rebuild(dir, t0); !errors.Is(err, ErrDamaged) {
		t.Fatalf("rebuild from a damaged log: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "xaso.db.damaged-*")); len(m) != 0 {
		t.Fatalf("files after a refused rebuild: %v", m)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the data file is gone after a refused rebuild: %v", err)
	}
}

// TestOpenDamagedMeta: bbolt keeps two meta pages; with one damaged the
// store opens on the other, with both damaged it ends with a coded error.
func TestOpenDamagedMeta(t *testing.T) {
	src := t.TempDir()
	filled(t, src).Close()
	full, err := os.ReadFile(filepath.Join(src, "xaso.db"))
	if err != nil {
		t.Fatal(err)
	}
	ps := os.Getpagesize()
	for _, tt := range []struct {
		name  string
		pages []int
		opens bool
	}{{"page 0", []int{0}, true}, {"page 1", []int{1}, true}, {"both", []int{0, 1}, false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b := bytes.Clone(full)
			for _, pg := range tt.pages {
				copy(b[pg*ps+16:], "garbage in the meta page")
			}
			if err := os.WriteFile(filepath.Join(dir, "xaso.db"), b, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(Config{Dir: dir})
			if !tt.opens {
				wantCode(t, err, app.EStoreDamaged)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Problem() != "ok" {
				t.Fatalf("problem %q (%s)", s.Problem(), s.Damage())
			}
		})
	}
}
