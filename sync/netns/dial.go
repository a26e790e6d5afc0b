package netns

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Do runs fn on an OS thread that has entered node i's network namespace,
// then puts the thread back. Sockets created by fn stay in node i's
// namespace for their whole life, so the test process itself can listen and
// dial there (the host gets no address on the lab's network).
//
// fn must create its sockets synchronously in its own goroutine: no DNS
// look-ups, no goroutines (net.Dial with a literal IP address and net.Listen
// qualify).
func (l *Lab) Do(i int, fn func() error) error {
	return inNS(nsDir+"/"+l.NS(i), fn)
}

func inNS(path string, fn func() error) error {
	target, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	defer target.Close()

	runtime.LockOSThread()
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: %w", err)
	}
	defer orig.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: entering %s: %w", path, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: the runtime throws it away when this
		// goroutine ends instead of reusing a thread in the wrong namespace.
		return fmt.Errorf("netns: returning from %s: %w", path, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// Listen is net.Listen inside node i's namespace; addr must use a literal IP
// address (or an empty host).
func (l *Lab) Listen(i int, network, addr string) (net.Listener, error) {
	if err := literal(addr); err != nil {
		return nil, err
	}
	var ln net.Listener
	err := l.Do(i, func() error {
		var err error
		ln, err = net.Listen(network, addr)
		return err
	})
	return ln, err
}

// DialContext dials from node i's namespace; addr must be a literal IP
// address and port. Use it as an http.Transport's DialContext.
func (l *Lab) DialContext(i int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	l.check(i)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if err := literal(addr); err != nil {
			return nil, err
		}
		var c net.Conn
		err := l.Do(i, func() error {
			var err error
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
}

// HTTPClient returns an HTTP client whose connections start in node i's
// namespace: it reaches every node's address (and node i's loopback).
func (l *Lab) HTTPClient(i int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         l.DialContext(i),
			Proxy:               nil,
			MaxIdleConnsPerHost: 64, // one kept connection per desk: a new one costs a namespace switch
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// literal insists on a literal IP host so no resolver (and no goroutine)
// runs while the thread is in the namespace.
func literal(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Errorf("netns: %q: use a literal IP address inside a lab (no name look-ups)", addr)
	}
	return nil
}
