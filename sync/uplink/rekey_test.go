package uplink_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/uplink"
)

// The office's key is replaced while it runs: IT issues a --replaces
// token (a PC was stolen, it carries the key), the office is given it and
// makes a new key; the old one is revoked at the hub. After IT revokes the
// installation, a new token lets the office make a new key again.
func TestOfficeReplacesItsKey(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "hub"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hasher := argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}
	const pw = "mat-khau-cua-tinh-2026"
	if _, err := hub.EnsureAdmin(db, hasher, pw); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(hub.Config{Storage: db, Hasher: hasher})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	token := func(replaces string) string {
		tok, err := hub.NewToken(db, "14701", replaces, time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	st := officeStore(t)
	first := token("")
	if err := newUplinkToken(t, st, srv.URL, first).Sync(ctx); err != nil {
		t.Fatalf("enrol: %v", err)
	}
	inst, _, _ := st.Installation()
	pub := func() string {
		k, ok, err := st.InstallKey()
		if err != nil || !ok {
			t.Fatalf("no key: %v", err)
		}
		return base64.StdEncoding.EncodeToString(k.Key().Public().(ed25519.PublicKey))
	}
	keys := func() ([]string, []string) {
		in, _, err := db.Installation(inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		return in.Keys, in.Revoked
	}
	old := pub()
	// A restart with the token it enrolled with changes nothing.
	if err := newUplinkToken(t, st, srv.URL, first).Sync(ctx); err != nil || pub() != old {
		t.Fatalf("a restart with the first token: %v, key changed %v", err, pub() != old)
	}
	// A PC is stolen: IT issues a replacement token, the office is given it.
	if err := newUplinkToken(t, st, srv.URL, token(inst.ID)).Sync(ctx); err != nil {
		t.Fatalf("sync with the replacement token: %v", err)
	}
	second := pub()
	if k, _, _ := st.InstallKey(); second == old || k.Generation != 1 {
		t.Fatalf("the office kept its key (generation %d)", k.Generation)
	}
	if held, revoked := keys(); !slices.Equal(held, []string{second}) || !slices.Contains(revoked, old) {
		t.Fatalf("at the hub: keys %v, revoked %v", held, revoked)
	}
	if again, _, _ := st.Installation(); again.ID != inst.ID {
		t.Fatalf("the installation changed: %s, want %s", again.ID, inst.ID)
	}
	// IT revokes the installation: the office is refused until it is given
	// a new token, then it makes a new key and signs again.
	raw, _ := json.Marshal(map[string]string{"username": "admin", "password": pw})
	res, err := http.Post(srv.URL+"/api/v1/sessions", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var session struct{ Token string }
	json.NewDecoder(res.Body).Decode(&session)
	res.Body.Close()
	r, _ := http.NewRequest("POST", srv.URL+"/api/v1/communes/14701/installations/"+inst.ID+"/revoke", nil)
	r.Header.Set("Authorization", "Bearer "+session.Token)
	if res, err = http.DefaultClient.Do(r); err != nil || res.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, res)
	}
	res.Body.Close()
	if code := app.ErrorCode(newUplinkToken(t, st, srv.URL, "").Sync(ctx)); code != uplink.EKeyRevoked {
		t.Fatalf("sync after the revocation: %q", code)
	}
	if err := newUplinkToken(t, st, srv.URL, token(inst.ID)).Sync(ctx); err != nil {
		t.Fatalf("sync with a new token after the revocation: %v", err)
	}
	if k, _, _ := st.InstallKey(); k.Generation != 2 {
		t.Fatalf("generation %d after the revocation, want 2", k.Generation)
	}
	if held, _ := keys(); !slices.Equal(held, []string{pub()}) {
		t.Fatalf("at the hub: keys %v, want the new key", held)
	}
}
