package cluster_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"xaso/sync/netns"
	"xaso/sync/peer"
)

type joinCode struct {
	Code       string   `json:"code"`
	Epoch      int      `json:"epoch"`
	NotReached []string `json:"not_reached"`
}

// The admin rotates the join code after removing a PC: the members take
// the new one, the removed PC is locked out when it comes back, a PC with
// the old code cannot join, and one with the new code can.
func TestLANJoinCodeRotation(t *testing.T) {
	t.Parallel()
	lab := netns.New(t, "rotate", 4)
	a, b, c, d := newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3), newNode(t, lab, 4)
	startOffice(t, a, b, c)
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
	formed(t, 20*time.Second, a, b)
	var rotated joinCode
	if status, err := a.call(t.Context(), "POST", "/api/v1/cluster/join-code", nil, &rotated); err != nil || status != http.StatusOK {
		t.Fatalf("rotate: %d %v", status, err)
	}
	if rotated.Code == before.Code || rotated.Epoch != before.Epoch+1 || len(rotated.NotReached) != 0 {
		t.Fatalf("rotated: %+v, before %+v", rotated, before)
	}
	var onB joinCode
	if _, err := b.call(t.Context(), "GET", "/api/v1/cluster/join-code", nil, &onB); err != nil || onB.Code != rotated.Code {
		t.Fatalf("b shows %q (%v), want the new code %q", onB.Code, err, rotated.Code)
	}
	code := a.mustReceive(10)
	converged(t, 20*time.Second, 4, a, b)

	// The removed PC comes back: nothing flows either way.
	c.start()
	c.mustReceive(11)
	time.Sleep(5 * time.Second)
	if _, err := c.call(t.Context(), "GET", "/api/v1/dossiers/"+code, nil, nil); err == nil {
		t.Errorf("the removed PC reads dossier %s received after the rotation", code)
	}
	if n, _ := a.dossiers(); n != 4 {
		t.Errorf("the office took the removed PC's dossier: %d dossiers", n)
	}

	// A new PC with the old code is not let in (the removed PC may take
	// it into an office of its own); a new PC with the new one joins.
	d.start()
	time.Sleep(5 * time.Second)
	if s, err := a.status(); err != nil || len(s.Cluster.Members) != 2 {
		t.Fatalf("a PC with the old code was let in: %+v %v", s.Cluster.Members, err)
	}
	d.stop()
	d.dir += "-new"
	d.secret = strings.ToLower(rotated.Code)
	d.start()
	formed(t, 40*time.Second, a, b, d)
	converged(t, 20*time.Second, 4, a, b, d)
}
