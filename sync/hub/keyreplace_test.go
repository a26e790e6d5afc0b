package hub_test

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/sync/hub"
	"xaso/sync/hub/boltstore"
	"xaso/sync/uplink"
)

// inProcessHub is a hub on a real bbolt file behind real HTTP, in this
// process; it returns its URL and an IT session.
func inProcessHub(t *testing.T, cfg hub.Config) (string, string) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "hub"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hasher := argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}
	if _, err := hub.EnsureAdmin(db, hasher, hubPassword); err != nil {
		t.Fatal(err)
	}
	cfg.Storage, cfg.Hasher = db, hasher
	h, err := hub.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, login(t, srv.URL, "admin", hubPassword)
}

// A replacement (a PC of the office was stolen, or IT revoked the
// installation) binds only a key the installation never had: the old key,
// which the stolen PC carries, is refused at enrolment and stays revoked;
// one key serves one installation only.
func TestReplacementNeedsNewKey(t *testing.T) {
	url, it := inProcessHub(t, hub.Config{})
	hubp := &proc{url: url}
	token := func(replaces string) string {
		body := map[string]string{}
		if replaces != "" {
			body["replaces"] = replaces
		}
		return must(t, 201, url, it, "POST", "/api/v1/communes/14701/enrolments", body)["token"].(string)
	}
	old := newKey(t)
	st, en := enrolRaw(t, hubp, token(""), "14701", old)
	if st != 200 {
		t.Fatalf("enrol: %d %v", st, en)
	}
	inst := en["installation"].(string)
	codeOf := func(out map[string]any) any { e, _ := out["error"].(map[string]any); return e["code"] }
	// A replacement with the installation's own key: refused, nothing changes.
	rep := token(inst)
	if st, out := enrolRaw(t, hubp, rep, "14701", old); st != 409 || codeOf(out) != uplink.EKeyReused {
		t.Fatalf("a replacement with the old key: %d %v", st, out)
	}
	// A new installation with a key another one holds: refused.
	if st, out := enrolRaw(t, hubp, token(""), "14701", old); st != 409 || codeOf(out) != uplink.EKeyReused {
		t.Fatalf("a new installation with a bound key: %d %v", st, out)
	}
	if st, code := send(t, signedRequest(t, url, "GET", uplink.PathStatus, inst, old, nil), nil); st != 200 {
		t.Fatalf("the old key before the replacement: %d %q", st, code)
	}
	// The same token with a new key: the old key is revoked.
	fresh := newKey(t)
	if st, out := enrolRaw(t, hubp, rep, "14701", fresh); st != 200 || out["installation"] != inst || out["replacement"] != true {
		t.Fatalf("a replacement with a new key: %d %v", st, out)
	}
	if st, code := send(t, signedRequest(t, url, "GET", uplink.PathStatus, inst, old, nil), nil); st != 401 || code != uplink.EKeyRevoked {
		t.Fatalf("the old key after the replacement: %d %q", st, code)
	}
	if st, code := send(t, signedRequest(t, url, "GET", uplink.PathStatus, inst, fresh, nil), nil); st != 200 {
		t.Fatalf("the new key: %d %q", st, code)
	}
	// IT revokes the installation; a --replaces token with the revoked key
	// is refused, with a new key the office signs again.
	must(t, 200, url, it, "POST", "/api/v1/communes/14701/installations/"+inst+"/revoke", nil)
	rep = token(inst)
	if st, out := enrolRaw(t, hubp, rep, "14701", fresh); st != 409 || codeOf(out) != uplink.EKeyReused {
		t.Fatalf("a replacement with a revoked key: %d %v", st, out)
	}
	third := newKey(t)
	if st, out := enrolRaw(t, hubp, rep, "14701", third); st != 200 {
		t.Fatalf("a replacement after a revocation: %d %v", st, out)
	}
	if st, code := send(t, signedRequest(t, url, "GET", uplink.PathStatus, inst, third, nil), nil); st != 200 {
		t.Fatalf("the key made after the revocation: %d %q", st, code)
	}
}

// An install.identity that carries a seed (what old versions kept there)
// is refused with a code and nothing of the batch is kept: the hub would
// otherwise hold the key and serve it in log pages.
func TestIdentityWithSeedRefused(t *testing.T) {
	url, it := inProcessHub(t, hub.Config{})
	hubp := &proc{url: url}
	key := newKey(t)
	tok := must(t, 201, url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	st, en := enrolRaw(t, hubp, tok, "14701", key)
	if st != 200 {
		t.Fatalf("enrol: %d %v", st, en)
	}
	inst := en["installation"].(string)
	clock := app.NewClock(time.Now, 0)
	c, err := app.NewCommand(app.RandomID(), app.KindInstallation, "system", "ntest0001", clock.Next(),
		&app.Installation{ID: inst, Commune: "14701", LegacySeed: key.Seed()})
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := uplink.Encode(uplink.PushRequest{Commands: []app.Command{c}, Node: "ntest0001"})
	if st, code := pushRaw(t, hubp, inst, key, batch, false); st != 400 || code != "command_invalid" {
		t.Fatalf("an identity with a seed: %d %q", st, code)
	}
	if n := hubCommands(t, hubp); n != 0 {
		t.Fatalf("%v commands kept", n)
	}
}
