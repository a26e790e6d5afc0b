package peer

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"
)

// Handler answers one request: payload in, answer out. remote is the
// asking peer's address.
type Handler func(ctx context.Context, payload []byte, remote net.Addr) ([]byte, error)

// Server answers framed requests, one handler per op.
type Server struct {
	ops map[byte]Handler
}

// NewServer builds a server with no ops; Handle adds them before it serves.
func NewServer() *Server { return &Server{ops: map[byte]Handler{}} }

// Handle registers h for op. It panics on an op registered twice (a bug).
func (s *Server) Handle(op byte, h Handler) {
	if _, dup := s.ops[op]; dup {
		panic(fmt.Sprintf("peer: op %d registered twice", op))
	}
	s.ops[op] = h
}

// requestTimeout bounds one request's handling.
const requestTimeout = 30 * time.Second

// ServeConn answers one connection's requests in turn until it closes or
// ctx ends (a ConnHandler for ProtoRPC).
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
		op, payload, err := readFrame(r)
		if err != nil {
			return
		}
		out, err := s.handle(ctx, op, payload, conn.RemoteAddr())
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

func (s *Server) handle(ctx context.Context, op byte, payload []byte, remote net.Addr) ([]byte, error) {
	h := s.ops[op]
	if h == nil {
		return nil, fmt.Errorf("unknown peer request %d", op)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	return h(ctx, payload, remote)
}
