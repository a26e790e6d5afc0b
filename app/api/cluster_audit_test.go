package api_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"xaso/app/api"
)

// fakeCluster is a cluster whose admin actions always succeed.
type fakeCluster struct{}

func (fakeCluster) Status(bool) (any, error)             { return map[string]any{"state": "leader"}, nil }
func (fakeCluster) Remove(context.Context, string) error { return nil }
func (fakeCluster) Recover(context.Context) error        { return nil }
func (fakeCluster) JoinCode() (api.JoinCode, error)      { return api.JoinCode{}, nil }
func (fakeCluster) RotateJoinCode(context.Context) (api.JoinCode, error) {
	return api.JoinCode{}, nil
}
func (fakeCluster) JoinWithCode(context.Context, string) (api.JoinCode, error) {
	return api.JoinCode{}, nil
}

// TestClusterActionsAudited: an admin's remove and recover go to the audit log.
func TestClusterActionsAudited(t *testing.T) {
	n, _ := serveNode(t)
	h := api.New(api.Config{Service: n.Service, Health: n.Health})
	h.MountCluster(fakeCluster{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	admin := (&client{t: t, srv: srv}).as("admin", "admin-password")
	if st, out := admin.do("POST", "/api/v1/cluster/remove", `{"node_id":"n-dead-pc"}`); st != 200 {
		t.Fatalf("remove: %d %v", st, out)
	}
	if st, out := admin.do("POST", "/api/v1/cluster/recover", ``); st != 200 {
		t.Fatalf("recover: %d %v", st, out)
	}
	_, out := admin.do("GET", "/api/v1/audit", "")
	seen := map[string]string{}
	for _, it := range out["items"].([]any) {
		e := it.(map[string]any)
		d, _ := e["detail"].(string)
		seen[e["event"].(string)] = e["actor"].(string) + " " + d
	}
	if seen["cluster_remove"] != "admin node=n-dead-pc" || seen["cluster_recover"] != "admin " {
		t.Fatalf("audit %v", seen)
	}
}
