package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/node"
)

type client struct {
	t     *testing.T
	srv   *httptest.Server
	token string
}

func (c *client) do(method, path, body string, hdr ...string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

func (c *client) as(user, password string) *client {
	c.t.Helper()
	anon := &client{t: c.t, srv: c.srv}
	status, out := anon.do("POST", "/api/v1/sessions", `{"username":"`+user+`","password":"`+password+`"}`)
	if status != 201 {
		c.t.Fatalf("login %s: %d %v", user, status, out)
	}
	return &client{t: c.t, srv: c.srv, token: out["token"].(string)}
}

// serveNode opens a real node on a temporary folder (fast password hashing,
// a fixed Monday-morning clock) behind a real HTTP server.
// Options change the node's configuration before it opens.
func serveNode(t *testing.T, opts ...func(*node.Config)) (*node.Node, *httptest.Server) {
	t.Helper()
	cfg := node.Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Version: "test", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, app.VN()) }}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler)
	t.Cleanup(func() { srv.Close(); n.Close() })
	return n, srv
}

func start(t *testing.T) (*node.Node, *client) {
	t.Helper()
	n, srv := serveNode(t)
	admin := (&client{t: t, srv: srv}).as("admin", "admin-password")
	status, out := admin.do("POST", "/api/v1/users", `{"username":"mai","password":"password-mai","full_name":"Phạm Thị Mai","roles":["receiver","specialist","leader"]}`)
	if status != 201 {
		t.Fatalf("create user: %d %v", status, out)
	}
	return n, admin.as("mai", "password-mai")
}

const goodDossier = `{"procedure_code":"1.001193","applicant":{"full_name":"Nguyễn Văn An","id_number":"037090001234","date_of_birth":"1990-05-01","phone":"0912345678","address":"Yên Mô"},"documents":[{"name":"Tờ khai","copies":1}],"note":""}`

// TestBadInputChangesNothing sends bad input of every kind to every
// endpoint that takes input: each gets the documented error shape with a
// Vietnamese message and a code, and the replicated state stays byte for byte.
func TestBadInputChangesNothing(t *testing.T) {
	n, mai := start(t)
	status, d := mai.do("POST", "/api/v1/dossiers", goodDossier)
	if status != 201 {
		t.Fatalf("receive: %d %v", status, d)
	}
	code := d["code"].(string)
	admin := mai.as("admin", "admin-password")
	anon := &client{t: t, srv: mai.srv}
	dossier := func(edit func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(goodDossier), &m)
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	app_ := func(m map[string]any) map[string]any { return m["applicant"].(map[string]any) }
	cases := []struct {
		name, method, path, body string
		who                      *client
		status                   int
		code, field              string
	}{
		{"login empty body", "POST", "/api/v1/sessions", ``, anon, 400, "invalid_json", ""},
		{"login not JSON", "POST", "/api/v1/sessions", `username=admin`, anon, 400, "invalid_json", ""},
		{"login wrong type", "POST", "/api/v1/sessions", `{"username":1,"password":"x"}`, anon, 400, "invalid_json", "username"},
		{"login missing password", "POST", "/api/v1/sessions", `{"username":"admin"}`, anon, 400, "invalid", "password"},
		{"login wrong password", "POST", "/api/v1/sessions", `{"username":"admin","password":"nope-nope"}`, anon, 401, "bad_credentials", ""},
		{"login unknown user", "POST", "/api/v1/sessions", `{"username":"ghost","password":"nope-nope"}`, anon, 401, "bad_credentials", ""},
		{"user unknown field", "POST", "/api/v1/users", `{"username":"lan","password":"lan-mat-khau-7","full_name":"Lan","roles":["receiver"],"x":1}`, admin, 400, "invalid_json", "x"},
		{"user bad name", "POST", "/api/v1/users", `{"username":"Lan Anh","password":"lan-mat-khau-7","full_name":"Lan","roles":["receiver"]}`, admin, 400, "invalid", "username"},
		{"user short password", "POST", "/api/v1/users", `{"username":"lan","password":"short","full_name":"Lan","roles":["receiver"]}`, admin, 400, "weak_password", "password"},
		{"user bad role", "POST", "/api/v1/users", `{"username":"lan","password":"lan-mat-khau-7","full_name":"Lan","roles":["boss"]}`, admin, 400, "invalid", "roles"},
		{"user no role", "POST", "/api/v1/users", `{"username":"lan","password":"lan-mat-khau-7","full_name":"Lan","roles":[]}`, admin, 400, "invalid", "roles"},
		{"user taken", "POST", "/api/v1/users", `{"username":"mai","password":"lan-mat-khau-7","full_name":"Mai","roles":["receiver"]}`, admin, 409, "conflict", "username"},
		{"user by non-admin", "POST", "/api/v1/users", `{"username":"lan","password":"lan-mat-khau-7","full_name":"Lan","roles":["receiver"]}`, mai, 403, "forbidden", ""},
		{"users without token", "GET", "/api/v1/users", ``, anon, 401, "unauthorized", ""},
		{"dossier truncated JSON", "POST", "/api/v1/dossiers", goodDossier[:40], mai, 400, "invalid_json", ""},
		{"dossier two objects", "POST", "/api/v1/dossiers", goodDossier + goodDossier, mai, 400, "invalid_json", ""},
		{"dossier array", "POST", "/api/v1/dossiers", `[]`, mai, 400, "invalid_json", ""},
		{"dossier unknown procedure", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["procedure_code"] = "9.999999" }), mai, 400, "invalid", "procedure_code"},
		{"dossier bad ID", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { app_(m)["id_number"] = "12345" }), mai, 400, "invalid", "applicant.id_number"},
		{"dossier no name", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { app_(m)["full_name"] = "" }), mai, 400, "invalid", "applicant.full_name"},
		{"dossier bad phone", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { app_(m)["phone"] = "12" }), mai, 400, "invalid", "applicant.phone"},
		{"dossier bad birth date", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { app_(m)["date_of_birth"] = "1990-13-01" }), mai, 400, "invalid", "applicant.date_of_birth"},
		{"dossier ID as number", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { app_(m)["id_number"] = 37090001234 }), mai, 400, "invalid_json", "applicant.id_number"},
		{"dossier zero copies", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["documents"] = []any{map[string]any{"name": "x", "copies": 0}} }), mai, 400, "invalid", "documents.0.copies"},
		{"dossier future received_at", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["received_at"] = "2026-03-03T09:00:00+07:00" }), mai, 400, "invalid", "received_at"},
		{"dossier bad received_at", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["received_at"] = "02/03/2026" }), mai, 400, "invalid_json", ""},
		{"dossier online channel at desk", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["channel"] = "online" }), mai, 400, "invalid", "channel"},
		{"dossier long note", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["note"] = strings.Repeat("x", 1001) }), mai, 400, "invalid", "note"},
		{"dossier too large", "POST", "/api/v1/dossiers", dossier(func(m map[string]any) { m["note"] = strings.Repeat("x", 2<<20) }), mai, 413, "too_large", ""},
		{"dossier by admin", "POST", "/api/v1/dossiers", goodDossier, admin, 403, "forbidden", ""},
		{"dossier bad token", "POST", "/api/v1/dossiers", goodDossier, &client{t: t, srv: mai.srv, token: "forged"}, 401, "unauthorized", ""},
		{"action unknown", "POST", "/api/v1/dossiers/" + code + "/actions", `{"action":"approve"}`, mai, 400, "invalid", "action"},
		{"action empty", "POST", "/api/v1/dossiers/" + code + "/actions", `{}`, mai, 400, "invalid", "action"},
		{"action wrong state", "POST", "/api/v1/dossiers/" + code + "/actions", `{"action":"return"}`, mai, 409, "transition_not_allowed", "action"},
		{"action no reason", "POST", "/api/v1/dossiers/" + code + "/actions", `{"action":"apologize","new_due_at":"2026-03-10T17:00:00+07:00"}`, mai, 400, "invalid", "note"},
		{"action apology no date", "POST", "/api/v1/dossiers/" + code + "/actions", `{"action":"apologize","note":"x"}`, mai, 400, "invalid", "new_due_at"},
		{"action bad assignee", "POST", "/api/v1/dossiers/" + code + "/actions", `{"action":"forward","assignee":"ghost"}`, mai, 400, "invalid", "assignee"},
		{"action unknown dossier", "POST", "/api/v1/dossiers/000.00.31.H42-260302-0999/actions", `{"action":"forward"}`, mai, 404, "not_found", ""},
		{"action note type", "POST", "/api/v1/dossiers/" + code + "/actions", `{"action":"forward","note":5}`, mai, 400, "invalid_json", "note"},
		{"list bad status", "GET", "/api/v1/dossiers?status=done", ``, mai, 400, "invalid", "status"},
		{"list bad limit", "GET", "/api/v1/dossiers?limit=-1", ``, mai, 400, "invalid", "limit"},
		{"list huge limit", "GET", "/api/v1/dossiers?limit=100000", ``, mai, 400, "invalid", "limit"},
		{"list bad queue", "GET", "/api/v1/dossiers?queue=all", ``, mai, 400, "invalid", "queue"},
		{"list bad cursor", "GET", "/api/v1/dossiers?after=zz", ``, mai, 400, "invalid", "after"},
		{"list unknown param", "GET", "/api/v1/dossiers?sort=name", ``, mai, 400, "invalid", "sort"},
		{"unknown endpoint", "GET", "/api/v1/nothing", ``, mai, 404, "not_found", ""},
	}
	// Failed sign-ins are recorded in the audit log (issue 13): the state
	// is compared from the first case after them.
	var before string
	for _, tc := range cases {
		if before == "" && tc.path != "/api/v1/sessions" {
			before, _ = n.Store.StateHash()
		}
		t.Run(tc.name, func(t *testing.T) {
			tc.who.t = t
			status, out := tc.who.do(tc.method, tc.path, tc.body)
			e, _ := out["error"].(map[string]any)
			if status != tc.status || e == nil || e["code"] != tc.code {
				t.Fatalf("got %d %v; want %d %s", status, out, tc.status, tc.code)
			}
			if f, _ := e["field"].(string); f != tc.field {
				t.Errorf("field %q, want %q", f, tc.field)
			}
			if msg, _ := e["message"].(string); msg == "" || !isVietnamese(msg) {
				t.Errorf("message %q is not a Vietnamese sentence", msg)
			}
		})
	}
	if after, _ := n.Store.StateHash(); after != before {
		t.Fatal("bad input changed the state")
	}
	// The English switch.
	mai.t = t
	_, out := mai.do("POST", "/api/v1/dossiers", dossier(func(m map[string]any) { app_(m)["id_number"] = "1" }), "Accept-Language", "en-US")
	if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "12 digits") {
		t.Errorf("English message: %q", msg)
	}
}

// isVietnamese: the message uses letters only Vietnamese has.
func isVietnamese(s string) bool {
	return strings.ContainsAny(s, "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐ")
}

func TestHealthAndLifecycleOverHTTP(t *testing.T) {
	_, mai := start(t)
	anon := &client{t: t, srv: mai.srv}
	status, h := anon.do("GET", "/api/v1/health", "")
	if status != 200 || h["status"] != "ok" || h["commune"] != "14701" || h["cluster"].(map[string]any)["state"] != "alone" {
		t.Fatalf("health: %d %v", status, h)
	}
	if _, st := mai.do("GET", "/api/v1/stats", ""); st["on_time_rate"] != nil {
		t.Errorf("on-time rate with nothing processed: %v, want null", st["on_time_rate"])
	}
	_, off := mai.do("GET", "/api/v1/officials", "")
	if items := off["items"].([]any); len(items) != 1 || items[0].(map[string]any)["username"] != "mai" {
		t.Errorf("officials: %v", off)
	} else if _, leak := items[0].(map[string]any)["password_hash"]; leak {
		t.Error("officials leak password hashes")
	}
	_, d := mai.do("POST", "/api/v1/dossiers", goodDossier)
	code := d["code"].(string)
	if d["status"] != "received" || d["due_at"] != "2026-03-02T17:00:00+07:00" || !strings.HasSuffix(d["received_at"].(string), "+07:00") {
		t.Fatalf("received dossier: %v", d)
	}
	steps := []struct{ body, status string }{
		{`{"action":"forward","assignee":"mai"}`, "processing"},
		{`{"action":"request_supplement","note":"Thiếu giấy chứng sinh"}`, "supplement_requested"},
		{`{"action":"supplement"}`, "processing"},
		{`{"action":"resolve"}`, "result_ready"},
		{`{"action":"return","note":"Đã trả tận tay"}`, "returned"},
	}
	for _, s := range steps {
		st, out := mai.do("POST", "/api/v1/dossiers/"+code+"/actions", s.body)
		if st != 200 || out["status"] != s.status {
			t.Fatalf("%s: %d %v", s.body, st, out)
		}
	}
	_, d = mai.do("GET", "/api/v1/dossiers/"+code, "")
	hist := d["history"].([]any)
	if len(hist) != 6 || hist[5].(map[string]any)["to"] != "returned" || len(d["allowed_actions"].([]any)) != 0 {
		t.Fatalf("history %v allowed %v", hist, d["allowed_actions"])
	}
	_, list := mai.do("GET", "/api/v1/dossiers?q=nguyen%20van%20an", "")
	if items := list["items"].([]any); len(items) != 1 {
		t.Fatalf("search without diacritics: %v", list)
	}
	if _, st := mai.do("GET", "/api/v1/stats", ""); st["on_time_rate"] != 1.0 {
		t.Errorf("on-time rate after one on-time return: %v", st["on_time_rate"])
	}
	st, _ := mai.do("DELETE", "/api/v1/sessions/current", "")
	if st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := mai.do("GET", "/api/v1/me", ""); st != 401 {
		t.Fatalf("token still valid after logout: %d", st)
	}
}
