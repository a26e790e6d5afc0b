package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"xaso/app/argon2id"
	"xaso/sync/hub"
)

// IT signs in; five wrong passwords in a row hold the name back for a
// while, even from the right one; a request without a session is refused.
func TestSignInLimits(t *testing.T) {
	db := openStorage(t)
	hasher := argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}
	if created, err := hub.EnsureAdmin(db, hasher, "short"); err == nil || created {
		t.Fatalf("a weak admin password was taken: %v", err)
	}
	if _, err := hub.EnsureAdmin(db, hasher, hubPassword); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	h, err := hub.New(hub.Config{Storage: db, Hasher: hasher, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	if st, _, _ := call(srv.URL, "", "GET", "/api/v1/communes", nil); st != 401 {
		t.Fatalf("no session: %d", st)
	}
	for range 5 {
		if st, _, _ := call(srv.URL, "", "POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": "sai-mat-khau"}); st != 401 {
			t.Fatalf("a wrong password: %d", st)
		}
	}
	// Sign-ins under ten thousand invented names do not wipe the admin's count.
	for i := range 10050 {
		if st, _, _ := call(srv.URL, "", "POST", "/api/v1/sessions", map[string]string{"username": fmt.Sprintf("ten-bia-%d", i), "password": "x"}); st != 401 {
			t.Fatalf("an invented name: %d", st)
		}
	}
	st, out, _ := call(srv.URL, "", "POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": hubPassword})
	if st != 429 || out["error"].(map[string]any)["code"] != "too_many_attempts" {
		t.Fatalf("after five failures: %d %v", st, out)
	}
	now = now.Add(16 * time.Minute)
	token := must(t, 201, srv.URL, "", "POST", "/api/v1/sessions", map[string]string{"username": "admin", "password": hubPassword})["token"].(string)
	must(t, 200, srv.URL, token, "GET", "/api/v1/communes", nil)
}

// A guesser behind the province's proxy locks out only his own address:
// the official signing in from another one still gets in.
func TestSignInLockoutPerAddress(t *testing.T) {
	url, _ := inProcessHub(t, hub.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	signIn := func(from, password string) int {
		raw, _ := json.Marshal(map[string]string{"username": "admin", "password": password})
		r, _ := http.NewRequest("POST", url+"/api/v1/sessions", bytes.NewReader(raw))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Forwarded-For", from)
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range 5 {
		if st := signIn("203.0.113.66", "sai-mat-khau"); st != 401 {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	if st := signIn("203.0.113.66", hubPassword); st != 429 {
		t.Fatalf("the guessing address after five failures: %d, want 429", st)
	}
	if st := signIn("198.51.100.20", hubPassword); st != 201 {
		t.Fatalf("the official from another address: %d, want 201", st)
	}
}
