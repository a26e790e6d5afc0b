package peer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// RemoteError is an error the peer answered with (the request reached it).
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return e.Msg }

// Pool keeps idle RPC connections per address and sends requests over them.
type Pool struct {
	d    *Dialer
	mu   sync.Mutex
	idle map[string][]*rpcConn
}

// NewPool sends requests over connections d opens.
func NewPool(d *Dialer) *Pool { return &Pool{d: d, idle: map[string][]*rpcConn{}} }

type rpcConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// maxIdle bounds the idle connections kept per address.
const maxIdle = 8

func (p *Pool) get(ctx context.Context, addr string) (*rpcConn, bool, error) {
	p.mu.Lock()
	if l := p.idle[addr]; len(l) > 0 {
		rc := l[len(l)-1]
		p.idle[addr] = l[:len(l)-1]
		p.mu.Unlock()
		return rc, true, nil
	}
	p.mu.Unlock()
	c, err := p.d.DialAddr(ctx, addr, ProtoRPC)
	if err != nil {
		return nil, false, err
	}
	return &rpcConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, false, nil
}

func (p *Pool) put(addr string, rc *rpcConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[addr]) >= maxIdle {
		rc.c.Close()
		return
	}
	p.idle[addr] = append(p.idle[addr], rc)
}

// CloseIdle closes every idle connection.
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.idle {
		for _, rc := range l {
			rc.c.Close()
		}
	}
	p.idle = map[string][]*rpcConn{}
}

// Call sends one request to addr and waits for its answer. A reused
// connection that turns out dead is retried once on a fresh one.
func (p *Pool) Call(ctx context.Context, addr string, op byte, payload []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		rc, reused, err := p.get(ctx, addr)
		if err != nil {
			return nil, err
		}
		dl, ok := ctx.Deadline()
		if !ok {
			dl = time.Now().Add(requestTimeout)
		}
		rc.c.SetDeadline(dl)
		out, err := roundTrip(rc, op, payload)
		var re *RemoteError
		if err == nil || errors.As(err, &re) {
			rc.c.SetDeadline(time.Time{})
			p.put(addr, rc)
			return out, err
		}
		rc.c.Close()
		if !reused || attempt > 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("peer %s: %w", addr, err)
		}
	}
}

func roundTrip(rc *rpcConn, op byte, payload []byte) ([]byte, error) {
	if err := writeFrame(rc.w, op, payload); err != nil {
		return nil, err
	}
	status, out, err := readFrame(rc.r)
	if err != nil {
		return nil, err
	}
	if status != statusOK {
		return nil, &RemoteError{string(out)}
	}
	return out, nil
}

// CallNode sends a request to node id at any of its known addresses; an
// answer from the peer, even an error, ends the search.
func (p *Pool) CallNode(ctx context.Context, id string, op byte, payload []byte) ([]byte, error) {
	addrs := p.d.Resolver.Lookup(id)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("peer %s: no known address", id)
	}
	var errs []error
	for _, a := range addrs {
		out, err := p.Call(ctx, a, op, payload)
		var re *RemoteError
		if err == nil || errors.As(err, &re) {
			return out, err
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
