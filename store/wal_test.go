package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xaso/app"
)

// TestLogFoldedAtOpen: commands acknowledged in the write-ahead log but not
// yet folded into bbolt (the power went first) are folded when the store
// opens, as if they had been appended; a record cut short at the end (it was
// never acknowledged) is dropped; new commands follow the old ones.
func TestLogFoldedAtOpen(t *testing.T) {
	cs := scenario(t)
	want := openTest(t)
	if err := want.Append(context.Background(), cs...); err != nil {
		t.Fatal(err)
	}
	wantPending, _ := want.Unreplicated("")

	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var buf []byte
	for i, c := range cs {
		st, err := packCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		buf = appendRecord(buf, uint64(i+1), true, [][]byte{st})
	}
	buf = append(buf, buf[:40]...) // the start of a record never synced
	if err := os.MkdirAll(walDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(walDir(dir), fmt.Sprintf("%020d.log", 1)), buf, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hash(t, s), hash(t, want); got != want {
		t.Fatalf("state after folding the log %s, want %s", got, want)
	}
	if n, _ := s.Unreplicated(""); n != wantPending {
		t.Fatalf("unreplicated %d after folding the log, want %d", n, wantPending)
	}
	if s.lsn != uint64(len(cs)) {
		t.Fatalf("log position %d after open, want %d", s.lsn, len(cs))
	}
	if err := s.Append(context.Background(), cs[0]); err != nil { // a retry: changes nothing
		t.Fatal(err)
	}
	before := hash(t, s)
	s.Close()
	if ents, _ := os.ReadDir(walDir(dir)); len(ents) != 1 || ents[0].Name() != "reserve" {
		t.Fatalf("log files left after a clean close: %v", ents)
	}
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if hash(t, s) != before {
		t.Fatal("state changed across a clean restart")
	}
}

// TestLogDamagedInTheMiddle: a bad record in a log file that is not the
// newest is damage, not a torn write: Open fails loudly.
func TestLogDamagedInTheMiddle(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	st, err := packCommand(scenario(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	rec := appendRecord(nil, 1, true, [][]byte{st})
	rec[len(rec)-1] ^= 0xff
	os.WriteFile(filepath.Join(walDir(dir), fmt.Sprintf("%020d.log", 1)), rec, 0o600)
	os.WriteFile(filepath.Join(walDir(dir), fmt.Sprintf("%020d.log", 2)), appendRecord(nil, 2, true, [][]byte{st}), 0o600)
	if s, err := Open(Config{Dir: dir}); err == nil {
		s.Close()
		t.Fatal("a log damaged in the middle opened")
	}
}

// TestLogTornTailCutForGood: reading the log cuts a torn tail off the newest
// file on disk, so that once a newer file is started, a second power cut that
// brings back a removal not yet synced cannot leave a torn record in a file
// that is no longer the newest (which Open would refuse as damage).
func TestLogTornTailCutForGood(t *testing.T) {
	dir := t.TempDir()
	g := &gen{at: t0}
	c := g.cmd(t, app.KindUserCreate, "admin", "na", time.Minute, &app.UserBody{Username: "lan"})
	st, err := packCommand(c)
	if err != nil {
		t.Fatal(err)
	}
	good := appendRecord(nil, 1, true, [][]byte{st})
	torn := append(append([]byte{}, good...), good[:20]...)
	if err := os.MkdirAll(walDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(walDir(dir), fmt.Sprintf("%020d.log", 1))
	if err := os.WriteFile(first, torn, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, recs, err := readWAL(dir); err != nil || len(recs) != 1 {
		t.Fatalf("read: %d records, %v", len(recs), err)
	}
	if fi, err := os.Stat(first); err != nil || fi.Size() != int64(len(good)) {
		t.Fatalf("newest file after reading: %v %v, want its %d good bytes", fi.Size(), err, len(good))
	}
	// A newer file started, the old one still there (its removal lost).
	if err := os.WriteFile(filepath.Join(walDir(dir), fmt.Sprintf("%020d.log", 2)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, recs, err := readWAL(dir); err != nil || len(recs) != 1 {
		t.Fatalf("read after a second cut: %d records, %v", len(recs), err)
	}
}
