package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
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
