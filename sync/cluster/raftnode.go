package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// raftNode is one Raft instance with its stores and transport. A merge or
// a recovery closes it and opens another over the same peer listener.
type raftNode struct {
	r      *raft.Raft
	logs   *raftboltdb.BoltStore
	snaps  raft.SnapshotStore
	trans  *raft.NetworkTransport
	layer  *streamLayer
	notify chan bool
	done   chan struct{}
	wg     sync.WaitGroup
}

func (c *Cluster) raftConfig() *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(c.cfg.NodeID)
	t := c.cfg.Timing
	rc.HeartbeatTimeout = t.Heartbeat
	rc.ElectionTimeout = t.Election
	rc.LeaderLeaseTimeout = t.LeaderLease
	rc.CommitTimeout = t.CommitTimeout
	rc.SnapshotThreshold = 4096 // entries (each a batch of commands)
	rc.TrailingLogs = 4096
	rc.NoSnapshotRestoreOnStart = true // the store is durable and already holds every command
	rc.MaxAppendEntries = 256
	rc.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: os.Stderr})
	return rc
}

func (c *Cluster) raftPath() string  { return filepath.Join(c.cfg.Dir, "raft.db") }
func (c *Cluster) snapsPath() string { return filepath.Join(c.cfg.Dir, "snapshots") }

// openRaft opens the Raft stores in Dir and starts a Raft instance. It
// does not bootstrap: a new node joins or bootstraps later (membership.go).
func (c *Cluster) openRaft() (*raftNode, error) {
	logs, err := raftboltdb.New(raftboltdb.Options{Path: c.raftPath()})
	if err != nil {
		return nil, fmt.Errorf("open raft log %s: %w", c.raftPath(), err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(c.snapsPath(), 1, hclog.NewNullLogger())
	if err != nil {
		logs.Close()
		return nil, fmt.Errorf("open raft snapshots: %w", err)
	}
	rn := &raftNode{logs: logs, snaps: snaps, notify: make(chan bool, 8), done: make(chan struct{})}
	rn.layer = newStreamLayer(c.cfg.NodeID, c.dialer)
	rn.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: rn.layer, MaxPool: 4, Timeout: 5 * time.Second, Logger: hclog.NewNullLogger(),
	})
	rc := c.raftConfig()
	rc.NotifyCh = rn.notify
	// Recent entries stay in memory for followers that keep up; each is a
	// batch of up to queueBatch commands, so 512 of them held 8–12 MB of a
	// node's heap under load for no gain in the bench; 64 is enough.
	cache, err := raft.NewLogCache(64, logs)
	if err != nil {
		logs.Close()
		return nil, err
	}
	r, err := raft.NewRaft(rc, c.fsm, cache, logs, snaps, rn.trans)
	if err != nil {
		rn.trans.Close()
		logs.Close()
		return nil, fmt.Errorf("start raft: %w", err)
	}
	rn.r = r
	rn.wg.Add(1)
	go func() {
		defer rn.wg.Done()
		for {
			select {
			case v := <-rn.notify:
				c.setLeader(v)
			case <-rn.done:
				return
			}
		}
	}()
	return rn, nil
}

// hasState reports whether this node has ever been part of a cluster.
func (rn *raftNode) hasState() bool {
	ok, err := raft.HasExistingState(rn.logs, rn.logs, rn.snaps)
	return err == nil && ok
}

// servers is the latest configuration (raft keeps it in an atomic value:
// asking is cheap, so Health may ask as often as it likes).
func (rn *raftNode) servers() []raft.Server {
	return rn.r.GetConfiguration().Configuration().Servers
}

func (rn *raftNode) close() {
	_ = rn.r.Shutdown().Error() // fails only when the transport is already closed
	close(rn.done)
	rn.wg.Wait()
	rn.layer.Close()
	rn.logs.Close()
}

// wipeRaft deletes the Raft log, stable store and snapshots (the commands
// themselves stay in the node's store).
func (c *Cluster) wipeRaft() error {
	if err := os.Remove(c.raftPath()); err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.RemoveAll(c.snapsPath())
}
