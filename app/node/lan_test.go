package node

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"xaso/app/argon2id"
)

// A PC whose peer port is held by another program keeps working alone,
// /health says why, and it joins the LAN once the port is free again.
func TestPeerPortTakenThenFreed(t *testing.T) {
	blocker, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	n, err := Open(context.Background(), Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		LAN: LAN{PeerListen: blocker.Addr().String(), NoMDNS: true, Fast: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	serve(t, n) // stopped before the Close above: cleanups run last first

	waitHealth(t, n, func(state, problem string) error {
		if problem != ProblemPeerListen || state != "alone" {
			return fmt.Errorf("cluster %s, problem %q; want alone, %s", state, problem, ProblemPeerListen)
		}
		return nil
	})
	if h := n.Health(); h.Status != "ok" {
		t.Errorf("health %q while working alone: the desk still works", h.Status)
	}
	blocker.Close()
	waitHealth(t, n, func(state, problem string) error {
		if problem != "" || n.Cluster().ClusterID() == "" {
			return fmt.Errorf("cluster %s %q, problem %q; want it running", state, n.Cluster().ClusterID(), problem)
		}
		return nil
	})
}

// serve runs n's services on a loopback port until the test ends.
func serve(t *testing.T, n *Node) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

func waitHealth(t *testing.T, n *Node, ok func(state, problem string) error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		h := n.Health()
		err := ok(h.Cluster.State, h.Cluster.Problem)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
