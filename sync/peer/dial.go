package peer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// Resolver gives a node's known addresses (HOST:PORT), best first.
type Resolver interface {
	Lookup(id string) []string
}

// Dialer opens TLS connections to peers by node ID or by HOST:PORT.
type Dialer struct {
	TLS      *tls.Config
	Resolver Resolver
}

// DialNode opens a connection for proto to node id at any of its addresses.
func (d *Dialer) DialNode(ctx context.Context, id string, proto byte) (net.Conn, error) {
	addrs := d.Resolver.Lookup(id)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("peer %s: no known address", id)
	}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialAddr(ctx, a, proto)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("peer %s: %w", id, errors.Join(errs...))
}

// DialAddr opens a connection for proto to addr.
func (d *Dialer) DialAddr(ctx context.Context, addr string, proto byte) (net.Conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, HandshakeTimeout)
		defer cancel()
	}
	td := &tls.Dialer{NetDialer: &net.Dialer{KeepAlive: 15 * time.Second}, Config: d.TLS}
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
