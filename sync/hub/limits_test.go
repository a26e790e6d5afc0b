package hub_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/uplink"
)

// An address that keeps failing at the uplink's doors is held back: ten
// refused enrolments, then even a good token waits; thirty refused
// signatures, then even a good signature waits, and so does a nonce.
func TestAddressLimits(t *testing.T) {
	hubDir, _ := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	tok := func() string {
		return must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	}
	key := newKey(t)
	_, en := enrolRaw(t, hub, tok(), "14701", key)
	inst := en["installation"].(string)
	good := tok()
	for i := range 10 {
		if st, out := enrolRaw(t, hub, "AAAA-BBBB-CCC"+string(rune('A'+i)), "14701", newKey(t)); st != 401 {
			t.Fatalf("guess %d: %d %v", i, st, out)
		}
	}
	if st, out := enrolRaw(t, hub, good, "14701", newKey(t)); st != 429 || out["error"].(map[string]any)["code"] != app.ETooMany {
		t.Fatalf("a good token after ten refusals from the address: %d %v", st, out)
	}
	stranger := newKey(t)
	for i := range 30 {
		if st, code := send(t, signedRequest(t, hub.url, "GET", uplink.PathStatus, inst, stranger, nil), nil); st != 401 || code != "bad_signature" {
			t.Fatalf("bad signature %d: %d %q", i, st, code)
		}
	}
	res, err := http.Get(hub.url + uplink.PathNonce)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("a nonce after thirty refused signatures: %d", res.StatusCode)
	}
	if n := hubCommands(t, hub); n != 0 {
		t.Fatalf("%v commands kept", n)
	}
}

// Roles: only provincial IT (admin) enrols, revokes, publishes and submits
// online dossiers; a viewer reads; a user with neither role gets nothing;
// an office's key is no IT session.
func TestHubRoles(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "hub"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hasher := argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}
	if _, err := hub.EnsureAdmin(db, hasher, hubPassword); err != nil {
		t.Fatal(err)
	}
	for name, roles := range map[string][]string{"xem": {hub.RoleViewer}, "khach": nil} {
		hash, err := hasher.Hash(hubPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutUser(hub.User{Username: name, PasswordHash: hash, Roles: roles}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := hub.New(hub.Config{Storage: db, Hasher: hasher})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	it, viewer, nobody := login(t, srv.URL, "admin", hubPassword), login(t, srv.URL, "xem", hubPassword), login(t, srv.URL, "khach", hubPassword)
	token := must(t, 201, srv.URL, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	dossier := map[string]any{"procedure_code": "1.004873", "applicant": applicant(0)}
	publish := map[string]any{"communes": "all", "kind": app.KindCalendarPublish, "body": map[string]any{}}
	cases := []struct {
		who, token, method, path string
		body                     any
		status                   int
	}{
		{"viewer", viewer, "GET", "/api/v1/communes", nil, 200},
		{"viewer", viewer, "GET", "/api/v1/communes/14701/dossiers", nil, 200},
		{"viewer", viewer, "POST", "/api/v1/communes/14701/enrolments", nil, 403},
		{"viewer", viewer, "POST", "/api/v1/communes/14701/enrolments/revoke", map[string]string{"token": token}, 403},
		{"viewer", viewer, "POST", "/api/v1/communes/14701/dossiers", dossier, 403},
		{"viewer", viewer, "POST", "/api/v1/publish", publish, 403},
		{"no role", nobody, "GET", "/api/v1/communes", nil, 403},
		{"no role", nobody, "GET", "/api/v1/communes/14701", nil, 403},
		{"no role", nobody, "POST", "/api/v1/communes/14701/enrolments", nil, 403},
	}
	for _, c := range cases {
		st, out, err := call(srv.URL, c.token, c.method, c.path, c.body)
		if err != nil || st != c.status {
			t.Errorf("%s %s %s: %d %v %v, want %d", c.who, c.method, c.path, st, out, err, c.status)
		}
	}
	// The token a viewer tried to revoke still enrols; the office's key then
	// signs uplink requests, and an IT endpoint does not take it.
	key := newKey(t)
	st, en := enrolRaw(t, &proc{url: srv.URL}, token, "14701", key)
	if st != 200 {
		t.Fatalf("enrol: %d %v", st, en)
	}
	inst := en["installation"].(string)
	r := signedRequest(t, srv.URL, "GET", "/api/v1/communes", inst, key, nil)
	if st, code := send(t, r, nil); st != 401 || code != app.EUnauthorized {
		t.Fatalf("an office's key on an IT endpoint: %d %q", st, code)
	}
	// IT revokes the installation (a leaked token enrolled it): its key is
	// refused from then on; a viewer cannot do it.
	if st, code := send(t, signedRequest(t, srv.URL, "GET", uplink.PathStatus, inst, key, nil), nil); st != 200 {
		t.Fatalf("status before the revocation: %d %q", st, code)
	}
	revoke := "/api/v1/communes/14701/installations/" + inst + "/revoke"
	if st, _, _ := call(srv.URL, viewer, "POST", revoke, nil); st != 403 {
		t.Fatalf("a viewer revokes an installation: %d", st)
	}
	must(t, 200, srv.URL, it, "POST", revoke, nil)
	if st, code := send(t, signedRequest(t, srv.URL, "GET", uplink.PathStatus, inst, key, nil), nil); st != 401 || code != uplink.EKeyRevoked {
		t.Fatalf("status after the revocation: %d %q", st, code)
	}
	if st, _, _ := call(srv.URL, it, "POST", "/api/v1/communes/14704/installations/"+inst+"/revoke", nil); st != 404 {
		t.Fatalf("another commune's installation: %d", st)
	}
}

// A stream of invented tokens does not make the hub read its enrolment
// folder each time; a token `xaso hub enrol` wrote is still found.
func TestPendingTokensLookedUpSparingly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hub")
	db, err := boltstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	pending := filepath.Join(dir, "enrolments")
	h, err := hub.New(hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		PendingDir: pending, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	p := &proc{url: srv.URL}
	for i := range 8 {
		if st, _ := enrolRaw(t, p, "AAAA-BBBB-CCC"+string(rune('A'+i)), "14701", newKey(t)); st != 401 {
			t.Fatalf("guess %d: %d", i, st)
		}
		now = now.Add(2 * time.Second)
	}
	if n := h.ImportRunsForTest(); n > 1 {
		t.Fatalf("eight invented tokens read the enrolment folder %d times", n)
	}
	token, err := hub.WritePending(pending, "14701", "", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	if st, out := enrolRaw(t, p, token, "14701", newKey(t)); st != 200 {
		t.Fatalf("a token written by xaso hub enrol: %d %v", st, out)
	}
}

// Behind a reverse proxy the hub counts refusals against the address the
// proxy saw (X-Forwarded-For), but only from a proxy it was told to trust:
// anyone else's header changes nothing.
func TestLimitsBehindProxy(t *testing.T) {
	for _, trust := range []bool{true, false} {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "hub"), nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}}
		if trust {
			cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}
		h, err := hub.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		enrol := func(from string) int {
			body, _ := json.Marshal(uplink.EnrolRequest{Token: "AAAA-BBBB-CCCC", Commune: "14701", Node: "ntest0001",
				PublicKey: base64.StdEncoding.EncodeToString(newKey(t).Public().(ed25519.PublicKey))})
			r, _ := http.NewRequest("POST", srv.URL+uplink.PathEnrol, bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Forwarded-For", "198.51.100.7, "+from)
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		for i := range 10 {
			// The same address as proxies write it: bare, with a port, bracketed.
			from := []string{"203.0.113.5", fmt.Sprintf("203.0.113.5:%d", 40000+i), "[::ffff:203.0.113.5]", "[::ffff:203.0.113.5]:443"}[i%4]
			if !trust {
				from = fmt.Sprintf("203.0.113.%d", 10+i) // a spoofed header per guess
			}
			if st := enrol(from); st != 401 {
				t.Fatalf("trust %v, guess %d: %d", trust, i, st)
			}
		}
		want := map[bool]int{true: 401, false: 429}[trust]
		if st := enrol("203.0.113.6"); st != want {
			t.Errorf("trust %v: another office behind the proxy: %d, want %d", trust, st, want)
		}
		if trust {
			if st := enrol("203.0.113.5"); st != 429 {
				t.Errorf("the guessing address behind the proxy: %d, want 429", st)
			}
		}
		srv.Close()
		db.Close()
	}
}
