package cluster_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"xaso/sync/netns/netnstest"
)

// The admin's two cluster actions. A PC that died is removed, so the
// other two keep a quorum of their own; when one of those dies too, the
// last PC is recovered as a new one-node cluster and replicates again; the
// PC that comes back later merges into it. Bad requests change nothing.
func TestLANRemoveDeadPCThenRecover(t *testing.T) {
	t.Parallel()
	lab := netnstest.New(t, "admin", 3)
	a, b, c := newNode(t, lab, 1), newNode(t, lab, 2), newNode(t, lab, 3)
	startOffice(t, a, b, c)
	ids := map[*lanNode]string{}
	for _, n := range []*lanNode{a, b, c} {
		h, err := n.health()
		if err != nil {
			t.Fatal(err)
		}
		ids[n] = h.NodeID
	}

	// Refused: a node that is not a member, an empty ID, recovering a
	// cluster that has a leader.
	for _, tc := range []struct {
		path string
		body any
		want int
		code string
	}{
		{"/api/v1/cluster/remove", map[string]string{"node_id": "no-such-pc"}, http.StatusNotFound, "not_found"},
		{"/api/v1/cluster/remove", map[string]string{"node_id": ""}, http.StatusBadRequest, "invalid"},
		{"/api/v1/cluster/recover", nil, http.StatusConflict, "conflict"},
	} {
		status, err := a.call(t.Context(), "POST", tc.path, tc.body, nil)
		if status != tc.want || err == nil || !strings.Contains(err.Error(), `"code":"`+tc.code) {
			t.Errorf("POST %s %v: %d %v, want %d %s", tc.path, tc.body, status, err, tc.want, tc.code)
		}
	}
	if s, err := a.status(); err != nil || len(s.Cluster.Members) != 3 {
		t.Fatalf("a refused request changed the cluster: %+v %v", s, err)
	}

	// c dies for good; the admin removes it (asking a, which forwards to
	// the leader when it is not one).
	c.kill()
	if _, err := a.call(t.Context(), "POST", "/api/v1/cluster/remove", map[string]string{"node_id": ids[c]}, nil); err != nil {
		t.Fatal(err)
	}
	formed(t, 20*time.Second, a, b)
	a.mustReceive(10)
	b.mustReceive(11)
	converged(t, 20*time.Second, 5, a, b)

	// b dies too: a has no quorum, keeps receiving, and cannot replicate.
	b.kill()
	for k := range 3 {
		a.mustReceive(20 + k)
	}
	eventually(t, 20*time.Second, "a without a leader", func() error {
		s, err := a.status()
		if err != nil {
			return err
		}
		if s.Cluster.Leader != "" || s.Unreplicated != 3 {
			return fmt.Errorf("leader %q, %d unreplicated; want none and 3", s.Cluster.Leader, s.Unreplicated)
		}
		return nil
	})
	var st struct {
		Cluster struct {
			ClusterID string `json:"cluster_id"`
		} `json:"cluster"`
	}
	old, _ := a.status()
	if _, err := a.call(t.Context(), "POST", "/api/v1/cluster/recover", nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.Cluster.ClusterID == "" || st.Cluster.ClusterID == old.Cluster.ClusterID {
		t.Errorf("recover: cluster %q, was %q; want a new one", st.Cluster.ClusterID, old.Cluster.ClusterID)
	}
	eventually(t, 20*time.Second, "a leads its own cluster and has replicated", func() error {
		s, err := a.status()
		if err != nil {
			return err
		}
		if s.Cluster.Leader != ids[a] || len(s.Cluster.Members) != 1 || s.Unreplicated != 0 {
			return fmt.Errorf("leader %q, %d members, %d unreplicated", s.Cluster.Leader, len(s.Cluster.Members), s.Unreplicated)
		}
		return nil
	})
	a.mustReceive(30)

	// b comes back with its old Raft state and merges into a's cluster.
	b.start()
	b.mustReceive(31)
	formed(t, 60*time.Second, a, b)
	converged(t, 30*time.Second, 10, a, b)
}
