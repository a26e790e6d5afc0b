package hub_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/build/testkit"
	"xaso/store"
	"xaso/sync/uplink"
)

// An office enrols with a token made by `xaso hub enrol` before the hub
// ran, pushes its dossiers, and an online dossier goes hub → desk →
// received → returned → the hub sees returned; the hub's fold equals the
// office's.
func TestOnlineDossierRoundTrip(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	token := enrolCLI(t, hubDir, "14701") // the hub is not running yet
	hub := startHub(t, hubDir, freeAddr(t))
	node := startNode(t, nodeDir, hub.url, token, "--commune", "14701", "--agency", "000.00.31.H42")
	it := login(t, hub.url, "admin", hubPassword)
	admin := login(t, node.url, "admin", nodePassword)
	clerk := desk(t, node)
	receive(t, node, clerk, 3)
	synced(t, node, hub, admin, it, 20*time.Second)

	// Every commune of the province is listed; only Yên Mô is enrolled.
	list := must(t, 200, hub.url, it, "GET", "/api/v1/communes", nil)["items"].([]any)
	var c map[string]any
	enrolled := 0
	for _, it := range list {
		m := it.(map[string]any)
		if m["enrolled"] == true {
			enrolled++
		}
		if m["code"] == "14701" {
			c = m
		}
	}
	if len(list) != len(app.Communes()) || enrolled != 1 {
		t.Fatalf("%d communes listed, %d enrolled; want the province's %d, 1 enrolled", len(list), enrolled, len(app.Communes()))
	}
	if c["name"] != "Xã Yên Mô" || c["enrolled"] != true || c["last_seen"] == nil || c["version"] == nil ||
		c["dossiers_by_status"].(map[string]any)["received"] != float64(3) {
		t.Fatalf("commune summary: %v", c)
	}
	health := must(t, 200, node.url, "", "GET", "/api/v1/health", nil)["uplink"].(map[string]any)
	if health["configured"] != true || health["last_sync"] == nil {
		t.Fatalf("node uplink health: %v", health)
	}

	// Online: the hub sends a dossier down.
	sub := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/dossiers", map[string]any{
		"procedure_code": "1.004873", "applicant": applicant(1), "submitted_at": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	id := sub["id"].(string)
	if sub["status"] != "submitted" {
		t.Fatalf("hub's new online dossier: %v", sub)
	}
	testkit.Eventually(t, 20*time.Second, "the online dossier at the desk", func() error {
		st, d, err := call(node.url, clerk, "GET", "/api/v1/dossiers/"+id, nil)
		if err != nil || st != 200 || d["status"] != "submitted" || d["channel"] != "online" {
			return fmt.Errorf("%d %v %v", st, d, err)
		}
		return nil
	})
	for _, a := range []string{"receive", "forward", "resolve", "return"} {
		must(t, 200, node.url, clerk, "POST", "/api/v1/dossiers/"+id+"/actions", map[string]any{"action": a})
	}
	testkit.Eventually(t, 20*time.Second, "the hub sees the dossier returned", func() error {
		_, d, err := call(hub.url, it, "GET", "/api/v1/communes/14701/dossiers/"+id, nil)
		if err != nil || d["status"] != "returned" {
			return fmt.Errorf("%v %v", d, err)
		}
		return nil
	})
	// Publishing: a year's calendar goes down to every commune and applies
	// there (the hub's fold, which holds it, equals the office's again); a
	// body that does not decode is refused.
	must(t, 201, hub.url, it, "POST", "/api/v1/publish", map[string]any{"communes": "all", "kind": "calendar.publish",
		"body": map[string]any{"year": 2031, "version": 1, "source": "Quyết định thử", "days": []any{}}})
	if st, out, _ := call(hub.url, it, "POST", "/api/v1/publish", map[string]any{"communes": []string{"14701"},
		"kind": "calendar.publish", "body": map[string]any{"year": 1800}}); st != 400 {
		t.Fatalf("a calendar that does not decode: %d %v", st, out)
	}
	synced(t, node, hub, admin, it, 20*time.Second)
	page := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701/dossiers?status=received&limit=2", nil)
	if n := len(page["items"].([]any)); n != 2 || page["next"] == "" {
		t.Fatalf("drill-down page: %d items, next %v", n, page["next"])
	}
	if n := len(must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701/dossiers?queue=open", nil)["items"].([]any)); n != 3 {
		t.Fatalf("open dossiers at the hub: %d, want 3", n)
	}
	if n := len(must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701/dossiers?queue=overdue", nil)["items"].([]any)); n != 0 {
		t.Fatalf("overdue dossiers at the hub: %d, want 0", n)
	}
	if st, _, _ := call(hub.url, it, "GET", "/api/v1/communes/14701/dossiers?queue=mine", nil); st != 400 {
		t.Fatalf("an unknown queue: %d", st)
	}
}

// A lost office is rebuilt from the hub: a replacement PC enrolled by IT
// as the replacement of the installation pulls the whole log and ends with
// the state hash the lost office had; its officials sign in as before and
// it carries on as the same installation.
func TestRebuildFromHub(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	node := startNode(t, nodeDir, hub.url, token, "--commune", "14701", "--agency", "000.00.31.H42")
	admin := login(t, node.url, "admin", nodePassword)
	clerk := desk(t, node)
	receive(t, node, clerk, 5)
	scanHash := attachScan(t, node, clerk) // scans go up after the commands, and come back in a rebuild
	synced(t, node, hub, admin, it, 20*time.Second)
	// Scans go up after the commands of the same sync: wait for the file.
	testkit.WaitFor(t, 20*time.Second, "the scan at the hub", func() bool { return hubHasBlob(t, hubDir, scanHash) })
	node.kill() // the office burns down
	lost := storeHash(t, nodeDir)

	inst := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)["installations"].([]any)
	if len(inst) != 1 {
		t.Fatalf("installations: %v", inst)
	}
	again := enrolCLI(t, hubDir, "14701", "--replaces", inst[0].(string)) // while the hub runs
	freshDir := t.TempDir()
	fresh := startNode(t, freshDir, hub.url, again)
	testkit.Eventually(t, 30*time.Second, "the office rebuilt", func() error {
		_, h, err := call(fresh.url, "", "GET", "/api/v1/health", nil)
		if err != nil || h["uplink"].(map[string]any)["last_sync"] == nil {
			return fmt.Errorf("%v %v", h, err)
		}
		return nil
	})
	fresh.kill() // read its state as it is, before anyone signs in (a sign-in is a command too)
	if h := storeHash(t, freshDir); h != lost {
		t.Fatalf("rebuilt office's state hash %s, lost office's %s", h, lost)
	}
	// The replacement signs with a key of its own; the lost office's key
	// (a stolen PC of it) is refused from now on.
	oldKey, newKey := officeKey(t, nodeDir), officeKey(t, freshDir)
	if oldKey.Equal(newKey) {
		t.Fatal("the replacement signs with the lost office's key")
	}
	if st, code := send(t, signedRequest(t, hub.url, "GET", uplink.PathStatus, inst[0].(string), oldKey, nil), nil); st != 401 || code != uplink.EKeyRevoked {
		t.Fatalf("the lost office's key after the replacement: %d %q", st, code)
	}
	if _, err := os.Stat(filepath.Join(freshDir, "blobs", scanHash[:2], scanHash)); err != nil {
		t.Fatalf("the scan did not come back: %v", err)
	}
	fresh = startNode(t, freshDir, hub.url, "")
	clerk2 := login(t, fresh.url, "motcua", "Mot-Cua-2026!")
	receive(t, fresh, clerk2, 1)
	synced(t, fresh, hub, login(t, fresh.url, "admin", nodePassword), it, 20*time.Second)
}

// officeKey reads a stopped node's signing key.
func officeKey(t *testing.T, dir string) ed25519.PrivateKey {
	t.Helper()
	st, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, ok, err := st.InstallKey()
	if err != nil || !ok {
		t.Fatalf("no signing key in %s: %v", dir, err)
	}
	return k.Key()
}

// storeHash opens a stopped node's store and returns its state hash.
func storeHash(t *testing.T, dir string) string {
	t.Helper()
	st, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := st.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// attachScan attaches a small PNG scan to the newest dossier and returns
// its SHA-256.
func attachScan(t *testing.T, node *proc, token string) string {
	t.Helper()
	d := must(t, 200, node.url, token, "GET", "/api/v1/dossiers?limit=1", nil)["items"].([]any)[0].(map[string]any)
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{B: 180, A: 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	req, _ := http.NewRequest("POST", node.url+"/api/v1/dossiers/"+d["code"].(string)+"/attachments?name=scan.png", bytes.NewReader(b.Bytes()))
	req.Header.Set("Content-Type", "image/png")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("attach a scan: %d", res.StatusCode)
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// An office offline for a week with 10,000 dossiers drains when the link
// returns: the hub ends with exactly its state.
func TestWeekOfflineDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 dossiers")
	}
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)

	// The office's week: a data folder with its commune, its admin and
	// 10,000 receipts (999 a day), written while the link was down.
	st, err := store.Open(store.Config{Dir: nodeDir})
	if err != nil {
		t.Fatal(err)
	}
	clock := app.NewClock(time.Now, 0)
	hash, err := argon2id.Default().Hash(nodePassword)
	if err != nil {
		t.Fatal(err)
	}
	conf, _ := app.NewCommand(app.RandomID(), app.KindCommuneConfigure, "system", st.NodeID(), clock.Next(),
		&app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"})
	admin, _ := app.NewCommand(app.RandomID(), app.KindUserCreate, "system", st.NodeID(), clock.Next(),
		&app.UserBody{Username: "admin", FullName: "Quản trị viên", Roles: []app.Role{app.RoleAdmin}, PasswordHash: hash})
	week := append([]app.Command{conf, admin}, receipts(t, clock, 10000)...)
	for i := 0; i < len(week); i += 2000 {
		if err := st.Append(context.Background(), week[i:min(i+2000, len(week))]...); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	node := startNode(t, nodeDir, hub.url, token)
	synced(t, node, hub, login(t, node.url, "admin", nodePassword), it, 120*time.Second)
	c := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)
	if c["dossiers_by_status"].(map[string]any)["received"] != float64(10000) {
		t.Fatalf("hub's view after the drain: %v", c["dossiers_by_status"])
	}
}
