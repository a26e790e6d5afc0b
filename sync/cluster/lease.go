package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"xaso/app"
)

// LeaseTimeout is how long Lease waits for a leader before giving up.
const LeaseTimeout = 3 * time.Second

// ErrNoQuorum is wrapped by Lease when no leader can be reached.
var ErrNoQuorum = errors.New("no quorum")

// LeaseGrant is the leader's answer to a lease request: the slot and the
// Raft index of the command that grants it.
type LeaseGrant struct {
	Slot  int    `json:"slot"`
	Index uint64 `json:"index"`
}

// Lease implements app.Leaser. The leader grants every lease, one at a
// time, after a barrier (it has applied everything committed) and stamped
// after the slot's last command (whatever the clocks of the PCs that
// stamped it): so leases are folded in the order they were granted, and a
// lease confirmed to one PC can never be overtaken by a concurrent one with
// an earlier time. (When each PC stamped its own, two PCs once both held
// slot 4.) The slot is the one app.FreeSlot picks, as for a PC alone.
func (c *Cluster) Lease(ctx context.Context) (int, error) {
	if c.cfg.NewLease == nil {
		return 0, errors.New("cluster: no lease builder")
	}
	if c.cfg.MayLease != nil {
		if err := c.cfg.MayLease(); err != nil {
			return 0, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, LeaseTimeout)
	defer cancel()
	var g LeaseGrant
	for {
		var err error
		switch leader := c.leaderID(); leader {
		case "":
			err = errors.New("no leader")
		case c.cfg.NodeID:
			g.Slot, g.Index, err = c.grantLease(ctx, c.cfg.NodeID)
		default:
			var out []byte
			if out, err = c.callNode(ctx, leader, opLease, []byte(c.cfg.NodeID)); err == nil {
				err = json.Unmarshal(out, &g)
			}
		}
		var full *app.Error
		if errors.As(err, &full) {
			return 0, full
		}
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return 0, app.Errorf(app.EUnavailable, "",
				"Máy chưa kết nối được với đa số máy trong xã nên chưa nhận được dải số hồ sơ mới.",
				"no quorum to lease a number slot").WithCause(errors.Join(ErrNoQuorum, err))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := c.fsm.waitApplied(ctx, g.Index); err != nil {
		return 0, app.Errorf(app.EUnavailable, "", "Chưa nhận được dải số hồ sơ mới.", "the new number slot is not applied here yet").WithCause(err)
	}
	slots, err := c.cfg.Store.Slots()
	if err != nil {
		return 0, app.Internal(err)
	}
	if app.SlotHolder(slots, g.Slot) != c.cfg.NodeID {
		return 0, app.Errorf(app.EUnavailable, "", "Chưa nhận được dải số hồ sơ mới.", "the number slot granted is held by another PC").
			WithCause(fmt.Errorf("slot %d granted but held by another PC", g.Slot))
	}
	c.log.Info("number slot leased", "slot", g.Slot)
	return g.Slot, nil
}

// grantLease runs on the leader: it leases a free slot to node and returns
// it with the index of the granting command once applied here.
func (c *Cluster) grantLease(ctx context.Context, node string) (int, uint64, error) {
	c.leaseMu.Lock()
	defer c.leaseMu.Unlock()
	rn := c.raftNode()
	if rn == nil || rn.r.State() != raftLeader {
		return 0, 0, ErrNotLeader
	}
	if err := rn.r.Barrier(LeaseTimeout).Error(); err != nil {
		return 0, 0, err
	}
	slots, err := c.cfg.Store.Slots()
	if err != nil {
		return 0, 0, err
	}
	slot, after, err := app.FreeSlot(slots, node)
	if err != nil {
		return 0, 0, err
	}
	cmd, err := c.cfg.NewLease(slot, node, after)
	if err != nil {
		return 0, 0, err
	}
	payload, err := encodeEntry([]app.Command{cmd})
	if err != nil {
		return 0, 0, err
	}
	idx, err := c.proposeLocal(ctx, payload)
	if err != nil {
		return 0, 0, err
	}
	return slot, idx, c.fsm.waitApplied(ctx, idx)
}

// holdsSlot reports whether this node holds a number slot, or may not
// lease one (MayLease): either way it has no slot to lease ahead of need.
func (c *Cluster) holdsSlot() bool {
	if c.cfg.MayLease != nil && c.cfg.MayLease() != nil {
		return true
	}
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
