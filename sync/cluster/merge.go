package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"xaso/app"
)

// mergeMargin is how many commands two clusters of equal membership may
// differ by and still be ordered by cluster ID (so both sides agree).
const mergeMargin = 64

// mergeCheck looks for another cluster of the commune and, when ours is the
// smaller one, hands our commands over and joins it.
func (c *Cluster) mergeCheck(ctx context.Context) {
	mine := c.ClusterID()
	if mine == "" {
		return
	}
	for _, p := range c.peers() {
		if p.ClusterID == "" || p.ClusterID == mine {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		theirs, err := c.infoOfNode(cctx, p.NodeID)
		cancel()
		if err != nil || theirs.ClusterID == "" || theirs.ClusterID == mine || theirs.Leader == "" {
			continue
		}
		if !c.smallerThan(theirs) {
			continue
		}
		if err := c.mergeInto(ctx, theirs); err != nil {
			c.noMerge.Failed(theirs.Leader, fmt.Errorf("into %s: %w", theirs.ClusterID, err))
		}
		return
	}
}

// smallerThan decides which of two clusters hands over: one without a
// leader always; else fewer members; else clearly fewer commands; else the
// larger cluster ID. Both sides compute the same answer.
func (c *Cluster) smallerThan(theirs Info) bool {
	if c.leaderID() == "" {
		return true
	}
	mine := c.Members()
	if mine != len(theirs.Members) {
		return mine < len(theirs.Members)
	}
	n, err := c.cfg.Store.CommandCount()
	if err != nil {
		return false
	}
	if d := n - theirs.Commands; d > mergeMargin || d < -mergeMargin {
		return n < theirs.Commands
	}
	return c.ClusterID() > theirs.ClusterID
}

// mergeInto hands every command of this node to the other cluster's
// leader, then resets this node's Raft state and joins that cluster.
func (c *Cluster) mergeInto(ctx context.Context, theirs Info) error {
	c.log.Info("merging into a larger cluster of the commune", "from", c.ClusterID(), "into", theirs.ClusterID,
		"their_members", len(theirs.Members))
	// A cluster bootstrapped apart has its own CA: prove the join code to
	// its leader and take its CA before handing anything over.
	if err := c.enrollAt(ctx, theirs.Leader); err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	if err := c.handOver(ctx, theirs.Leader); err != nil {
		return fmt.Errorf("hand over: %w", err)
	}
	if err := c.reset(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.join(ctx, theirs.Leader)
		if err == nil {
			return nil
		}
		for _, m := range theirs.Members {
			if m.NodeID == theirs.Leader {
				continue // just asked
			}
			if err = c.join(ctx, m.NodeID); err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("join %s after reset: %w", theirs.ClusterID, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// handOver proposes every command of the store to leader, in batches.
func (c *Cluster) handOver(ctx context.Context, leader string) error {
	batch := make([]app.Command, 0, queueBatch)
	total := 0
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		payload, err := encodeEntry(batch)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := c.callNode(cctx, leader, opPropose, payload); err != nil {
			return err
		}
		total += len(batch)
		batch = batch[:0]
		return nil
	}
	err := c.cfg.Store.EachCommand(func(cmd app.Command) error {
		batch = append(batch, cmd)
		if len(batch) == cap(batch) {
			return send()
		}
		return nil
	})
	if err == nil {
		err = send()
	}
	if err != nil {
		return errors.Join(fmt.Errorf("after %d commands", total), err)
	}
	c.log.Info("commands handed over", "count", total, "leader", leader)
	return nil
}
