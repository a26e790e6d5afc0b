// Package peer is the office LAN's peer transport: one TLS port per PC
// (mux.go) carrying several protocols, framed request/answer RPC over it
// (frame.go, server.go, pool.go), dialing peers by node ID or address
// (dial.go), and copying files by SHA-256 between PCs (fetch.go). Who may
// talk: the office's own CA (authority.go), which a PC receives once it
// proved the join code (joincode.go, enroll.go); see docs/lan-security.md.
// The Raft cluster (sync/cluster) and, next, PC-to-PC update downloads use it.
package peer

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// One TLS listener carries several protocols; the first byte after the
// handshake says which.
const (
	ProtoRaft byte = 'T' // hashicorp/raft's NetworkTransport (sync/cluster)
	ProtoRPC  byte = 'R' // framed requests (server.go)
)

// HandshakeTimeout bounds a peer's TLS handshake and protocol byte.
const HandshakeTimeout = 5 * time.Second

// ConnHandler takes over one accepted connection; it closes it when done.
// ctx ends when the mux stops.
type ConnHandler func(ctx context.Context, c net.Conn)

// Mux accepts peer connections on one listener and hands each to the
// handler of the protocol its first byte names.
type Mux struct {
	ln       net.Listener
	handlers map[byte]ConnHandler
	log      *slog.Logger
	junk     *RateLog

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open connections, closed when the mux stops
	closed bool
}

// NewMux serves ln (a TLS listener) with one handler per protocol byte.
func NewMux(ln net.Listener, handlers map[byte]ConnHandler, log *slog.Logger) *Mux {
	return &Mux{ln: ln, handlers: handlers, log: log, conns: map[net.Conn]struct{}{},
		junk: NewRateLog(log, "peer refused: TLS handshake failed")}
}

// Addr is the address the mux listens at.
func (m *Mux) Addr() net.Addr { return m.ln.Addr() }

// Run accepts connections until ctx ends; then it closes the listener and
// every connection it handed out, and waits for their handlers.
func (m *Mux) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() {
		m.ln.Close()
		m.mu.Lock()
		m.closed = true
		for c := range m.conns {
			c.Close()
		}
		m.mu.Unlock()
	})
	defer stop()
	defer wg.Wait()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				cancel()
				return nil
			}
			m.log.Warn("peer accept", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		if !m.track(c) {
			c.Close()
			return nil
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer m.untrack(c)
			m.route(ctx, c)
		}()
	}
}

func (m *Mux) track(c net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.conns[c] = struct{}{}
	return true
}

func (m *Mux) untrack(c net.Conn) {
	m.mu.Lock()
	delete(m.conns, c)
	m.mu.Unlock()
}

func (m *Mux) route(ctx context.Context, c net.Conn) {
	c.SetDeadline(time.Now().Add(HandshakeTimeout))
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.Handshake(); err != nil {
			m.junk.Failed(c.RemoteAddr().String(), err)
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
	h := m.handlers[b[0]]
	if h == nil {
		c.Close()
		return
	}
	h(ctx, c)
}
