package peer

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// Request is one framed request as a handler sees it.
type Request struct {
	Payload []byte
	Remote  net.Addr
	TLS     tls.ConnectionState // the connection's (enroll.go binds to it)
	Member  bool                // the peer holds a certificate of the office's CA
}

// Handler answers one request.
type Handler func(ctx context.Context, req Request) ([]byte, error)

// Members tells whether a connection's peer belongs to the office
// (Authority). Generation changes whenever the answer may have changed (a
// new CA), so a connection's answer is kept until then.
type Members interface {
	Member(tls.ConnectionState) bool
	Generation() uint64
}

// Server answers framed requests, one handler per op. Ops are for members
// only, unless registered with HandleOpen.
type Server struct {
	ops     map[byte]Handler
	open    map[byte]bool
	members Members
}

// NewServer builds a server with no ops; members is asked whether a
// connection's peer belongs to the office (nil: no one does).
func NewServer(members Members) *Server {
	return &Server{ops: map[byte]Handler{}, open: map[byte]bool{}, members: members}
}

// Handle registers h for op, answered to members only. It panics on an op
// registered twice (a bug).
func (s *Server) Handle(op byte, h Handler) {
	if _, dup := s.ops[op]; dup {
		panic(fmt.Sprintf("peer: op %d registered twice", op))
	}
	s.ops[op] = h
}

// HandleOpen registers h for op, answered to anyone who reaches the port.
func (s *Server) HandleOpen(op byte, h Handler) {
	s.Handle(op, h)
	s.open[op] = true
}

// ErrNotMember answers a members-only request from a PC that is not one.
var ErrNotMember = errors.New("not a member of this office")

// requestTimeout bounds one request's handling.
const requestTimeout = 30 * time.Second

// ServeConn answers one connection's requests in turn until it closes or
// ctx ends (a ConnHandler for ProtoRPC).
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	var (
		state  tls.ConnectionState
		member bool
		gen    uint64 // of member; checked at the first request and after each new CA
		known  bool
	)
	if tc, ok := conn.(*tls.Conn); ok {
		state = tc.ConnectionState()
	}
	for {
		conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
		op, payload, err := readFrame(r)
		if err != nil {
			return
		}
		if s.members != nil {
			if g := s.members.Generation(); !known || g != gen {
				member, gen, known = s.members.Member(state), g, true
			}
		}
		req := Request{Payload: payload, Remote: conn.RemoteAddr(), TLS: state, Member: member}
		out, err := s.handle(ctx, op, req)
		status := statusOK
		if err != nil {
			status, out = statusError, []byte(err.Error())
		}
		conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if err := writeFrame(w, status, out); err != nil {
			return
		}
	}
}

func (s *Server) handle(ctx context.Context, op byte, req Request) ([]byte, error) {
	h := s.ops[op]
	if h == nil {
		return nil, fmt.Errorf("unknown peer request %d", op)
	}
	if !req.Member && !s.open[op] {
		return nil, ErrNotMember
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return h(ctx, req)
}
