package cluster_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"xaso/sync/netns/netnstest"
	"xaso/sync/peer"
)

type joinCode struct {
	Code       string   `json:"code"`
	Epoch      int      `json:"epoch"`
	NotReached []string `json:"not_reached"`
}

// The admin rotates the join code after removing a PC: the members take
// the new one, the removed PC is locked out when it comes back, a member
// that was off comes back with the new code, a PC with the old code cannot
// join, and one with the new code can.
func TestLANJoinCodeRotation(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "rotate", 5)
	a, b, c, d, e := newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3), newNode(t, lab, 4), newNode(t, lab, 5)
	startOffice(t, a, b, c, e)
	he, err := e.health()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := c.health()
	if err != nil {
		t.Fatal(err)
	}

	var before joinCode
	if _, err := b.call(t.Context(), "GET", "/api/v1/cluster/join-code", nil, &before); err != nil {
		t.Fatal(err)
	}
	if got, err := peer.ParseJoinCode(before.Code); err != nil || got != testSecret {
		t.Fatalf("shown code %q (%v), want the office's", before.Code, err)
	}

	c.kill()
	if _, err := a.call(t.Context(), "POST", "/api/v1/cluster/remove", map[string]string{"node_id": hc.NodeID}, nil); err != nil {
		t.Fatal(err)
	}
	formed(t, 20*time.Second, a, b, e)
	e.stop() // off during the rotation
	var rotated joinCode
	if status, err := a.call(t.Context(), "POST", "/api/v1/cluster/join-code", nil, &rotated); err != nil || status != http.StatusOK {
		t.Fatalf("rotate: %d %v", status, err)
	}
	if rotated.Code == before.Code || rotated.Epoch != before.Epoch+1 || !slices.Equal(rotated.NotReached, []string{he.NodeID}) {
		t.Fatalf("rotated: %+v, before %+v; want e (%s) not reached", rotated, before, he.NodeID)
	}
	var onB joinCode
	if _, err := b.call(t.Context(), "GET", "/api/v1/cluster/join-code", nil, &onB); err != nil || onB.Code != rotated.Code {
		t.Fatalf("b shows %q (%v), want the new code %q", onB.Code, err, rotated.Code)
	}
	code := a.mustReceive(10)
	converged(t, 20*time.Second, 5, a, b)

	// The member that was off comes back with the new code.
	e.secret = rotated.Code
	e.start()
	formed(t, 30*time.Second, a, b, e)
	converged(t, 20*time.Second, 5, a, b, e)

	// The removed PC comes back: nothing flows either way.
	c.start()
	c.mustReceive(11)
	time.Sleep(5 * time.Second)
	if _, err := c.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err == nil {
		t.Errorf("the removed PC reads dossier %s received after the rotation", code)
	}
	if n, _ := a.dossiers(); n != 5 {
		t.Errorf("the office took the removed PC's dossier: %d dossiers", n)
	}

	// A new PC with the old code is not let in (the removed PC may take
	// it into an office of its own); a new PC with the new one joins.
	d.start()
	time.Sleep(5 * time.Second)
	if s, err := a.status(); err != nil || len(s.Cluster.Members) != 3 {
		t.Fatalf("a PC with the old code was let in: %+v %v", s.Cluster.Members, err)
	}
	d.stop()
	d.dir += "-new"
	d.secret = strings.ToLower(rotated.Code)
	d.start()
	formed(t, 40*time.Second, a, b, e, d)
	converged(t, 20*time.Second, 5, a, b, e, d)
}

// PCs of a data folder from before the office CA (Raft state, no
// peer.json) started with the office's join code end in one office again,
// with all their dossiers.
func TestLANOldDataFolderMigrates(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "migrate", 3)
	nodes := []*lanNode{newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3)}
	startOffice(t, nodes...)
	for _, n := range nodes {
		n.stop()
		if err := os.Remove(filepath.Join(n.dir, "raft", "peer.json")); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		n.start()
	}
	formed(t, 40*time.Second, nodes...)
	nodes[2].mustReceive(4)
	converged(t, 20*time.Second, 4, nodes...)
}

// A PC started without a code (a desktop PC set up on its own) forms an
// office of its own; its admin types the office's code, in any case and
// with spaces, and it joins the office with its dossier.
func TestLANJoinWithTypedCode(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "typed", 3)
	a, b, e := newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3)
	startOffice(t, a, b)
	e.secret = ""
	e.start()
	eventually(t, 20*time.Second, "the PC without a code forms its own office", func() error {
		s, err := e.status()
		if err != nil || s.Cluster.ClusterID == "" || s.Cluster.Leader == "" {
			return fmt.Errorf("%+v %v", s.Cluster, err)
		}
		return nil
	})
	var own joinCode
	if _, err := e.call(t.Context(), "GET", "/api/v1/cluster/join-code", nil, &own); err != nil {
		t.Fatal(err)
	}
	if c, err := peer.ParseJoinCode(own.Code); err != nil || c == testSecret {
		t.Fatalf("the first PC of its own office shows %q (%v)", own.Code, err)
	}
	e.mustReceive(7)

	for _, tc := range []struct {
		code   string
		status int
	}{
		{"bí-mật-của-xã", http.StatusBadRequest},
		{peer.NewJoinCode(), http.StatusNotFound}, // no office in sight has it
	} {
		if status, err := e.call(t.Context(), "POST", "/api/v1/cluster/join", map[string]string{"code": tc.code}, nil); status != tc.status {
			t.Errorf("join with %q: %d %v, want %d", tc.code, status, err, tc.status)
		}
	}
	typed := strings.ToLower(strings.ReplaceAll(peer.FormatJoinCode(testSecret), "-", " "))
	var got joinCode
	if _, err := e.call(t.Context(), "POST", "/api/v1/cluster/join", map[string]string{"code": typed}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Code != peer.FormatJoinCode(testSecret) {
		t.Fatalf("after joining e shows %q, want the office's code", got.Code)
	}
	formed(t, 40*time.Second, a, b, e)
	converged(t, 20*time.Second, 3, a, b, e)
}
