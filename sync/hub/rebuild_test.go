package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/build/testkit"
	"xaso/store"
	"xaso/sync/uplink"
)

// A rebuild killed half-way (SIGKILL while it pulls the log) leaves the
// PC without an identity, so the next start rebuilds again, cleanly: with
// the same key (kept before the enrolment) the hub answers the same
// replacement, and the office ends with the lost office's state hash.
func TestRebuildKilledHalfway(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)

	// An office of 3,000 receipts (three pages of the hub's log and more).
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
	if err := st.Append(context.Background(), append([]app.Command{conf, admin}, receipts(t, clock, 3000)...)...); err != nil {
		t.Fatal(err)
	}
	st.Close()
	node := startNode(t, nodeDir, hub.url, token)
	synced(t, node, hub, login(t, node.url, "admin", nodePassword), it, 60*time.Second)
	node.kill()
	lost := storeHash(t, nodeDir)
	total := hubCommands(t, hub)

	inst := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)["installations"].([]any)[0].(string)
	again := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", map[string]string{"replaces": inst})["token"].(string)

	// The replacement's link goes through a proxy that kills the PC when it
	// asks for the third page of the log.
	target, _ := url.Parse(hub.url)
	var pages atomic.Int32
	var fresh *proc
	killed, started := make(chan struct{}), make(chan struct{})
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == uplink.PathLog && pages.Add(1) == 3 {
			<-started // fresh is set
			fresh.kill()
			close(killed)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	freshDir := t.TempDir()
	fresh = startNode(t, freshDir, proxy.URL, again)
	close(started)
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		t.Fatal("the rebuild never reached its third page")
	}
	half, err := store.Open(store.Config{Dir: freshDir})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := half.CommandCount()
	_, enrolled, _ := half.Installation()
	half.Close()
	if enrolled || n < 2000 || float64(n) >= total {
		t.Fatalf("after the kill: %d of %v commands, enrolled %v", n, total, enrolled)
	}

	fresh = startNode(t, freshDir, hub.url, again)
	testkit.Eventually(t, 60*time.Second, "the office rebuilt", func() error {
		_, h, err := call(fresh.url, "", "GET", "/api/v1/health", nil)
		if err != nil || h["uplink"].(map[string]any)["last_sync"] == nil {
			return errString("not yet")
		}
		return nil
	})
	fresh.kill()
	if h := storeHash(t, freshDir); h != lost {
		t.Fatalf("rebuilt office's state hash %s, lost office's %s", h, lost)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// The number slots of a lost installation move to its replacement: the
// lost office's PCs held every slot the hub granted it, and the rebuilt PC
// still issues official codes (not provisional ones) by taking them over.
func TestReplacementTakesOverSlots(t *testing.T) {
	hubDir, nodeDir := hubDirs(t)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)

	// The lost office: five PCs, each holding one of slots 0–4.
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
	cmds := []app.Command{conf, admin}
	for s := range uplink.SlotsPerInstallation {
		c, _ := app.NewCommand(app.RandomID(), app.KindSlotLease, "system", st.NodeID(), clock.Next(),
			&app.SlotBody{Slot: s, Node: "nlostpc0000" + string(rune('1'+s))})
		cmds = append(cmds, c)
	}
	if err := st.Append(context.Background(), cmds...); err != nil {
		t.Fatal(err)
	}
	st.Close()
	node := startNode(t, nodeDir, hub.url, token)
	synced(t, node, hub, login(t, node.url, "admin", nodePassword), it, 30*time.Second)
	node.kill()

	inst := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)["installations"].([]any)[0].(string)
	again := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", map[string]string{"replaces": inst})["token"].(string)
	fresh := startNode(t, t.TempDir(), hub.url, again)
	testkit.Eventually(t, 30*time.Second, "the office rebuilt", func() error {
		_, h, err := call(fresh.url, "", "GET", "/api/v1/health", nil)
		if err != nil || h["uplink"].(map[string]any)["last_sync"] == nil {
			return errString("not yet")
		}
		return nil
	})
	clerk := desk(t, fresh)
	d := must(t, 201, fresh.url, clerk, "POST", "/api/v1/dossiers", map[string]any{"procedure_code": "1.004873", "applicant": applicant(0)})
	if code, _ := d["code"].(string); code == "" || d["provisional"] == true || len(code) > 4 && code[:4] == app.ProvisionalPrefix {
		t.Fatalf("the replacement's first dossier: %v", d)
	}
}
