package hub_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"xaso/app"
	"xaso/build/testkit"
	"xaso/sync/uplink"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// enrolRaw posts an enrolment as an office would.
func enrolRaw(t *testing.T, hub *proc, token, commune string, key ed25519.PrivateKey) (int, map[string]any) {
	t.Helper()
	st, out, err := call(hub.url, "", "POST", uplink.PathEnrol, uplink.EnrolRequest{Token: token, Commune: commune, Node: "ntest0001",
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
	if err != nil {
		t.Fatal(err)
	}
	return st, out
}

// nonceOf asks the hub for a fresh nonce, as an office does.
func nonceOf(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url + uplink.PathNonce)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	n := res.Header.Get(uplink.HeaderNonce)
	if res.StatusCode != 204 || n == "" {
		t.Fatalf("nonce: %d %q", res.StatusCode, n)
	}
	return n
}

// signedRequest builds a request signed as an office would, over a fresh nonce.
func signedRequest(t *testing.T, url, method, path, inst string, key ed25519.PrivateKey, body []byte) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(method, url+path, bytes.NewReader(body))
	uplink.Sign(r, inst, key, time.Now(), nonceOf(t, url), body)
	return r
}

// send sends r (again: its body is rebuilt from body) and returns the
// status and the error code.
func send(t *testing.T, r *http.Request, body []byte) (int, string) {
	t.Helper()
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return res.StatusCode, e.Error.Code
}

// pushRaw sends body as a signed push and returns the status and error code.
func pushRaw(t *testing.T, hub *proc, inst string, key ed25519.PrivateKey, body []byte, tamper bool) (int, string) {
	t.Helper()
	r := signedRequest(t, hub.url, "POST", uplink.PathPush, inst, key, body)
	if tamper {
		return send(t, r, append([]byte{0}, body...))
	}
	return send(t, r, body)
}

func hubCommands(t *testing.T, hub *proc) float64 {
	return must(t, 200, hub.url, "", "GET", "/api/v1/health", nil)["commands"].(float64)
}

// Enrolment refusals: a reused token, a second installation with the same
// token, another commune's code, an unknown token — each coded, nothing
// stored; a real office with a used token says why in /health.
func TestEnrolmentRefusals(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	tok := func() string {
		return must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	}
	t1, k1 := tok(), newKey(t)
	st, first := enrolRaw(t, hub, t1, "14701", k1)
	if st != 200 || first["installation"] == "" {
		t.Fatalf("enrol: %d %v", st, first)
	}
	if st, again := enrolRaw(t, hub, t1, "14701", k1); st != 200 || again["installation"] != first["installation"] {
		t.Fatalf("the same enrolment again (a lost answer): %d %v", st, again)
	}
	t2, t3 := tok(), tok()
	must(t, 200, hub.url, it, "POST", "/api/v1/communes/14701/enrolments/revoke", map[string]string{"token": t3})
	cases := []struct {
		name, token, commune, code string
		status                     int
	}{
		{"second installation, same token", t1, "14701", "enrolment_token_used", 409},
		{"another commune's code", t2, "14704", "wrong_commune", 403},
		{"unknown token", "AAAA-BBBB-CCCC", "14701", "enrolment_token_unknown", 401},
		{"revoked token", t3, "14701", "enrolment_token_revoked", 401},
	}
	for _, c := range cases {
		st, out := enrolRaw(t, hub, c.token, c.commune, newKey(t))
		if st != c.status || out["error"].(map[string]any)["code"] != c.code || out["error"].(map[string]any)["message"] == "" {
			t.Errorf("%s: %d %v", c.name, st, out)
		}
	}
	if st, out := enrolRaw(t, hub, t2, "14701", newKey(t)); st != 200 { // the refusal kept nothing: t2 is still unused
		t.Fatalf("t2 after a refusal: %d %v", st, out)
	}
	node := startNode(t, nodeDir, hub.url, t1, "--commune", "14701")
	testkit.Eventually(t, 20*time.Second, "the office says its token was used", func() error {
		up := must(t, 200, node.url, "", "GET", "/api/v1/health", nil)["uplink"].(map[string]any)
		if up["problem"] != "enrolment_token_used" || up["online"] != false || up["configured"] != true {
			return fmt.Errorf("%v", up)
		}
		return nil
	})
}

// Bad batches are refused with a coded error and keep nothing; the hub
// keeps serving, and a replayed batch is kept once.
func TestBadBatches(t *testing.T) {
	hubDir, _ := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	key := newKey(t)
	_, en := enrolRaw(t, hub, token, "14701", key)
	inst := en["installation"].(string)
	clock := app.NewClock(time.Now, 0)
	cmd := func(kind string, body app.Body) app.Command {
		c, err := app.NewCommand(app.RandomID(), kind, "system", "ntest0001", clock.Next(), body)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	batch := func(cmds ...app.Command) []byte {
		b, err := uplink.Encode(uplink.PushRequest{Commands: cmds, Node: "ntest0001"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := batch(cmd(app.KindCommuneConfigure, &app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"}))
	broken := cmd(app.KindDossierAct, &app.ActBody{DossierID: "x", Action: "receive"})
	broken.Body = json.RawMessage(`{"dossier_id":""}`)

	var bomb bytes.Buffer
	zw, _ := zstd.NewWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for range uplink.MaxPlainBytes>>20 + 8 {
		zw.Write(zeros)
	}
	zw.Close()
	huge := make([]byte, uplink.MaxWireBytes+1024)
	rand.Read(huge)

	cases := []struct {
		name   string
		body   []byte
		tamper bool
		status int
		code   string
	}{
		{"not zstd", []byte(`{"commands":[]}`), false, 400, "batch_malformed"},
		{"decompression bomb", bomb.Bytes(), false, 413, "batch_too_large"},
		{"oversized on the wire", huge, false, 413, "batch_too_large"},
		{"a body that does not decode", batch(broken), false, 400, "command_invalid"},
		{"another commune's command", batch(cmd(app.KindCommuneConfigure, &app.CommuneConfig{Commune: "14704"})), false, 403, "wrong_commune"},
		{"tampered after signing", good, true, 401, "bad_signature"},
		{"a kind only the province sends", batch(cmd(app.KindDossierSubmit, &app.ReceiveBody{DossierID: "d-1", Slot: -1})),
			false, 400, "command_invalid"},
	}
	for _, c := range cases {
		if st, code := pushRaw(t, hub, inst, key, c.body, c.tamper); st != c.status || code != c.code {
			t.Errorf("%s: %d %q, want %d %q", c.name, st, code, c.status, c.code)
		}
	}
	if n := hubCommands(t, hub); n != 0 {
		t.Fatalf("refused batches kept %v commands", n)
	}
	for range 2 { // a replay keeps the command once
		if st, code := pushRaw(t, hub, inst, key, good, false); st != 200 {
			t.Fatalf("good batch: %d %s", st, code)
		}
	}
	// A command dressed as the hub's own (a down ID the hub has not issued)
	// is left out: it would take that ID and move the office's pull cursor.
	forged := cmd(app.KindUserCreate, &app.UserBody{Username: "ke-gia", FullName: "Kẻ giả"})
	forged.ID = uplink.DownID("14701", 1<<40)
	if st, code := pushRaw(t, hub, inst, key, batch(forged), false); st != 200 {
		t.Fatalf("a batch with a forged down ID: %d %s", st, code)
	}
	if n := hubCommands(t, hub); n != 1 {
		t.Fatalf("a replayed batch: %v commands, want 1", n)
	}
	// Publishing: only kinds the table marks FromHub, with a body that decodes.
	st, out, _ := call(hub.url, it, "POST", "/api/v1/publish", map[string]any{"communes": "all", "kind": app.KindUserCreate,
		"body": map[string]any{"username": "x"}})
	if st != 400 || out["error"].(map[string]any)["code"] != "kind_not_publishable" {
		t.Fatalf("publish user.create: %d %v", st, out)
	}
}
