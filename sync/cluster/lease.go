package cluster

import (
	"context"
	"errors"
	"hash/fnv"
	"time"

	"xaso/app"
)

// LeaseTimeout is how long Lease waits for a leader before giving up.
const LeaseTimeout = 3 * time.Second

// ErrNoQuorum is wrapped by Lease when no leader can be reached.
var ErrNoQuorum = errors.New("no quorum")

// Lease implements app.Leaser: it proposes a slot.lease command through
// Raft and returns the slot once the committed lease names this node. Two
// nodes racing for one slot are ordered by the log: the fold keeps the first
// lease, the loser sees someone else holding it and tries the next slot.
// The first slot tried depends on the node ID, so two PCs set up apart
// (which lease in separate clusters) rarely pick the same one.
func (c *Cluster) Lease(ctx context.Context) (int, error) {
	if c.cfg.NewLease == nil {
		return 0, errors.New("cluster: no lease builder")
	}
	ctx, cancel := context.WithTimeout(ctx, LeaseTimeout)
	defer cancel()
	start := c.slotStart()
	for range app.SlotCount {
		slots, err := c.cfg.Store.Slots()
		if err != nil {
			return 0, app.Internal(err)
		}
		slot := -1
		for i := range app.SlotCount {
			s := (start + i) % app.SlotCount
			if app.SlotHolder(slots, s) == "" {
				slot = s
				break
			}
		}
		if slot < 0 {
			return 0, app.Errorf(app.EUnavailable, "", "Đã hết dải số hồ sơ để cấp cho máy này.", "no free number slot for this PC")
		}
		cmd, err := c.cfg.NewLease(slot)
		if err != nil {
			return 0, err
		}
		idx, err := c.proposeWait(ctx, cmd)
		if err != nil {
			return 0, app.Errorf(app.EUnavailable, "",
				"Máy chưa kết nối được với đa số máy trong xã nên chưa nhận được dải số hồ sơ mới.",
				"no quorum to lease a number slot: %v", errors.Join(ErrNoQuorum, err))
		}
		if err := c.fsm.waitApplied(ctx, idx); err != nil {
			return 0, app.Errorf(app.EUnavailable, "", "Chưa nhận được dải số hồ sơ mới.", "lease not applied: %v", err)
		}
		slots, err = c.cfg.Store.Slots()
		if err != nil {
			return 0, app.Internal(err)
		}
		if app.SlotHolder(slots, slot) == c.cfg.NodeID {
			c.log.Info("number slot leased", "slot", slot)
			return slot, nil
		}
	}
	return 0, app.Errorf(app.EUnavailable, "", "Đã hết dải số hồ sơ để cấp cho máy này.", "no free number slot for this PC")
}

func (c *Cluster) slotStart() int {
	h := fnv.New32a()
	h.Write([]byte(c.cfg.NodeID))
	return int(h.Sum32() % app.SlotCount)
}

// proposeWait proposes cmd, waiting for a leader to appear until ctx ends.
func (c *Cluster) proposeWait(ctx context.Context, cmd app.Command) (uint64, error) {
	for {
		idx, err := c.propose(ctx, []app.Command{cmd})
		if err == nil {
			return idx, nil
		}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// holdsSlot reports whether this node holds a number slot.
func (c *Cluster) holdsSlot() bool {
	slots, err := c.cfg.Store.Slots()
	if err != nil {
		return true // do not lease on a read error
	}
	for _, l := range slots {
		if l.Holder == c.cfg.NodeID {
			return true
		}
	}
	return false
}
