package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"xaso/sync/netns"
)

// Three new PCs on one LAN find each other by mDNS alone (no --peer), form
// one cluster, and a dossier received on any of them is visible on all.
func TestLANThreeNodesFormOneClusterByMDNS(t *testing.T) {
	lab := netns.New(t, "form", 3)
	nodes := []*lanNode{newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3)}
	for _, n := range nodes {
		n.start()
	}
	formed(t, 30*time.Second, nodes...)
	for _, n := range nodes {
		n.login()
	}
	codes := map[string]bool{}
	for k, n := range nodes {
		code := n.mustReceive(k)
		if codes[code] {
			t.Fatalf("code %s issued twice", code)
		}
		codes[code] = true
	}
	converged(t, 15*time.Second, 3, nodes...)
	for _, n := range nodes {
		for code := range codes {
			if _, err := n.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err != nil {
				t.Errorf("node %d: %v", n.i, err)
			}
		}
		if h, err := n.health(); err != nil || h.Cluster.Members != 3 || (h.Cluster.State != "leader" && h.Cluster.State != "follower") {
			t.Errorf("node %d health: %+v %v", n.i, h, err)
		}
	}
	t.Log(fmt.Sprint("codes: ", codes))
}
