package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"xaso/app"
)

// Replication queue: local commands are durable in the store (pending)
// before anyone is asked; the queue proposes them whenever a leader exists
// and they leave pending when the local FSM applies them. A proposal lost
// in a failover is proposed again; applying a command twice changes nothing.
const (
	queueBatch    = 512              // commands per Raft entry
	queueScan     = 8192             // pending commands read per round
	queueParallel = 4                // entries in flight
	inflightTTL   = 10 * time.Second // re-propose a command not applied by then
	queueTick     = 500 * time.Millisecond
)

// Notify tells the queue that the store holds new pending commands (the
// node's Log calls it after every Append).
func (c *Cluster) Notify() { c.kickQueue() }

func (c *Cluster) kickQueue() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *Cluster) runQueue(ctx context.Context) {
	var mu sync.Mutex
	inflight := map[string]time.Time{}
	sem := make(chan struct{}, queueParallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(queueTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-tick.C:
		}
		if c.leaderID() == "" || c.fsm.stopErr() != nil {
			continue // stopped: pending commands wait until applying resumes
		}
		now := time.Now()
		// Commands in flight are skipped by ID, before they are decoded: with
		// many desks, most of what is pending is already proposed.
		cmds, err := c.cfg.Store.Pending(queueScan, func(id string) bool {
			mu.Lock()
			defer mu.Unlock()
			t, ok := inflight[id]
			return ok && now.Before(t)
		})
		if err != nil {
			c.log.Error("read pending commands", "err", err)
			continue
		}
		todo := cmds
		mu.Lock()
		for _, cmd := range todo {
			inflight[cmd.ID] = now.Add(inflightTTL)
		}
		mu.Unlock()
		for len(todo) > 0 {
			n := min(len(todo), queueBatch)
			batch := todo[:n:n]
			todo = todo[n:]
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				idx, err := c.propose(pctx, batch)
				if err == nil {
					err = c.fsm.waitApplied(pctx, idx)
				}
				mu.Lock()
				for _, cmd := range batch {
					delete(inflight, cmd.ID)
				}
				mu.Unlock()
				if err != nil && ctx.Err() == nil {
					c.log.Debug("proposal not applied yet, will retry", "count", len(batch), "err", err)
					select {
					case <-time.After(100 * time.Millisecond):
						c.kickQueue()
					case <-ctx.Done():
					}
				}
			}()
		}
	}
}

// leaderID is the current leader's node ID, "" when none is known.
func (c *Cluster) leaderID() string {
	rn := c.raftNode()
	if rn == nil {
		return ""
	}
	_, id := rn.r.LeaderWithID()
	return string(id)
}

// propose commits cmds through the leader and returns the entry's index.
func (c *Cluster) propose(ctx context.Context, cmds []app.Command) (uint64, error) {
	payload, err := encodeEntry(cmds)
	if err != nil {
		return 0, err
	}
	return c.proposeRaw(ctx, payload)
}

func (c *Cluster) proposeRaw(ctx context.Context, payload []byte) (uint64, error) {
	leader := c.leaderID()
	switch leader {
	case "":
		return 0, errors.New("no leader")
	case c.cfg.NodeID:
		return c.proposeLocal(ctx, payload)
	}
	out, err := c.callNode(ctx, leader, opPropose, payload)
	if err != nil {
		return 0, fmt.Errorf("propose to leader %s: %w", leader, err)
	}
	var res ProposeResult
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, err
	}
	return res.Index, nil
}

// proposeLocal appends an entry on this node, which must lead, and waits
// until it is committed and applied here.
func (c *Cluster) proposeLocal(ctx context.Context, payload []byte) (uint64, error) {
	rn := c.raftNode()
	if rn == nil || rn.r.State() != raftLeader {
		return 0, ErrNotLeader
	}
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	f := rn.r.Apply(payload, timeout)
	if err := f.Error(); err != nil {
		return 0, err
	}
	if err, ok := f.Response().(error); ok && err != nil {
		return 0, err
	}
	return f.Index(), nil
}
