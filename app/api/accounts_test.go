package api_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app/argon2id"
	"xaso/app/node"
)

// TestWeakPasswordsRefused: creating a user, resetting a password and
// changing one's own refuse a weak password with 400 weak_password and
// change nothing.
func TestWeakPasswordsRefused(t *testing.T) {
	n, mai := start(t)
	admin := mai.as("admin", "admin-password")
	weak := map[string]string{
		"too short":     "ab1-xy",
		"the user name": "LanThiHoa", // the user created below; mai's own name is short as well
		"common":        "12345678",
		"common upper":  "PassWord123",
		"vietnamese":    "matkhau123",
		"all spaces":    "          ",
		"controls":      "\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b",
		"one character": "zzzzzzzzzz",
	}
	mine := func(pw string) string { // the user-name case for mai
		if pw == weak["the user name"] {
			return "mai"
		}
		return pw
	}
	before, _ := n.Store.StateHash()
	for name, pw := range weak {
		t.Run(name, func(t *testing.T) {
			admin.t, mai.t = t, t
			for _, c := range []struct {
				who        *client
				path, body string
			}{
				{admin, "/api/v1/users", `{"username":"lanthihoa","password":` + jsonString(pw) + `,"full_name":"Lan Thị Hoa","roles":["receiver"]}`},
				{admin, "/api/v1/users/mai/password", `{"password":` + jsonString(mine(pw)) + `}`},
				{mai, "/api/v1/me/password", `{"old_password":"password-mai","password":` + jsonString(mine(pw)) + `}`},
			} {
				status, out := c.who.do("POST", c.path, c.body)
				if code, field := errCode(out); status != 400 || code != "weak_password" || field != "password" {
					t.Errorf("POST %s with %q: %d %v; want 400 weak_password", c.path, pw, status, out)
				}
			}
		})
	}
	admin.t, mai.t = t, t
	if after, _ := n.Store.StateHash(); after != before {
		t.Fatal("a refused password changed the state")
	}
	if status, out := admin.do("POST", "/api/v1/users", `{"username":"lanthihoa","password":"hoa-mùa-thu-2026","full_name":"Lan Thị Hoa","roles":["receiver"]}`); status != 201 {
		t.Fatalf("a good password: %d %v", status, out)
	}
}

// TestSignInThrottledAndAudited: after a few failures a user name must
// wait (429 too_many_attempts, even with the right password), and the admin
// reads the failures and sign-ins in the audit log.
func TestSignInThrottledAndAudited(t *testing.T) {
	_, mai := start(t)
	anon := &client{t: t, srv: mai.srv}
	var last int
	for i := 0; i < 8; i++ {
		last, _ = anon.do("POST", "/api/v1/sessions", `{"username":"mai","password":"wrong-password"}`)
	}
	if last != 429 {
		t.Fatalf("the 8th wrong password: %d, want 429", last)
	}
	status, out := anon.do("POST", "/api/v1/sessions", `{"username":"mai","password":"password-mai"}`)
	if code, _ := errCode(out); status != 429 || code != "too_many_attempts" {
		t.Fatalf("the right password while waiting: %d %v, want 429 too_many_attempts", status, out)
	}
	admin := mai.as("admin", "admin-password") // another user from the same address still signs in
	status, out = admin.do("GET", "/api/v1/audit?limit=50", "")
	if status != 200 {
		t.Fatalf("audit: %d %v", status, out)
	}
	events := map[string]int{}
	for _, it := range out["items"].([]any) {
		e := it.(map[string]any)
		events[e["event"].(string)+"/"+e["username"].(string)]++
	}
	if events["signin_failed/mai"] < 6 || events["signin/admin"] < 1 || events["signin_throttled/mai"] < 1 || events["user_create/mai"] != 1 {
		t.Fatalf("audit events %v", events)
	}
	if status, _ := mai.do("GET", "/api/v1/audit", ""); status != 403 {
		t.Fatalf("audit read by a non-admin: %d, want 403", status)
	}
	// Pages: newest first, and the cursor continues where the page ended.
	_, p1 := admin.do("GET", "/api/v1/audit?limit=3", "")
	_, p2 := admin.do("GET", "/api/v1/audit?limit=3&before="+p1["next"].(string), "")
	a, b := p1["items"].([]any), p2["items"].([]any)
	if len(a) != 3 || len(b) != 3 || a[2].(map[string]any)["at"].(string) < b[0].(map[string]any)["at"].(string) {
		t.Fatalf("pages %v then %v", a, b)
	}
}

// countingHasher records how many password hashes run at once.
type countingHasher struct {
	argon2id.Hasher
	now, peak atomic.Int32
}

func (c *countingHasher) Verify(hash, password string) bool {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	time.Sleep(20 * time.Millisecond)
	return c.Hasher.Verify(hash, password)
}

// TestPasswordHashingBounded: 40 parallel sign-ins never run more than two
// password hashes at once (each takes 12 MiB in production).
func TestPasswordHashingBounded(t *testing.T) {
	h := &countingHasher{Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}}
	_, srv := serveNode(t, func(c *node.Config) { c.Hasher = h })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := []string{"admin", "ghost"}[i%2]
			c := &client{t: t, srv: srv}
			c.do("POST", "/api/v1/sessions", `{"username":"`+user+`","password":"wrong-password"}`)
		}()
	}
	wg.Wait()
	if p := h.peak.Load(); p > 2 || p < 1 {
		t.Fatalf("%d password hashes ran at once, want at most 2", p)
	}
}

// TestUserAdministration: an admin changes roles, disables a user (whose
// session answers 401 at once) and resets a password (old sessions end);
// a user changes their own password; the last admin cannot lock themselves out.
func TestUserAdministration(t *testing.T) {
	_, mai := start(t)
	admin := mai.as("admin", "admin-password")
	second := mai.as("mai", "password-mai")

	if status, _ := mai.do("PATCH", "/api/v1/users/admin", `{"disabled":true}`); status != 403 {
		t.Fatalf("PATCH by a non-admin: %d, want 403", status)
	}
	status, out := admin.do("PATCH", "/api/v1/users/mai", `{"roles":["receiver"],"full_name":"Phạm Thị Mai Anh"}`)
	if status != 200 || out["full_name"] != "Phạm Thị Mai Anh" || len(out["roles"].([]any)) != 1 {
		t.Fatalf("PATCH roles: %d %v", status, out)
	}
	if status, out := mai.do("GET", "/api/v1/me", ""); status != 200 || len(out["roles"].([]any)) != 1 {
		t.Fatalf("roles after PATCH: %d %v", status, out)
	}
	for _, c := range []struct{ body, code string }{
		{`{"roles":["boss"]}`, "invalid"}, {`{}`, "invalid"}, {`{"disabled":"yes"}`, "invalid_json"}, {`{"password":"x"}`, "invalid_json"},
	} {
		if status, out := admin.do("PATCH", "/api/v1/users/mai", c.body); status != 400 {
			t.Errorf("PATCH %s: %d %v, want 400 %s", c.body, status, out, c.code)
		} else if code, _ := errCode(out); code != c.code {
			t.Errorf("PATCH %s: %v, want %s", c.body, out, c.code)
		}
	}
	if status, _ := admin.do("PATCH", "/api/v1/users/ghost", `{"disabled":true}`); status != 404 {
		t.Fatalf("PATCH unknown user: %d, want 404", status)
	}
	if status, out := admin.do("PATCH", "/api/v1/users/admin", `{"disabled":true}`); status != 409 {
		t.Fatalf("disabling the last admin: %d %v, want 409", status, out)
	}

	// Disable: both of mai's sessions end at once; she cannot sign in.
	if status, out := admin.do("PATCH", "/api/v1/users/mai", `{"disabled":true}`); status != 200 || out["disabled"] != true {
		t.Fatalf("disable: %d %v", status, out)
	}
	for _, c := range []*client{mai, second} {
		if status, _ := c.do("GET", "/api/v1/me", ""); status != 401 {
			t.Fatalf("a disabled user's session: %d, want 401", status)
		}
	}
	anon := &client{t: t, srv: mai.srv}
	if status, _ := anon.do("POST", "/api/v1/sessions", `{"username":"mai","password":"password-mai"}`); status != 401 {
		t.Fatalf("a disabled user signs in: %d, want 401", status)
	}
	// Enabling again does not bring the old sessions back.
	admin.do("PATCH", "/api/v1/users/mai", `{"disabled":false}`)
	if status, _ := mai.do("GET", "/api/v1/me", ""); status != 401 {
		t.Fatalf("an old session after re-enabling: %d, want 401", status)
	}

	// Reset: the old password and sessions stop working, the new one works.
	mai = admin.as("mai", "password-mai")
	if status, out := admin.do("POST", "/api/v1/users/mai/password", `{"password":"mai-mới-đặt-2026"}`); status != 204 {
		t.Fatalf("reset: %d %v", status, out)
	}
	if status, _ := mai.do("GET", "/api/v1/me", ""); status != 401 {
		t.Fatalf("a session after a reset: %d, want 401", status)
	}
	mai = admin.as("mai", "mai-mới-đặt-2026")

	// Self: the old password is checked; the answer is a new session.
	if status, out := mai.do("POST", "/api/v1/me/password", `{"old_password":"nope-nope","password":"mai-lần-hai-2026"}`); status != 400 {
		t.Fatalf("self change, wrong old password: %d %v", status, out)
	}
	status, out = mai.do("POST", "/api/v1/me/password", `{"old_password":"mai-mới-đặt-2026","password":"mai-lần-hai-2026"}`)
	if status != 200 || out["token"] == nil {
		t.Fatalf("self change: %d %v", status, out)
	}
	if status, _ := mai.do("GET", "/api/v1/me", ""); status != 401 {
		t.Fatalf("the session that changed its password: %d, want 401 (the new token replaces it)", status)
	}
	fresh := &client{t: t, srv: mai.srv, token: out["token"].(string)}
	if status, _ := fresh.do("GET", "/api/v1/me", ""); status != 200 {
		t.Fatalf("the new token: %d", status)
	}
	admin.as("mai", "mai-lần-hai-2026")

	_, out = admin.do("GET", "/api/v1/audit", "")
	var events []string
	for _, it := range out["items"].([]any) {
		events = append(events, it.(map[string]any)["event"].(string))
	}
	for _, want := range []string{"user_update", "password_reset", "password_change"} {
		if !strings.Contains(strings.Join(events, " "), want) {
			t.Errorf("audit has no %s: %v", want, events)
		}
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
