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

// TestNamePCOverHTTP: an admin names a PC (POST /cluster/names) and the
// name is stored; another official may not, and a request without a PC
// answers 400 on its field.
func TestNamePCOverHTTP(t *testing.T) {
	n, _ := serveNode(t)
	h := api.New(api.Config{Service: n.Service, Health: n.Health})
	h.MountCluster(fakeCluster{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	admin := (&client{t: t, srv: srv}).as("admin", "admin-password")
	if st, out := admin.do("POST", "/api/v1/users", `{"username":"motcua","password":"Mot-Cua-2026!","full_name":"Một Cửa","roles":["receiver"]}`); st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	desk := (&client{t: t, srv: srv}).as("motcua", "Mot-Cua-2026!")
	for _, tc := range []struct {
		who   *client
		body  string
		want  int
		field string
	}{
		{admin, `{"node_id":"n0123456789abcdef","name":"Tiếp nhận 2"}`, 200, ""},
		{desk, `{"node_id":"n0123456789abcdef","name":"Của tôi"}`, 403, ""},
		{admin, `{"name":"Máy"}`, 400, "node_id"},
		{admin, `{"node_id":"n0123456789abcdef","name":"x","extra":1}`, 400, ""},
	} {
		st, out := tc.who.do("POST", "/api/v1/cluster/names", tc.body)
		if st != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.body, st, out, tc.want)
		}
		if tc.field != "" {
			if e, _ := out["error"].(map[string]any); e["field"] != tc.field {
				t.Errorf("%s: error %v, want field %s", tc.body, out, tc.field)
			}
		}
	}
	names, err := n.Store.PCNames()
	if err != nil || names["n0123456789abcdef"] != "Tiếp nhận 2" {
		t.Fatalf("stored names %v %v", names, err)
	}
}
