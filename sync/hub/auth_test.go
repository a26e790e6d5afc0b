package hub_test

import (
	"fmt"
	"net/http/httptest"
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
