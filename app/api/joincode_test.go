package api_test

import "testing"

// The join code lets a PC into the office: only an admin may read or
// change it; a PC working alone has none.
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
		for _, method := range []string{"GET", "POST"} {
			status, out := tc.c.do(method, "/api/v1/cluster/join-code", "")
			errObj, _ := out["error"].(map[string]any)
			if status != tc.status || errObj["code"] != tc.code || out["code"] != nil {
				t.Errorf("%s: %s → %d %v, want %d %s", tc.who, method, status, out, tc.status, tc.code)
			}
		}
	}
}
