// Package cluster replicates a commune's commands between the PCs of its
// office with Raft (github.com/hashicorp/raft), over the peer port of
// sync/peer: mutual TLS with certificates of the office's own CA, which a
// PC receives once it proved the join code (joincode.go).
//
// Writes never wait for a quorum: the node's store applies a command at once
// and marks it pending; the replication queue (queue.go) proposes pending
// commands whenever a leader exists, and every node's FSM (fsm.go) applies
// committed entries through Store.Apply, which clears them from pending.
// Because Apply is an idempotent union, the local and the replicated paths
// never disagree, snapshots are simply every command, and two clusters of
// one commune merge by handing commands over (membership.go).
//
// Raft membership is by node ID: a Raft server address is the node ID, and
// the transport (transport.go) looks its HOST:PORT up afresh on every dial,
// in discovery's view (mDNS, --peer) and in what peers told us.
package cluster

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"xaso/app"
	"xaso/sync/discover"
	"xaso/sync/peer"
)

const raftLeader = raft.Leader

// ErrListen is wrapped by Run when the peer port cannot be opened.
var ErrListen = errors.New("peer listen")

// Store is what the cluster needs of the node's store.
type Store interface {
	Apply(ctx context.Context, cmds ...app.Command) error
	Pending(limit int, skip func(id string) bool) ([]app.Command, error)
	EachCommand(fn func(app.Command) error) error
	CommandCount() (int, error)
	Slots() ([]app.SlotLease, error)
}

// Discovery is the node's view of its commune's peers (sync/discover).
type Discovery interface {
	Peers() []discover.Peer
	Identify(static string, who discover.Peer) bool
	SetClusterID(id string) // announce the cluster this node belongs to ("" for none)
}

// Timing holds Raft's timeouts. Tests use short ones (150 ms heartbeat and
// election, 100 ms lease, 5 ms commit timeout).
type Timing struct {
	Heartbeat     time.Duration // default 500 ms
	Election      time.Duration // default 500 ms
	LeaderLease   time.Duration // default 250 ms
	CommitTimeout time.Duration // default 10 ms: how soon followers learn a commit
}

// Config builds a Cluster. NodeID, Commune, Dir, Listen and Store are required.
type Config struct {
	NodeID    string
	Commune   string
	Dir       string // Raft log and stable store (raft.db, bbolt), snapshots, cluster.json
	Listen    string // --peer-listen HOST:PORT
	Advertise string // HOST:PORT peers reach us at; default Listen's when it names a host
	// JoinCode is XASO_JOIN_SECRET, canonical (peer.ParseJoinCode): what
	// a new PC proves to join; "" on a PC that joined already (it keeps
	// the code with its certificate) or on the first PC (it draws one).
	JoinCode  string
	Store     Store
	Discovery Discovery // nil: no peers but those who contact us
	// NewLease builds the slot.lease command granting slot to node, stamped
	// with this node's clock after the slot's last command (the leader grants
	// every lease, in order: lease.go).
	NewLease func(slot int, node string, after app.HLC) (app.Command, error)
	// MayLease, when set, says whether this node may lease number slots
	// (app.ProvisionalReason): an error (the app.ProvisionalError) refuses
	// Lease, and the node then holds no slot ahead of need.
	MayLease func() error
	Timing   Timing
	JoinWait time.Duration // a new node listens this long for a cluster before bootstrapping; default 3 s
	// Blobs and WantBlobs let the PC copy the attachment files it lacks from
	// its peers (peer.Fetcher); nil: no copying.
	Blobs        peer.Blobs
	WantBlobs    func() ([]string, error)
	BlobInterval time.Duration    // how often to look for missing files; default 10 s
	ApplyRetry   time.Duration    // first wait before Raft is reopened after the store refused a command; default 1 min
	Now          func() time.Time // this PC's clock, compared with its peers'; default time.Now
	Logger       *slog.Logger
}

// Cluster is this node's membership in its commune's Raft cluster.
type Cluster struct {
	cfg     Config
	log     *slog.Logger
	auth    *peer.Authority
	book    *book
	dialer  *peer.Dialer
	pool    *peer.Pool    // to members, checked against the office's CA
	open    *peer.Pool    // to PCs not known to be members: public questions only
	refused *peer.RateLog // wrong join-code proofs
	noMerge *peer.RateLog // merges that cannot enrol (another office's code)
	fsm     *fsm
	clocks  *clockView

	rmu       sync.RWMutex
	rn        *raftNode
	clusterID atomic.Value // string
	kick      chan struct{}
	leader    atomic.Bool

	leaseMu sync.Mutex // the leader grants one lease at a time

	wmu      sync.Mutex
	watchers []chan bool
}

// New checks cfg and loads this PC's peer credentials. Nothing runs until Run.
func New(cfg Config) (*Cluster, error) {
	if cfg.NodeID == "" || cfg.Commune == "" || cfg.Dir == "" || cfg.Listen == "" || cfg.Store == nil {
		return nil, errors.New("cluster: incomplete config")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.ApplyRetry = cmpOr(cfg.ApplyRetry, time.Minute)
	if cfg.JoinWait == 0 {
		cfg.JoinWait = 3 * time.Second
	}
	t := &cfg.Timing
	t.Heartbeat = cmpOr(t.Heartbeat, 500*time.Millisecond)
	t.Election = cmpOr(t.Election, 500*time.Millisecond)
	t.LeaderLease = cmpOr(t.LeaderLease, 250*time.Millisecond)
	t.CommitTimeout = cmpOr(t.CommitTimeout, 10*time.Millisecond)
	if cfg.JoinCode != "" {
		code, err := peer.ParseJoinCode(cfg.JoinCode)
		if err != nil {
			return nil, err
		}
		cfg.JoinCode = code
	}
	auth, err := peer.LoadAuthority(filepath.Join(cfg.Dir, "peer.json"), cfg.NodeID, cfg.Commune)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, log: cfg.Logger.With("part", "cluster"), auth: auth, kick: make(chan struct{}, 1)}
	c.book = newBook(c.discovered)
	c.dialer = &peer.Dialer{TLS: auth.MemberTLS(), Resolver: c.book}
	c.pool = peer.NewPool(c.dialer)
	c.open = peer.NewPool(&peer.Dialer{TLS: peer.OpenTLS(), Resolver: c.book})
	c.refused = peer.NewRateLog(c.log, "peer refused: wrong join code")
	c.noMerge = peer.NewRateLog(c.log, "merge failed, will retry")
	c.fsm = newFSM(cfg.Store, c.log)
	c.clocks = newClockView()
	c.storeClusterID("")
	if err := c.loadState(); err != nil {
		return nil, err
	}
	return c, nil
}

// every calls fn every interval until ctx is done; fn runs in the
// caller's goroutine, so one slow round delays the next, never overlaps it.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// discovered is node id's addresses in discovery's current view.
func (c *Cluster) discovered(id string) []string {
	if c.cfg.Discovery == nil || id == "" {
		return nil
	}
	var out []string
	for _, p := range c.cfg.Discovery.Peers() {
		if p.NodeID == id {
			for _, a := range p.Addrs {
				out = append(out, a.String())
			}
		}
	}
	return out
}

// state is what the cluster keeps besides Raft's own files.
type state struct {
	ClusterID string `json:"cluster_id"`
}

func (c *Cluster) statePath() string { return filepath.Join(c.cfg.Dir, "cluster.json") }

func (c *Cluster) loadState() error {
	b, err := os.ReadFile(c.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cluster state: %w", err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("cluster state %s: %w", c.statePath(), err)
	}
	c.storeClusterID(s.ClusterID)
	return nil
}

// storeClusterID keeps the cluster ID and has discovery announce it.
func (c *Cluster) storeClusterID(id string) {
	c.clusterID.Store(id)
	if c.cfg.Discovery != nil {
		c.cfg.Discovery.SetClusterID(id)
	}
}

func (c *Cluster) setClusterID(id string) error {
	c.storeClusterID(id)
	b, _ := json.Marshal(state{ClusterID: id})
	if err := peer.WriteFileDurable(c.statePath(), b, 0o600); err != nil {
		return fmt.Errorf("save cluster state: %w", err)
	}
	return nil
}

// ClusterID is the ID of the cluster this node belongs to ("" for none yet).
func (c *Cluster) ClusterID() string { return c.clusterID.Load().(string) }

// advertise is the HOST:PORT this node tells peers; an empty host means
// "the address you see me at".
func (c *Cluster) advertise() string {
	if c.cfg.Advertise != "" {
		return c.cfg.Advertise
	}
	host, port, err := net.SplitHostPort(c.cfg.Listen)
	if err != nil {
		return c.cfg.Listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return net.JoinHostPort("", port)
	}
	return c.cfg.Listen
}

// Run serves peers and keeps this node in its commune's cluster until ctx
// is cancelled; then it hands leadership over and stops Raft.
func (c *Cluster) Run(ctx context.Context) error {
	if err := os.MkdirAll(c.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("cluster dir: %w", err)
	}
	ln, err := net.Listen("tcp", c.cfg.Listen)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrListen, c.cfg.Listen, err)
	}
	mux := peer.NewMux(tls.NewListener(ln, c.auth.ServerTLS()), map[byte]peer.ConnHandler{
		peer.ProtoRaft: c.raftConns,
		peer.ProtoRPC:  c.rpcServer().ServeConn,
	}, c.log)
	// The peer port outlives Raft by a moment: a leader hands leadership
	// over through it when ctx ends.
	muxCtx, stopMux := context.WithCancel(context.WithoutCancel(ctx))
	muxDone := make(chan error, 1)
	go func() { muxDone <- mux.Run(muxCtx) }()
	defer func() {
		stopMux()
		<-muxDone
		c.pool.CloseIdle()
		c.open.CloseIdle()
	}()
	c.log.Info("peer listening", "addr", ln.Addr().String(), "node", c.cfg.NodeID)

	rn, err := c.openRaft()
	if err != nil {
		return err
	}
	c.setRaft(rn)
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); c.runQueue(ctx) }()
	go func() { defer wg.Done(); c.maintain(ctx) }()
	go func() { defer wg.Done(); c.runFetcher(ctx) }()
	go func() { defer wg.Done(); c.runClocks(ctx) }()
	<-ctx.Done()
	wg.Wait()
	c.stopRaft(true)
	return nil
}

// runFetcher copies the attachment files this PC lacks from the other
// members until ctx ends.
func (c *Cluster) runFetcher(ctx context.Context) {
	if c.cfg.Blobs == nil || c.cfg.WantBlobs == nil {
		return
	}
	f := &peer.Fetcher{Pool: c.pool, Blobs: c.cfg.Blobs, Want: c.cfg.WantBlobs, Peers: c.otherMembers,
		Interval: c.cfg.BlobInterval, Log: c.log}
	_ = f.Run(ctx)
}

func (c *Cluster) raftNode() *raftNode {
	c.rmu.RLock()
	defer c.rmu.RUnlock()
	return c.rn
}

func (c *Cluster) setRaft(rn *raftNode) {
	c.rmu.Lock()
	c.rn = rn
	c.rmu.Unlock()
}

// stopRaft shuts the Raft instance down; graceful hands leadership over first.
func (c *Cluster) stopRaft(graceful bool) {
	rn := c.raftNode()
	if rn == nil {
		return
	}
	c.setRaft(nil)
	if graceful && rn.r.State() == raft.Leader && len(rn.servers()) > 1 {
		if err := rn.r.LeadershipTransfer().Error(); err != nil {
			c.log.Info("leadership transfer", "err", err)
		}
	}
	rn.close()
	c.setLeader(false)
}

// State is this node's role: leader, follower or candidate, or alone when
// it is the only member of its cluster (or has none yet).
func (c *Cluster) State() string {
	rn := c.raftNode()
	if rn == nil || len(rn.servers()) <= 1 {
		return "alone"
	}
	switch rn.r.State() {
	case raft.Leader:
		return "leader"
	case raft.Follower:
		return "follower"
	case raft.Candidate:
		return "candidate"
	}
	return "alone"
}

// otherMembers lists the node IDs of the cluster's voters but this one.
func (c *Cluster) otherMembers() []string {
	rn := c.raftNode()
	if rn == nil {
		return nil
	}
	var ids []string
	for _, s := range rn.servers() {
		if id := string(s.ID); id != c.cfg.NodeID {
			ids = append(ids, id)
		}
	}
	return ids
}

// OffMembers lists the other voters that did not answer when this PC last
// asked them (see clockView.off): PCs that are off or cut off.
func (c *Cluster) OffMembers() []string {
	var off []string
	for _, id := range c.otherMembers() {
		if c.clocks.off(id) {
			off = append(off, id)
		}
	}
	return off
}

// Members is the number of voters in the cluster's configuration.
func (c *Cluster) Members() int {
	rn := c.raftNode()
	if rn == nil {
		return 1
	}
	return max(len(rn.servers()), 1)
}

// ApplyError is why this PC stopped applying the cluster's commands (the
// store refused one; it wraps ErrApplyStopped), nil while it applies them.
func (c *Cluster) ApplyError() error { return c.fsm.stopErr() }

// IsLeader reports whether this node leads its cluster (it runs the
// province uplink).
func (c *Cluster) IsLeader() bool { return c.leader.Load() }

// Leadership returns a channel that receives true when this node becomes
// leader and false when it stops being one, and a function to stop
// watching. A slow reader misses intermediate values, never the latest.
func (c *Cluster) Leadership() (<-chan bool, func()) {
	ch := make(chan bool, 1)
	c.wmu.Lock()
	c.watchers = append(c.watchers, ch)
	c.wmu.Unlock()
	ch <- c.leader.Load()
	return ch, func() {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		c.watchers = slices.DeleteFunc(c.watchers, func(w chan bool) bool { return w == ch })
	}
}

func (c *Cluster) setLeader(v bool) {
	if c.leader.Swap(v) == v {
		return
	}
	c.log.Info("leadership", "leader", v)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for _, w := range c.watchers {
		select {
		case <-w:
		default:
		}
		w <- v
	}
	if v {
		c.kickQueue()
	}
}
