package node

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app/argon2id"
)

// The supervisor starts a failed discovery again, after its back-off, and
// /health shows each service's state meanwhile.
func TestSupervisorRestartsFailedDiscovery(t *testing.T) {
	n, err := Open(context.Background(), Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		LAN: LAN{PeerListen: "127.0.0.1:0", NoMDNS: true, Fast: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	services := n.services(l)
	for i, s := range services {
		if s.name != "discover" {
			continue
		}
		services[i].run = func(ctx context.Context) error {
			if runs.Add(1) > 1 {
				return s.run(ctx)
			}
			// The first run works a moment, then its socket is lost.
			short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			if err := s.run(short); err != nil {
				return err
			}
			return errors.New("mdns: socket lost")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.sup.run(ctx, services...); close(done) }()
	defer func() { cancel(); <-done }()

	sawRetrying := false
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st := n.Health().Services
		sawRetrying = sawRetrying || st["discover"] == StateRetrying
		if runs.Load() == 2 && st["discover"] == StateRunning {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("discovery not started again: %d runs, services %v", runs.Load(), st)
		}
	}
	if !sawRetrying {
		t.Error("/health never showed discover retrying")
	}
	time.Sleep(1500 * time.Millisecond) // longer than the back-off: the second run keeps running
	if st := n.Health().Services; runs.Load() != 2 || st["discover"] != StateRunning || st["http"] != StateRunning ||
		st["cluster"] != StateRunning {
		t.Fatalf("after the restart: %d runs, services %v", runs.Load(), st)
	}
}
