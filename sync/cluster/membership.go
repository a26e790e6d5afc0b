package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"xaso/app"
	"xaso/sync/discover"
	"xaso/sync/peer"
)

// Info describes this node and its cluster (peer info requests, GET /api/v1/cluster).
type Info struct {
	NodeID    string              `json:"node_id"`
	ClusterID string              `json:"cluster_id"`
	Commune   string              `json:"commune"`
	State     string              `json:"state"`
	Leader    string              `json:"leader"` // node ID, "" when none is known
	Members   []Member            `json:"members"`
	Commands  int                 `json:"commands"`
	Peers     []discover.Peer     `json:"peers"`   // discovery's view
	Book      map[string][]string `json:"book"`    // node ID → HOST:PORT known here
	TimeMS    int64               `json:"time_ms"` // the node's wall clock when it answered (clock.go)
}

// Member is one voter of the cluster.
type Member struct {
	NodeID string   `json:"node_id"`
	Addrs  []string `json:"addrs"`
	Leader bool     `json:"leader"`
	// Off: the PC did not answer when this one last asked it (every 15 s).
	Off bool `json:"off,omitempty"`
	// Name is what officials call the PC (app/pcname.go), filled in by the
	// node from its store; "" when it has none.
	Name string `json:"name,omitempty"`
}

// Info reports this node's view of its cluster.
func (c *Cluster) Info() Info {
	in := Info{NodeID: c.cfg.NodeID, ClusterID: c.ClusterID(), Commune: c.cfg.Commune, State: c.State(),
		Leader: c.leaderID(), Book: c.book.snapshot(), TimeMS: c.cfg.Now().UnixMilli()}
	in.Book[c.cfg.NodeID] = []string{c.advertise()}
	if n, err := c.cfg.Store.CommandCount(); err == nil {
		in.Commands = n
	}
	if rn := c.raftNode(); rn != nil {
		for _, s := range rn.servers() {
			id := string(s.ID)
			m := Member{NodeID: id, Leader: id == in.Leader}
			if id == c.cfg.NodeID {
				m.Addrs = []string{c.advertise()}
			} else {
				m.Addrs = c.book.Lookup(id)
				m.Off = c.clocks.off(id)
			}
			in.Members = append(in.Members, m)
			if _, ok := in.Book[id]; !ok && len(m.Addrs) > 0 {
				in.Book[id] = m.Addrs
			}
		}
	}
	if c.cfg.Discovery != nil {
		in.Peers = c.cfg.Discovery.Peers()
	}
	return in
}

// learnInfo records the addresses an info answer carries; self is the
// address the answer came from (for entries with an empty host).
func (c *Cluster) learnInfo(in Info, via string) {
	viaHost, _, _ := net.SplitHostPort(via)
	for id, addrs := range in.Book {
		if id == c.cfg.NodeID {
			continue
		}
		for _, a := range slices.Backward(addrs) {
			host, port, err := net.SplitHostPort(a)
			if err != nil {
				continue
			}
			if host == "" {
				if id != in.NodeID || viaHost == "" {
					continue
				}
				a = net.JoinHostPort(viaHost, port)
			}
			c.book.learn(id, a)
		}
	}
	if via != "" {
		c.book.learn(in.NodeID, via)
	}
}

func (c *Cluster) infoOf(ctx context.Context, addr string) (Info, error) {
	sent := c.cfg.Now()
	var out []byte
	err := errNoCode
	if c.auth.Enrolled() {
		out, err = c.pool.Call(ctx, addr, opInfo, nil)
	}
	var re *peer.RemoteError
	if err != nil && !errors.As(err, &re) {
		// Not (or not yet) a member of that PC's office: ask who it is.
		sent = c.cfg.Now()
		out, err = c.open.Call(ctx, addr, opInfo, nil)
	}
	if err != nil {
		return Info{}, err
	}
	got := c.cfg.Now()
	var in Info
	if err := json.Unmarshal(out, &in); err != nil {
		return Info{}, err
	}
	c.learnInfo(in, addr)
	if in.NodeID != "" {
		c.clocks.reached(in.NodeID, true)
	}
	if in.NodeID != "" && in.TimeMS != 0 {
		c.clocks.observe(in.NodeID, sent, got, time.UnixMilli(in.TimeMS))
	}
	return in, nil
}

// infoOfNode asks node id at any of its addresses.
func (c *Cluster) infoOfNode(ctx context.Context, id string) (Info, error) {
	var errs []error
	for _, a := range c.book.Lookup(id) {
		in, err := c.infoOf(ctx, a)
		if err == nil {
			return in, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return Info{}, fmt.Errorf("peer %s: no known address", id)
	}
	return Info{}, errors.Join(errs...)
}

// maintain keeps the node in a cluster: join or bootstrap when new, then
// identify static peers, exchange addresses, merge with a larger cluster of
// the commune, and hold a number slot.
func (c *Cluster) maintain(ctx context.Context) {
	if rn := c.raftNode(); rn != nil && !rn.hasState() {
		c.joinOrBootstrap(ctx)
	} else if !c.auth.Enrolled() {
		c.ensureEnrolled(ctx)
	}
	var retry applyRetry
	every(ctx, time.Second, func() {
		retry.check(c)
		c.identifyStatic(ctx, staticRefresh)
		c.catchUp(ctx)
		c.gossip(ctx)
		c.mergeCheck(ctx)
		if c.cfg.NewLease != nil && c.leaderID() != "" && !c.holdsSlot() {
			if _, err := c.Lease(ctx); err != nil {
				c.log.Info("number slot not leased yet", "err", err)
			}
		}
	})
}

// applyRetry reopens Raft while the FSM is stopped (fsm.go), first after
// ApplyRetry, then twice as long each time up to an hour: Raft replays its
// log from the last snapshot, and the refused command with it.
type applyRetry struct {
	at   time.Time // the next try; zero: not stopped yet
	wait time.Duration
}

func (r *applyRetry) check(c *Cluster) {
	stopped := c.fsm.stopErr()
	now := c.cfg.Now()
	switch {
	case stopped == nil:
		*r = applyRetry{}
		return
	case r.at.IsZero():
		r.wait = c.cfg.ApplyRetry
		r.at = now.Add(r.wait)
		return
	case now.Before(r.at):
		return
	}
	r.wait = min(2*r.wait, time.Hour)
	r.at = now.Add(r.wait)
	c.log.Warn("reopening Raft to apply the refused entries again", "err", stopped, "next", r.wait)
	c.stopRaft(false)
	c.fsm.resume()
	rn, err := c.openRaft()
	if err != nil {
		c.log.Error("reopen raft", "err", err)
		return
	}
	c.setRaft(rn)
}

// Static peers (--peer) announce nothing: what they are, including the
// cluster they belong to, is known only from asking them, so they are asked
// again once what we know is older than this (every round while joining).
const (
	staticRefresh        = 5 * time.Second
	staticRefreshJoining = time.Second
)

// identifyStatic asks the --peer addresses who they are, when not known or
// known for longer than maxAge.
func (c *Cluster) identifyStatic(ctx context.Context, maxAge time.Duration) {
	if c.cfg.Discovery == nil {
		return
	}
	for _, p := range c.cfg.Discovery.Peers() {
		if p.Static == "" || (p.NodeID != "" && p.Seen.After(c.cfg.Now().Add(-maxAge))) {
			continue
		}
		for _, a := range p.Addrs {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			in, err := c.infoOf(cctx, a.String())
			cancel()
			if err != nil || in.Commune != c.cfg.Commune || in.NodeID == c.cfg.NodeID {
				continue
			}
			c.cfg.Discovery.Identify(p.Static, discover.Peer{NodeID: in.NodeID, ClusterID: in.ClusterID,
				Commune: in.Commune, Addrs: p.Addrs})
			break
		}
	}
}

// gossip asks the leader (or, without one, any member) for its address book.
func (c *Cluster) gossip(ctx context.Context) {
	id := c.leaderID()
	if id == "" || id == c.cfg.NodeID {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, _ = c.infoOfNode(cctx, id)
}

// joinOrBootstrap makes a new node a member: it joins a cluster of its
// commune that answers; it bootstraps a cluster of its own only when none
// does within JoinWait. Several new nodes meeting at once let the one with
// the lowest node ID bootstrap and the others join it.
func (c *Cluster) joinOrBootstrap(ctx context.Context) {
	start := time.Now()
	for ctx.Err() == nil {
		c.identifyStatic(ctx, staticRefreshJoining)
		lower := false
		for _, p := range c.peers() {
			if p.ClusterID != "" {
				if err := c.join(ctx, p.NodeID); err == nil {
					return
				} else {
					c.log.Info("join failed", "peer", p.NodeID, "err", err)
				}
			} else if p.NodeID < c.cfg.NodeID {
				lower = true
			}
		}
		waited := time.Since(start)
		if waited >= c.cfg.JoinWait && (!lower || waited >= 3*c.cfg.JoinWait) {
			if err := c.bootstrap(); err != nil {
				c.log.Error("bootstrap", "err", err)
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// peers are the identified peers of the commune.
func (c *Cluster) peers() []discover.Peer {
	if c.cfg.Discovery == nil {
		return nil
	}
	return slices.DeleteFunc(c.cfg.Discovery.Peers(), func(p discover.Peer) bool {
		return p.NodeID == "" || p.NodeID == c.cfg.NodeID || p.Commune != c.cfg.Commune
	})
}

// bootstrap makes this node a one-node cluster with a new cluster ID.
func (c *Cluster) bootstrap() error {
	rn := c.raftNode()
	if rn == nil {
		return errors.New("raft is not running")
	}
	me := raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(c.cfg.NodeID), Address: raft.ServerAddress(c.cfg.NodeID)}
	if !c.auth.Enrolled() {
		if err := c.auth.Create(c.cfg.JoinCode); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		c.log.Info("created the office's CA and join code (shown to admins on the Peers screen)")
	}
	if err := rn.r.BootstrapCluster(raft.Configuration{Servers: []raft.Server{me}}).Error(); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	id := newClusterID()
	c.log.Info("bootstrapped a new cluster", "cluster", id)
	return c.setClusterID(id)
}

func newClusterID() string {
	var b [8]byte
	rand.Read(b[:])
	return "c" + hex.EncodeToString(b[:])
}

// join asks node id (any member; it forwards to the leader) to add us,
// after proving the join code to it when this PC holds no certificate.
func (c *Cluster) join(ctx context.Context, id string) error {
	if !c.auth.Enrolled() {
		if err := c.enrollAt(ctx, id); err != nil {
			return err
		}
	}
	req, _ := json.Marshal(JoinRequest{NodeID: c.cfg.NodeID, Addr: c.advertise()})
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := c.callNode(cctx, id, opJoin, req)
	if err != nil {
		return err
	}
	var in Info
	if err := json.Unmarshal(out, &in); err != nil {
		return err
	}
	c.learnInfo(in, "")
	c.log.Info("joined cluster", "cluster", in.ClusterID, "via", id)
	return c.setClusterID(in.ClusterID)
}

// addVoter adds a node to the configuration; joining twice is harmless.
func (c *Cluster) addVoter(req JoinRequest) error {
	rn := c.raftNode()
	if rn == nil {
		return errors.New("raft is not running")
	}
	if req.NodeID == "" {
		return errors.New("join: empty node ID")
	}
	for _, s := range rn.servers() {
		if string(s.ID) == req.NodeID {
			return nil
		}
	}
	err := rn.r.AddVoter(raft.ServerID(req.NodeID), raft.ServerAddress(req.NodeID), 0, 10*time.Second).Error()
	if err != nil {
		return fmt.Errorf("add voter %s: %w", req.NodeID, err)
	}
	c.log.Info("node joined", "node", req.NodeID, "addr", req.Addr)
	return nil
}

// Remove takes a dead PC out of the cluster (admin action), so that the
// others' quorum no longer counts it.
func (c *Cluster) Remove(ctx context.Context, id string) error {
	if id == "" {
		return app.Errorf(app.EInvalid, "node_id", "Cần chọn máy cần gỡ khỏi cụm.", "node_id is required")
	}
	rn := c.raftNode()
	if rn == nil {
		return app.Errorf(app.EUnavailable, "", "Cụm máy đang khởi động lại.", "the cluster is restarting")
	}
	found := false
	for _, s := range rn.servers() {
		found = found || string(s.ID) == id
	}
	if !found {
		return app.Errorf(app.ENotFound, "node_id", "Máy này không thuộc cụm.", "this PC is not a member of the cluster")
	}
	// The dead PC may have been the leader: give the others time to elect
	// a new one (and the old leader's address time to stop answering).
	ctx, cancel := context.WithTimeout(ctx, removeWait)
	defer cancel()
	for {
		err := c.onLeader(ctx, opRemove, []byte(id), func() error { return c.removeLocal(id) })
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return app.Errorf(app.EUnavailable, "", "Không gỡ được máy khỏi cụm: cụm chưa có máy chủ trì (cần đa số máy còn lại đang bật).",
				"cannot remove the PC: the cluster has no leader (most of the other PCs must be on)").WithCause(err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// removeWait bounds how long Remove waits for a leader.
const removeWait = 15 * time.Second

func (c *Cluster) removeLocal(id string) error {
	rn := c.raftNode()
	if rn == nil {
		return errors.New("raft is not running")
	}
	err := rn.r.RemoveServer(raft.ServerID(id), 0, 10*time.Second).Error()
	if err == nil {
		c.log.Info("node removed", "node", id)
	}
	return err
}

// Recover restarts a cluster that lost its quorum for good (admin action):
// this node drops its Raft state and bootstraps a new one-node cluster,
// keeping every command in its store. The surviving PCs, left without a
// leader, see the new cluster and merge into it.
func (c *Cluster) Recover(ctx context.Context) error {
	if rn := c.raftNode(); rn != nil && c.leaderID() != "" {
		return app.Errorf(app.EConflict, "", "Cụm máy vẫn đang hoạt động; chỉ khôi phục khi cụm mất đa số vĩnh viễn.",
			"the cluster has a leader; recover only a cluster that lost its quorum for good")
	}
	if err := c.reset(); err != nil {
		return app.Internal(err)
	}
	if err := c.bootstrap(); err != nil {
		return app.Internal(err)
	}
	c.log.Warn("cluster recovered as a new one-node cluster", "cluster", c.ClusterID())
	return nil
}

// reset drops this node's Raft state and starts an empty Raft instance.
func (c *Cluster) reset() error {
	c.stopRaft(false)
	if err := c.wipeRaft(); err != nil {
		return fmt.Errorf("wipe raft state: %w", err)
	}
	c.fsm.reset()
	rn, err := c.openRaft()
	if err != nil {
		return err
	}
	c.setRaft(rn)
	c.storeClusterID("")
	return nil
}
