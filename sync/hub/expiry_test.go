package hub_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http/httptest"
	"testing"
	"time"

	"xaso/app/argon2id"
	"xaso/sync/hub"
	"xaso/sync/uplink"
)

// A token not used within its time is refused, and stays unused.
func TestExpiredToken(t *testing.T) {
	db := openStorage(t)
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	h, err := hub.New(hub.Config{Storage: db, Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	token, err := hub.NewToken(db, "14701", "", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(25 * time.Hour)
	key := newKey(t)
	st, out, err := call(srv.URL, "", "POST", uplink.PathEnrol, uplink.EnrolRequest{Token: token, Commune: "14701", Node: "ntest0001",
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
	if err != nil || st != 401 || out["error"].(map[string]any)["code"] != "enrolment_token_expired" {
		t.Fatalf("expired token: %d %v %v", st, out, err)
	}
}
