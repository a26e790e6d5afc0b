package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// One TLS listener carries two protocols; the first byte after the
// handshake says which.
const (
	protoRaft byte = 'T' // hashicorp/raft's NetworkTransport
	protoRPC  byte = 'R' // this package's peer requests (rpc.go)
)

// handshakeTimeout bounds a peer's TLS handshake and protocol byte.
const handshakeTimeout = 5 * time.Second

// mux accepts peer connections and hands each to Raft or to the RPC server.
type mux struct {
	ln     net.Listener
	raft   atomic.Pointer[streamLayer] // the current Raft instance's layer
	rpc    func(net.Conn)
	log    *slog.Logger
	wg     sync.WaitGroup
	closed atomic.Bool

	cmu   sync.Mutex
	conns map[net.Conn]struct{} // open RPC connections, closed with the mux
}

func (m *mux) serve() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if m.closed.Load() {
				return
			}
			m.log.Warn("peer accept", "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.route(c)
		}()
	}
}

func (m *mux) route(c net.Conn) {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.Handshake(); err != nil {
			m.log.Warn("peer refused: TLS handshake failed (wrong join secret?)", "remote", c.RemoteAddr().String(), "err", err)
			c.Close()
			return
		}
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil {
		c.Close()
		return
	}
	c.SetDeadline(time.Time{})
	switch b[0] {
	case protoRaft:
		if l := m.raft.Load(); l != nil && l.push(c) {
			return
		}
		c.Close()
	case protoRPC:
		m.cmu.Lock()
		if m.closed.Load() {
			m.cmu.Unlock()
			c.Close()
			return
		}
		if m.conns == nil {
			m.conns = map[net.Conn]struct{}{}
		}
		m.conns[c] = struct{}{}
		m.cmu.Unlock()
		m.rpc(c)
		m.cmu.Lock()
		delete(m.conns, c)
		m.cmu.Unlock()
	default:
		c.Close()
	}
}

func (m *mux) close() {
	m.closed.Store(true)
	m.ln.Close()
	m.cmu.Lock()
	for c := range m.conns {
		c.Close()
	}
	m.cmu.Unlock()
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
	dialer *dialer
}

func newStreamLayer(self string, d *dialer) *streamLayer {
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
	return l.dialer.dialNode(ctx, string(address), protoRaft)
}

// dialer opens TLS connections to peers by node ID or by HOST:PORT.
type dialer struct {
	tls  *tls.Config
	book *book
}

func (d *dialer) dialNode(ctx context.Context, id string, proto byte) (net.Conn, error) {
	addrs := d.book.lookup(id)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("peer %s: no known address", id)
	}
	var errs []error
	for _, a := range addrs {
		c, err := d.dialAddr(ctx, a, proto)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("peer %s: %w", id, errors.Join(errs...))
}

func (d *dialer) dialAddr(ctx context.Context, addr string, proto byte) (net.Conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, handshakeTimeout)
		defer cancel()
	}
	td := &tls.Dialer{NetDialer: &net.Dialer{KeepAlive: 15 * time.Second}, Config: d.tls}
	c, err := td.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetWriteDeadline(dl)
	}
	if _, err := c.Write([]byte{proto}); err != nil {
		c.Close()
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	c.SetWriteDeadline(time.Time{})
	return c, nil
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

func (b *book) lookup(id string) []string {
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
