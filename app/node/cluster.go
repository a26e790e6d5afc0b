package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"xaso/app"
	"xaso/app/api"
	"xaso/store"
	"xaso/sync/cluster"
	"xaso/sync/discover"
	"xaso/sync/peer"
)

// LAN configures the node's place in its commune's cluster (DESIGN §4, §8).
// With PeerListen empty the node works alone.
type LAN struct {
	PeerListen string   // --peer-listen HOST:PORT
	Peers      []string // --peer HOST:PORT (repeatable)
	NoMDNS     bool     // --no-mdns
	Secret     string   // XASO_JOIN_SECRET: a join code (peer.ParseJoinCode), or "" (first PC, or joined already)
	Fast       bool     // short Raft timeouts and discovery intervals (tests, benchmarks)
}

// lan is the cluster and discovery of a node, run as the services
// "cluster" and "discover".
type lan struct {
	cl   *cluster.Cluster
	disc *discover.Discoverer

	mu      sync.Mutex
	problem string // why the cluster is not running ("" when it is): a stable code for /health
}

// ProblemPeerListen is /health's cluster.problem while the peer port cannot
// be opened (another program holds it): the PC works alone meanwhile.
const ProblemPeerListen = "peer_listen_failed"

// ProblemApplyStopped is /health's cluster.problem while the store refuses
// a command of the cluster's: this PC applies none of the others' commands
// (it keeps serving reads and its own writes) until the store takes it.
const ProblemApplyStopped = "apply_stopped"

func (l *lan) setProblem(p string) {
	l.mu.Lock()
	l.problem = p
	l.mu.Unlock()
}

func (l *lan) getProblem() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.problem
}

// run is the service "cluster". When the cluster cannot run (its port is
// held by another program), the PC keeps working alone and /health says
// why until the supervisor starts it again.
func (l *lan) run(ctx context.Context) error {
	l.setProblem("")
	err := l.cl.Run(ctx)
	if err != nil && ctx.Err() == nil {
		problem := "cluster_failed"
		if errors.Is(err, cluster.ErrListen) {
			problem = ProblemPeerListen
		}
		l.setProblem(problem)
	}
	return err
}

// notifyLog is the Service's Log on a LAN: the store makes commands
// durable, then the cluster's queue is told to propose them.
type notifyLog struct {
	st *store.Store
	cl *cluster.Cluster
}

func (l notifyLog) Append(ctx context.Context, cmds ...app.Command) error {
	if err := l.st.Append(ctx, cmds...); err != nil {
		return err
	}
	l.cl.Notify()
	return nil
}

// observedStore moves this node's clock past the times of peers' commands
// as the cluster applies them.
type observedStore struct {
	*store.Store
	clock *app.Clock
}

func (s observedStore) Apply(ctx context.Context, cmds ...app.Command) error {
	for _, c := range cmds {
		s.clock.Observe(c.At)
	}
	return s.Store.Apply(ctx, cmds...)
}

// openLAN builds discovery and the cluster when cfg.LAN.PeerListen is set;
// nil when the PC works alone. The cluster tells discovery its cluster ID.
func (n *Node) openLAN() (*lan, error) {
	c := n.cfg.LAN
	if c.PeerListen == "" {
		return nil, nil
	}
	conf, ok, err := n.Store.Commune()
	if err != nil || !ok {
		return nil, fmt.Errorf("cluster: commune not set up: %v", err)
	}
	_, portStr, err := net.SplitHostPort(c.PeerListen)
	if err != nil {
		return nil, fmt.Errorf("--peer-listen %q: %w", c.PeerListen, err)
	}
	port, _ := strconv.Atoi(portStr)
	version := n.cfg.Version
	if version == "" {
		version = "dev"
	}
	interval := discover.DefaultInterval
	if c.Fast {
		interval = time.Second
	}
	disc, err := discover.New(discover.Config{Commune: conf.Commune, NodeID: n.Store.NodeID(), Version: version,
		Port: port, Static: c.Peers, DisableMDNS: c.NoMDNS, Interval: interval, Logger: n.cfg.Logger,
		Now: n.cfg.Now})
	if err != nil {
		return nil, err
	}
	code := ""
	if c.Secret != "" {
		if code, err = peer.ParseJoinCode(c.Secret); err != nil {
			return nil, errWeakCode
		}
	}
	cc := cluster.Config{NodeID: n.Store.NodeID(), Commune: conf.Commune, Dir: filepath.Join(n.cfg.Dir, "raft"),
		Listen: c.PeerListen, JoinCode: code, Store: observedStore{n.Store, n.clock}, Discovery: disc,
		NewLease: func(slot int, node string, after app.HLC) (app.Command, error) {
			return app.NewCommand(app.RandomID(), app.KindSlotLease, "system", n.Store.NodeID(), n.clock.NextAfter(after),
				&app.SlotBody{Slot: slot, Node: node})
		},
		MayLease: func() error {
			reason, err := provisionalReason(n.Store, n.cfg.Hub.URL != "")
			if err != nil {
				return app.Internal(err)
			}
			if reason != "" {
				return app.ProvisionalError(reason)
			}
			return nil
		},
		Blobs: sharedBlobs{n.Blobs, n}, WantBlobs: n.Store.AttachmentHashes,
		Now: n.cfg.Now, Logger: n.cfg.Logger}
	if c.Fast {
		cc.BlobInterval = time.Second
		cc.Timing = cluster.Timing{Heartbeat: 150 * time.Millisecond, Election: 150 * time.Millisecond,
			LeaderLease: 100 * time.Millisecond, CommitTimeout: 5 * time.Millisecond}
		cc.JoinWait = 1500 * time.Millisecond
		cc.ApplyRetry = time.Second
	}
	cl, err := cluster.New(cc)
	if err != nil {
		return nil, err
	}
	return &lan{cl: cl, disc: disc}, nil
}

// errWeakCode refuses an XASO_JOIN_SECRET that is not a generated join
// code: a chosen secret can be guessed (docs/lan-security.md).
var errWeakCode = app.Errorf("join_code_weak", "XASO_JOIN_SECRET",
	"Mã tham gia (XASO_JOIN_SECRET) không hợp lệ: chỉ dùng mã do máy đầu tiên của xã tạo ra (7 nhóm 4 ký tự, "+
		"ví dụ XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX), xem ở màn hình Máy trong cụm của quản trị viên. "+
		"Mã tự đặt dễ bị đoán nên không được chấp nhận; để trống trên máy đầu tiên thì máy sẽ tự tạo mã.",
	"XASO_JOIN_SECRET is not a join code: use the code the office's first PC generated (7 groups of 4 "+
		"characters), shown to admins on the Peers screen; a chosen secret can be guessed and is refused; "+
		"leave it empty on the first PC and it generates one")

// Cluster is the node's cluster, nil when it works alone.
func (n *Node) Cluster() *cluster.Cluster {
	if n.lan == nil {
		return nil
	}
	return n.lan.cl
}

// clusterAdmin serves /api/v1/cluster.
type clusterAdmin struct{ n *Node }

// ClusterStatus is GET /api/v1/cluster.
type ClusterStatus struct {
	State        string        `json:"state"`
	Members      int           `json:"members"`
	Unreplicated int           `json:"unreplicated"`
	StateHash    string        `json:"state_hash,omitempty"` // only when asked: it reads every record
	Cluster      *cluster.Info `json:"cluster,omitempty"`
}

func (a clusterAdmin) Status(withHash bool) (any, error) {
	h := a.n.Health()
	s := ClusterStatus{State: h.Cluster.State, Members: h.Cluster.Members, Unreplicated: h.Unreplicated}
	if withHash {
		hash, err := a.n.Store.StateHash()
		if err != nil {
			return nil, app.Internal(err)
		}
		s.StateHash = hash
	}
	if cl := a.n.Cluster(); cl != nil {
		info := cl.Info()
		names, err := a.n.Store.PCNames()
		if err != nil {
			return nil, app.Internal(err)
		}
		for i, m := range info.Members {
			info.Members[i].Name = names[m.NodeID]
		}
		s.Cluster = &info
	}
	return s, nil
}

var errAlone = app.Errorf(app.EConflict, "", "Máy này đang làm việc một mình, không thuộc cụm máy nào.",
	"this PC works alone, not in a cluster")

func (a clusterAdmin) Remove(ctx context.Context, nodeID string) error {
	cl := a.n.Cluster()
	if cl == nil {
		return errAlone
	}
	return cl.Remove(ctx, nodeID)
}

func (a clusterAdmin) Recover(ctx context.Context) error {
	cl := a.n.Cluster()
	if cl == nil {
		return errAlone
	}
	return cl.Recover(ctx)
}

func (a clusterAdmin) JoinCode() (api.JoinCode, error) {
	cl := a.n.Cluster()
	if cl == nil {
		return api.JoinCode{}, errAlone
	}
	code, epoch := cl.JoinCode()
	if code == "" {
		return api.JoinCode{}, app.Errorf(app.EConflict, "", "Máy này chưa vào cụm máy nào nên chưa có mã tham gia.",
			"this PC has not joined an office yet, so there is no join code")
	}
	return api.JoinCode{Code: code, Epoch: epoch}, nil
}

func (a clusterAdmin) RotateJoinCode(ctx context.Context) (api.JoinCode, error) {
	cl := a.n.Cluster()
	if cl == nil {
		return api.JoinCode{}, errAlone
	}
	code, missed, err := cl.RotateJoinCode(ctx)
	if err != nil {
		return api.JoinCode{}, err
	}
	_, epoch := cl.JoinCode()
	return api.JoinCode{Code: code, Epoch: epoch, NotReached: missed}, nil
}

func (a clusterAdmin) JoinWithCode(ctx context.Context, code string) (api.JoinCode, error) {
	cl := a.n.Cluster()
	if cl == nil {
		return api.JoinCode{}, errAlone
	}
	shown, err := cl.JoinWithCode(ctx, code)
	if err != nil {
		return api.JoinCode{}, err
	}
	_, epoch := cl.JoinCode()
	return api.JoinCode{Code: shown, Epoch: epoch}, nil
}

var _ api.ClusterAdmin = clusterAdmin{}

func clusterHealth(n *Node) api.ClusterState {
	cl := n.Cluster()
	if cl == nil {
		return api.ClusterState{State: "alone", Members: 1}
	}
	s := api.ClusterState{State: cl.State(), Members: cl.Members(), Problem: n.lan.getProblem()}
	if err := cl.ApplyError(); err != nil {
		s.Problem, s.Error = ProblemApplyStopped, err.Error()
	}
	if off := cl.OffMembers(); len(off) > 0 {
		names, err := n.Store.PCNames()
		if err != nil {
			n.cfg.Logger.Warn("read the PCs' names", "err", err)
		}
		for _, id := range off {
			s.Off = append(s.Off, api.OffPC{NodeID: id, Name: names[id]})
		}
	}
	return s
}

// clockHealth compares this PC's clock with the other members', once read.
func clockHealth(n *Node) *api.ClockState {
	cl := n.Cluster()
	if cl == nil {
		return nil
	}
	off, peers := cl.ClockOffset()
	if peers == 0 {
		return nil
	}
	return &api.ClockState{OffsetMS: off.Milliseconds(), Peers: peers}
}
