package hub_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xaso/app"
	"xaso/store"
	"xaso/sync/uplink"
)

// The office's signing key is its own: random, made in the office before
// it first met the hub, never sent up. Whoever saw the enrolment token (and
// the node ID /health shows) cannot sign as the office, the hub holds no
// trace of the private key, and the hub's copy of the commune still hashes
// as the office does.
func TestOfficeKeyStaysInOffice(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	node := startNode(t, nodeDir, hub.url, token, "--commune", "14701", "--agency", "000.00.31.H42")
	admin := login(t, node.url, "admin", nodePassword)
	receive(t, node, desk(t, node), 2)
	synced(t, node, hub, admin, it, 20*time.Second)
	nodeID := must(t, 200, node.url, "", "GET", "/api/v1/health", nil)["node_id"].(string)
	inst := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)["installations"].([]any)[0].(string)

	// The key an onlooker derives from the token and the node ID.
	sum := sha256.Sum256([]byte("xaso-uplink-key\x00" + token + "\x00" + nodeID))
	guessed := ed25519.NewKeyFromSeed(sum[:])
	clock := app.NewClock(time.Now, 0)
	c, err := app.NewCommand(app.RandomID(), app.KindUserCreate, "system", "nforged01", clock.Next(),
		&app.UserBody{Username: "ke-gia", FullName: "Kẻ giả", Roles: []app.Role{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := uplink.Encode(uplink.PushRequest{Commands: []app.Command{c}, Node: "nforged01"})
	if st, code := pushRaw(t, hub, inst, guessed, batch, false); st != 401 || code != "bad_signature" {
		t.Fatalf("a push signed with the key derived from the token: %d %q", st, code)
	}

	hub.kill()
	node.kill()
	st, err := store.Open(store.Config{Dir: nodeDir})
	if err != nil {
		t.Fatal(err)
	}
	key, ok, err := st.InstallKey()
	st.Close()
	if err != nil || !ok {
		t.Fatalf("the office keeps no signing key: %v", err)
	}
	// Nothing the hub keeps holds the seed, in any form.
	forms := [][]byte{key.Seed, []byte(base64.StdEncoding.EncodeToString(key.Seed)), []byte(base64.RawURLEncoding.EncodeToString(key.Seed))}
	filepath.WalkDir(hubDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range forms {
			if bytes.Contains(raw, f) {
				t.Errorf("%s holds the office's private key", path)
			}
		}
		return nil
	})
	hs, err := store.Open(store.Config{Dir: filepath.Join(hubDir, "communes", "14701")})
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	cmds, err := hs.CommandsAfter("", 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if c.Kind == app.KindInstallKey || strings.Contains(string(c.Body), "seed") {
			t.Errorf("the hub holds %s %s: %s", c.Kind, c.ID, c.Body)
		}
	}
}

// A signed request is good once: the hub's nonce it covers is spent, so a
// captured push or log page sent again is refused with a stable code and
// changes nothing, whatever the office's clock says.
func TestReplayRefused(t *testing.T) {
	hubDir, _ := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	key := newKey(t)
	_, en := enrolRaw(t, hub, token, "14701", key)
	inst := en["installation"].(string)
	clock := app.NewClock(time.Now, 0)
	cmd := func(name string) []byte {
		c, err := app.NewCommand(app.RandomID(), app.KindUserCreate, "system", "ntest0001", clock.Next(), &app.UserBody{Username: name, FullName: "Nguyễn Văn An"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := uplink.Encode(uplink.PushRequest{Commands: []app.Command{c}, Node: "ntest0001"})
		return b
	}
	body := cmd("an")
	push := signedRequest(t, hub.url, "POST", uplink.PathPush, inst, key, body)
	if st, code := send(t, push, body); st != 200 {
		t.Fatalf("push: %d %s", st, code)
	}
	if st, code := send(t, push, body); st != 401 || code != uplink.EReplayed {
		t.Fatalf("the same push again: %d %q", st, code)
	}
	logPage := signedRequest(t, hub.url, "GET", uplink.PathLog+"?after=", inst, key, nil)
	if st, code := send(t, logPage, nil); st != 200 {
		t.Fatalf("log: %d %s", st, code)
	}
	if st, code := send(t, logPage, nil); st != 401 || code != uplink.EReplayed {
		t.Fatalf("the same log page again: %d %q", st, code)
	}
	// A nonce the hub never issued, or one another push used, does not do.
	other := cmd("binh")
	r := signedRequest(t, hub.url, "POST", uplink.PathPush, inst, key, other)
	uplink.Sign(r, inst, key, time.Now(), "bia-dat-nonce", other)
	if st, code := send(t, r, other); st != 401 || code != uplink.ENonceStale {
		t.Fatalf("an invented nonce: %d %q", st, code)
	}
	uplink.Sign(r, inst, key, time.Now(), push.Header.Get(uplink.HeaderNonce), other)
	if st, code := send(t, r, other); st != 401 || code != uplink.EReplayed {
		t.Fatalf("a spent nonce on another body: %d %q", st, code)
	}
	// An office whose clock is a day off still gets through.
	fresh := signedRequest(t, hub.url, "POST", uplink.PathPush, inst, key, other)
	uplink.Sign(fresh, inst, key, time.Now().Add(-26*time.Hour), fresh.Header.Get(uplink.HeaderNonce), other)
	if st, code := send(t, fresh, other); st != 200 {
		t.Fatalf("an office a day behind: %d %s", st, code)
	}
	if n := hubCommands(t, hub); n != 2 {
		t.Fatalf("the hub holds %v commands, want 2", n)
	}
}
