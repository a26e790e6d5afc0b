package cluster_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A PC switched off while the others took thousands of commands catches up
// from the leader's state snapshot (the store's buckets), not entry by entry:
// the gap is past the log Raft keeps (--raft-fast keeps 256 entries and
// snapshots every 256). Afterwards it holds exactly the others' state.
func TestLANCatchUpBySnapshot(t *testing.T) {
	t.Parallel()
	_, nodes := startLAN(t, "catchup", 3)
	_, leaderID := formed(t, 30*time.Second, nodes...)
	leader := byID(t, leaderID, nodes...)
	away := except(nodes, leader)[0]
	for k, n := range nodes {
		n.mustReceive(k)
	}
	converged(t, 30*time.Second, 3, nodes...)

	away.stop()
	up := except(nodes, away)
	const miss = 5000
	wrote := 0
	for k := 0; wrote < miss; k++ {
		_, n := burst(t, up, 4, 5*time.Second, 3000000+k*100000)
		wrote += n
	}
	converged(t, 120*time.Second, -1, up...)
	total, err := up[0].dossiers()
	if err != nil {
		t.Fatal(err)
	}
	// The leader has cut its log past the commands the PC missed.
	eventually(t, 30*time.Second, "a snapshot on the leader", func() error {
		ents, err := os.ReadDir(filepath.Join(leader.dir, "raft", "snapshots"))
		if err != nil {
			return err
		}
		for _, e := range ents {
			if e.IsDir() && !strings.HasSuffix(e.Name(), ".tmp") {
				return nil
			}
		}
		return fmt.Errorf("none in %d entries", len(ents))
	})

	away.start()
	// The same state hash on the three (the PC's return adds commands of
	// its own: a sign-in, its slot, so not the hash of before).
	converged(t, 120*time.Second, total, nodes...)
	if !strings.Contains(string(away.proc.Stderr()), "state snapshot installed") {
		t.Errorf("the PC that missed %d receipts caught up without installing a state snapshot; its log:\n%s", wrote, away.proc.Stderr())
	}
}
