package store

import (
	"context"
	"testing"
	"time"

	"xaso/app"
)

// openFrozen opens a store whose write-path clock never moves: a lone
// Append waits for company forever, so it stays in the folder's queue until
// a read needs it folded or the test folds it.
func openFrozen(t *testing.T) *Store {
	t.Helper()
	frozen := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	s, err := Open(Config{Dir: t.TempDir(), Now: func() time.Time { return frozen }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (s *Store) foldedUpTo() (folded, written uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fs.folded, s.fs.written
}

// TestReadsCountAFoldRacingThemOnce: a desk's read adds the folder's queue
// to bbolt; a receipt folded between the two reads is in both and must count
// once (the dossier's unreplicated commands, its code's claims).
func TestReadsCountAFoldRacingThemOnce(t *testing.T) {
	s := openFrozen(t)
	g := &gen{at: t0}
	code := app.FormatCode("000.00.31.H42", t0, 1)
	c := g.cmd(t, app.KindDossierReceive, "desk", s.NodeID(), time.Minute, receiveBody("dossier-0001", code, "Nguyễn Văn An", t0, 1))
	if err := s.Append(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the folder would have had its chance
	if folded, written := s.foldedUpTo(); folded == written {
		t.Fatalf("the receipt was folded (%d of %d) with the write path's clock frozen", folded, written)
	}
	check := func(when string) {
		t.Helper()
		if n, err := s.Unreplicated("dossier/dossier-0001"); err != nil || n != 1 {
			t.Errorf("%s: unreplicated commands of the dossier %d (%v), want 1", when, n, err)
		}
		if ids, err := s.CodeClaims(code); err != nil || len(ids) != 1 {
			t.Errorf("%s: claims of the code %v (%v), want one", when, ids, err)
		}
	}
	check("queued")
	// The fold commits while the receipt is still queued: the moment
	// between a read of the queue and its read of bbolt.
	s.mu.Lock()
	r := s.fs.queue[0]
	s.mu.Unlock()
	if err := s.foldTx([]*request{r}); err != nil {
		t.Fatal(err)
	}
	check("folded and still queued")
	if _, err := s.Counts(t0); err != nil { // a read that waits for the fold
		t.Fatal(err)
	}
	if folded, written := s.foldedUpTo(); folded != written {
		t.Fatalf("folded %d of %d after a read that waits", folded, written)
	}
	check("folded")
}
