package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"xaso/sync/peer"
)

// The cluster's peer requests, besides Raft's own traffic, over the peer
// port's framed RPC (sync/peer). Op 5 is peer.OpFetch (files by SHA-256).
const (
	opInfo    byte = 1 // → Info (JSON)
	opJoin    byte = 2 // JoinRequest (JSON) → Info of the leader; forwarded to the leader
	opPropose byte = 3 // entry (encodeEntry, fsm.go) → ProposeResult (JSON); leader only
	opRemove  byte = 4 // node ID → ∅; forwarded to the leader
	opLease   byte = 6 // node ID → LeaseGrant (JSON); leader only
	// 7 is peer.OpEnroll (the join-code proof)
	opRekey byte = 8 // peer.Bundle (JSON) → ∅: the admin rotated the join code
)

// maxFrame bounds one command in a snapshot, as a frame bounds a request.
const maxFrame = peer.MaxFrame

// ErrNotLeader answers a proposal sent to a node that is not the leader.
var ErrNotLeader = errors.New("not the leader")

// JoinRequest asks the leader to add a node as a voter.
type JoinRequest struct {
	NodeID string `json:"node_id"`
	Addr   string `json:"addr"` // HOST:PORT where the joiner listens for peers
}

// ProposeResult is the Raft index a proposal was committed at.
type ProposeResult struct {
	Index uint64 `json:"index"`
}

// rpcServer answers the cluster's ops, peer.OpFetch and peer.OpEnroll.
// Only info (who are you, redacted) and the join-code proof are open to
// PCs that are not members.
func (c *Cluster) rpcServer() *peer.Server {
	s := peer.NewServer(c.auth)
	s.HandleOpen(opInfo, func(_ context.Context, req peer.Request) ([]byte, error) {
		if !req.Member {
			return json.Marshal(c.publicInfo())
		}
		return json.Marshal(c.Info())
	})
	s.HandleOpen(peer.OpEnroll, peer.ServeEnroll(c.auth, func(req peer.Request, err error) {
		c.refused.Failed(req.Remote.String(), err)
	}))
	s.Handle(opRekey, c.handleRekey)
	s.Handle(opJoin, c.handleJoin)
	s.Handle(opPropose, func(ctx context.Context, req peer.Request) ([]byte, error) {
		idx, err := c.proposeLocal(ctx, req.Payload)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ProposeResult{Index: idx})
	})
	s.Handle(opLease, func(ctx context.Context, req peer.Request) ([]byte, error) {
		slot, idx, err := c.grantLease(ctx, string(req.Payload))
		if err != nil {
			return nil, err
		}
		return json.Marshal(LeaseGrant{Slot: slot, Index: idx})
	})
	s.Handle(opRemove, func(ctx context.Context, req peer.Request) ([]byte, error) {
		id := string(req.Payload)
		return nil, c.onLeader(ctx, opRemove, req.Payload, func() error { return c.removeLocal(id) })
	})
	s.Handle(peer.OpFetch, peer.ServeFetch(c.cfg.Blobs))
	return s
}

func (c *Cluster) handleJoin(ctx context.Context, r peer.Request) ([]byte, error) {
	payload, remote := r.Payload, r.Remote
	var req JoinRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, err
	}
	if host, port, err := net.SplitHostPort(req.Addr); err == nil && host == "" {
		if rh, _, err := net.SplitHostPort(remote.String()); err == nil {
			req.Addr = net.JoinHostPort(rh, port)
			payload, _ = json.Marshal(req)
		}
	}
	c.book.learn(req.NodeID, req.Addr)
	if err := c.onLeader(ctx, opJoin, payload, func() error { return c.addVoter(req) }); err != nil {
		return nil, err
	}
	return json.Marshal(c.Info())
}

// callNode sends a request to node id at any of its known addresses.
func (c *Cluster) callNode(ctx context.Context, id string, op byte, payload []byte) ([]byte, error) {
	return c.pool.CallNode(ctx, id, op, payload)
}

// onLeader runs local on this node when it leads, else sends the request
// to the leader.
func (c *Cluster) onLeader(ctx context.Context, op byte, payload []byte, local func() error) error {
	r := c.raftNode()
	if r == nil {
		return errors.New("cluster is restarting")
	}
	if r.r.State() == raftLeader {
		return local()
	}
	_, id := r.r.LeaderWithID()
	if id == "" {
		return errors.New("no leader")
	}
	if _, err := c.callNode(ctx, string(id), op, payload); err != nil {
		return fmt.Errorf("leader %s: %w", id, err)
	}
	return nil
}
