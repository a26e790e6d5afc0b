package cluster

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Peer requests, besides Raft's own traffic, over the same mutual-TLS port.
// A frame is op(1) len(uvarint) payload; an answer is status(1) len payload,
// status 0 for success and 1 for an error whose payload is its text.
const (
	opInfo    byte = 1 // → Info (JSON)
	opJoin    byte = 2 // JoinRequest (JSON) → Info of the leader; forwarded to the leader
	opPropose byte = 3 // entry (entry.go) → ProposeResult (JSON); leader only
	opRemove  byte = 4 // node ID → ∅; forwarded to the leader
	opLease   byte = 6 // node ID → LeaseGrant (JSON); leader only
)

const maxFrame = 64 << 20

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

type remoteError struct{ msg string }

func (e *remoteError) Error() string { return e.msg }

func writeFrame(w *bufio.Writer, tag byte, payload []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = tag
	n := binary.PutUvarint(hdr[1:], uint64(len(payload)))
	if _, err := w.Write(hdr[:1+n]); err != nil {
		return err
	}
	if _, err := w.Write(payload); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) (byte, []byte, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, err
	}
	if n > maxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes is too large", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return tag, buf, nil
}

// serveRPC answers one peer connection's requests in turn until it closes.
func (c *Cluster) serveRPC(conn net.Conn) {
	defer conn.Close()
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
		op, payload, err := readFrame(r)
		if err != nil {
			return
		}
		out, err := c.handle(op, payload, conn.RemoteAddr())
		status := byte(0)
		if err != nil {
			status, out = 1, []byte(err.Error())
		}
		conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if err := writeFrame(w, status, out); err != nil {
			return
		}
	}
}

func (c *Cluster) handle(op byte, payload []byte, remote net.Addr) ([]byte, error) {
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	switch op {
	case opInfo:
		return json.Marshal(c.Info())
	case opJoin:
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
	case opPropose:
		idx, err := c.proposeLocal(ctx, payload)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ProposeResult{Index: idx})
	case opLease:
		slot, idx, err := c.grantLease(ctx, string(payload))
		if err != nil {
			return nil, err
		}
		return json.Marshal(LeaseGrant{Slot: slot, Index: idx})
	case opBlob:
		return c.serveBlob(string(payload))
	case opRemove:
		id := string(payload)
		return nil, c.onLeader(ctx, opRemove, payload, func() error { return c.removeLocal(id) })
	}
	return nil, fmt.Errorf("unknown peer request %d", op)
}

// pool keeps idle RPC connections per address.
type pool struct {
	d    *dialer
	mu   sync.Mutex
	idle map[string][]*rpcConn
}

type rpcConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func (p *pool) get(ctx context.Context, addr string) (*rpcConn, bool, error) {
	p.mu.Lock()
	if l := p.idle[addr]; len(l) > 0 {
		rc := l[len(l)-1]
		p.idle[addr] = l[:len(l)-1]
		p.mu.Unlock()
		return rc, true, nil
	}
	p.mu.Unlock()
	c, err := p.d.dialAddr(ctx, addr, protoRPC)
	if err != nil {
		return nil, false, err
	}
	return &rpcConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, false, nil
}

func (p *pool) put(addr string, rc *rpcConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[addr]) >= 8 {
		rc.c.Close()
		return
	}
	p.idle[addr] = append(p.idle[addr], rc)
}

func (p *pool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.idle {
		for _, rc := range l {
			rc.c.Close()
		}
	}
	p.idle = map[string][]*rpcConn{}
}

// call sends one request to addr and waits for its answer. A reused
// connection that turns out dead is retried once on a fresh one.
func (p *pool) call(ctx context.Context, addr string, op byte, payload []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		rc, reused, err := p.get(ctx, addr)
		if err != nil {
			return nil, err
		}
		dl, ok := ctx.Deadline()
		if !ok {
			dl = time.Now().Add(30 * time.Second)
		}
		rc.c.SetDeadline(dl)
		out, err := func() ([]byte, error) {
			if err := writeFrame(rc.w, op, payload); err != nil {
				return nil, err
			}
			status, out, err := readFrame(rc.r)
			if err != nil {
				return nil, err
			}
			if status != 0 {
				return nil, &remoteError{string(out)}
			}
			return out, nil
		}()
		var re *remoteError
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

// callNode sends a request to node id at any of its known addresses.
func (c *Cluster) callNode(ctx context.Context, id string, op byte, payload []byte) ([]byte, error) {
	addrs := c.book.lookup(id)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("peer %s: no known address", id)
	}
	var errs []error
	for _, a := range addrs {
		out, err := c.pool.call(ctx, a, op, payload)
		var re *remoteError
		if err == nil || errors.As(err, &re) {
			return out, err
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
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
	_, err := c.callNode(ctx, string(id), op, payload)
	return err
}
