package api_test

import "testing"

// The join code lets a PC into the office: only an admin may read it,
// change it or type another office's; a PC working alone has none.
func TestJoinCodeIsForAdminsOnly(t *testing.T) {
	_, srv := serveNode(t)
	anon := &client{t: t, srv: srv}
	admin := anon.as("admin", "admin-password")
	if status, out := admin.do("POST", "/api/v1/users", `{"username":"mai","password":"password-mai","full_name":"Phạm Thị Mai","roles":["receiver","specialist","leader"]}`); status != 201 {
		t.Fatalf("create user: %d %v", status, out)
	}
	mai := admin.as("mai", "password-mai")
	for _, tc := range []struct {
		who    string
		c      *client
		status int
		code   string
	}{
		{"signed out", anon, 401, "unauthorized"},
		{"not an admin", mai, 403, "forbidden"},
		{"admin of a PC working alone", admin, 409, "conflict"},
	} {
		for _, req := range [][3]string{
			{"GET", "/api/v1/cluster/join-code", ""},
			{"POST", "/api/v1/cluster/join-code", ""},
			{"POST", "/api/v1/cluster/join", `{"code":"ABCD"}`},
		} {
			status, out := tc.c.do(req[0], req[1], req[2])
			errObj, _ := out["error"].(map[string]any)
			if status != tc.status || errObj["code"] != tc.code || out["code"] != nil {
				t.Errorf("%s: %s %s → %d %v, want %d %s", tc.who, req[0], req[1], status, out, tc.status, tc.code)
			}
		}
	}
}
