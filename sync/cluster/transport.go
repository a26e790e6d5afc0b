package cluster

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"xaso/sync/peer"
)

// raftConns hands the Raft connections the peer port accepts to the
// current Raft instance's stream layer (none while Raft restarts).
func (c *Cluster) raftConns(_ context.Context, conn net.Conn) {
	if tc, ok := conn.(*tls.Conn); !ok || !c.auth.Member(tc.ConnectionState()) {
		conn.Close() // Raft is for members only
		return
	}
	if rn := c.raftNode(); rn != nil && rn.layer.push(conn) {
		return
	}
	conn.Close()
}

// nodeAddr is a Raft server address: the node ID, resolved on every dial.
type nodeAddr string

func (a nodeAddr) Network() string { return "xaso" }
func (a nodeAddr) String() string  { return string(a) }

// streamLayer is raft.StreamLayer for one Raft instance. Raft addresses
// are node IDs; Dial looks the ID up afresh in the address book, so a PC
// whose DHCP address changed is found again.
type streamLayer struct {
	self   string
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
	dialer *peer.Dialer
}

func newStreamLayer(self string, d *peer.Dialer) *streamLayer {
	return &streamLayer{self: self, conns: make(chan net.Conn, 16), done: make(chan struct{}), dialer: d}
}

func (l *streamLayer) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *streamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *streamLayer) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *streamLayer) Addr() net.Addr { return nodeAddr(l.self) }

func (l *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return l.dialer.DialNode(ctx, string(address), peer.ProtoRaft)
}

// book maps node IDs to peer addresses: what discovery sees now, and what
// peers said about themselves and others (joins, info answers).
type book struct {
	mu     sync.Mutex
	learnt map[string][]string
	disc   func(id string) []string // a node's addresses in discovery's current view
}

func newBook(disc func(id string) []string) *book {
	return &book{learnt: map[string][]string{}, disc: disc}
}

// Lookup gives node id's addresses (peer.Resolver).
func (b *book) Lookup(id string) []string {
	var out []string
	if b.disc != nil {
		out = append(out, b.disc(id)...)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range b.learnt[id] {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// learn records addr (HOST:PORT) for node id, most recent first.
func (b *book) learn(id, addr string) {
	if id == "" || addr == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := slices.DeleteFunc(slices.Clone(b.learnt[id]), func(a string) bool { return a == addr })
	b.learnt[id] = append([]string{addr}, cur...)
	if len(b.learnt[id]) > 4 {
		b.learnt[id] = b.learnt[id][:4]
	}
}

// snapshot returns the learnt addresses (shared with peers in info answers).
func (b *book) snapshot() map[string][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string][]string, len(b.learnt))
	for k, v := range b.learnt {
		out[k] = slices.Clone(v)
	}
	return out
}
