package store

import (
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"xaso/app"
)

// TestFoldRefusedAfterAck: an acknowledged command the fold refuses (here
// because the dossier it acts on has a state the fold cannot read: a bug
// of the same effect) stops the folder, loudly: /health's store problem is
// fold_stopped, new writes are refused with a coded error, reads serve what
// is folded. The PC still starts with it, the log keeps the command, and a
// start that can fold it (here: the state repaired) folds it: nothing
// acknowledged is lost.
func TestFoldRefusedAfterAck(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	g := &gen{at: t0}
	node := s.NodeID()
	recv := g.cmd(t, app.KindDossierReceive, "desk", node, time.Minute, receiveBody("dossier-0001", app.FormatCode("000.00.31.H42", t0, 1), "Phạm Thu", t0, 1))
	ctx := context.Background()
	if err := s.Append(ctx, recv); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Counts(t0); err != nil { // folded
		t.Fatal(err)
	}
	var good []byte
	breakState := func(db *bolt.DB) {
		t.Helper()
		if err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bDossiers)
			if good == nil {
				good = append([]byte(nil), b.Get([]byte("dossier-0001"))...)
			}
			return b.Put([]byte("dossier-0001"), []byte(`{"id":`))
		}); err != nil {
			t.Fatal(err)
		}
	}
	breakState(s.DB())
	act := g.cmd(t, app.KindDossierAct, "officer", node, time.Minute, &app.ActBody{DossierID: "dossier-0001", Action: app.ActForward})
	if err := s.Append(ctx, act); err != nil {
		t.Fatalf("the act was not acknowledged: %v", err)
	}
	if _, err := s.Counts(t0); err != nil { // waits for the fold, which stops
		t.Fatal(err)
	}
	if p := s.Problem(); p != "fold_stopped" || s.FoldStopped() == "" {
		t.Fatalf("problem %q (%s), want fold_stopped", p, s.FoldStopped())
	}
	later := g.cmd(t, app.KindDossierAct, "officer", node, time.Minute, &app.ActBody{DossierID: "dossier-0001", Action: app.ActResolve})
	if err := s.Append(ctx, later); app.ErrorCode(err) != app.EUnavailable {
		t.Fatalf("a write while the folder is stopped: %v, want %s", err, app.EUnavailable)
	}
	if n, err := s.Unreplicated("dossier/dossier-0001"); err != nil || n != 2 {
		t.Fatalf("unreplicated commands of the dossier %d (%v), want 2 (the receipt and the acknowledged act)", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The PC starts with the refused command in its log.
	s, err = Open(Config{Dir: dir})
	if err != nil {
		t.Fatalf("a start with a command the fold refuses: %v", err)
	}
	if p := s.Problem(); p != "fold_stopped" {
		t.Fatalf("problem %q after the start, want fold_stopped", p)
	}
	if _, err := s.Pending(10, nil); err != nil {
		t.Fatal(err)
	}
	// "The fixed version": the state it could not read is readable again.
	if err := s.DB().Update(func(tx *bolt.Tx) error { return tx.Bucket(bDossiers).Put([]byte("dossier-0001"), good) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAgain(t, dir)
	if p := s.Problem(); p != "ok" {
		t.Fatalf("problem %q once the command folds, want ok", p)
	}
	got, err := s.Dossier("dossier-0001")
	if err != nil || got.Status != app.StatusProcessing {
		t.Fatalf("the acknowledged act is lost: %+v %v", got.Status, err)
	}
	if err := s.Append(ctx, later); err != nil {
		t.Fatalf("a write once the fold goes on: %v", err)
	}
}
