package hub_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"xaso/app"
	"xaso/store"
	"xaso/sync/hub/pgstore/pgtest"
)

// officeHolds checks, the office stopped, that the hub holds exactly the
// office's commands (each once) and their fold equals the office's.
func officeHolds(t *testing.T, node, hub *proc, nodeDir, it, want string) {
	t.Helper()
	hubCount := must(t, 200, hub.url, it, "GET", "/api/v1/communes/14701", nil)["commands"].(float64)
	node.kill()
	st, err := store.Open(store.Config{Dir: nodeDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, _ := st.CommandCount()
	all, _ := st.CommandsAfter("", n)
	for _, c := range all {
		if app.OfficeOnly(c) { // the office's signing key stays in it
			n--
		}
	}
	h, _ := st.StateHash()
	if h != want || hubCount != float64(n) {
		t.Fatalf("hub holds %v commands, the office %d (hash %s vs %s)", hubCount, n, want, h)
	}
}

// alive fails the test if the hub process exited.
func alive(t *testing.T, p *proc) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		t.Fatalf("the hub exited: %v", err)
	default:
	}
}

// PostgreSQL crashes (pg_ctl -m immediate) while an office pushes its
// backlog and comes back a few seconds later: the hub keeps running,
// the office's pushes resume, and the hub holds every command once —
// nothing it acknowledged was lost in the crash.
func TestPostgresCrashUnderRunningHub(t *testing.T) {
	pg := pgtest.Start(t)
	hubDir, nodeDir := hubDirs(t)
	useDB(t, hubDir, pg.CreateDB("hub"))
	hubAddr := freeAddr(t)
	hub := startHub(t, hubDir, hubAddr)
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	proxy := newProxy(t, hubAddr)
	node := startNode(t, nodeDir, proxy.url(), token, "--commune", "14701", "--agency", "000.00.31.H42")
	admin := login(t, node.url, "admin", nodePassword)
	clerk := desk(t, node)
	waitSynced(t, node)

	proxy.down.Store(true) // a backlog builds up offline
	receive(t, node, clerk, 300)
	var crashed atomic.Bool
	proxy.onBytes = func(up int64) {
		if up > 8192 && crashed.CompareAndSwap(false, true) {
			pg.Crash() // mid-push
		}
	}
	proxy.down.Store(false)
	testkit_wait(t, &crashed)
	time.Sleep(3 * time.Second) // pushes fail meanwhile: nothing is acknowledged
	alive(t, hub)
	pg.Restart()
	want := synced(t, node, hub, admin, it, 90*time.Second)
	alive(t, hub)
	officeHolds(t, node, hub, nodeDir, it, want)
}

// A streaming-replication standby (synchronous: a commit waits for it) is
// promoted after the primary dies: the hub, given both hosts with
// target_session_attrs=read-write, reconnects to the new primary by
// itself, and every command it acknowledged is there.
func TestPostgresStandbyPromoted(t *testing.T) {
	primary := pgtest.Start(t)
	primary.CreateDB("hub")
	standby := primary.Standby()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, primary.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER SYSTEM SET synchronous_standby_names = '*'`, `SELECT pg_reload_conf()`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close(ctx)
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/hub?sslmode=disable&target_session_attrs=read-write",
		primary.Port, standby.Port)
	hubDir, nodeDir := hubDirs(t)
	useDB(t, hubDir, url)
	hub := startHub(t, hubDir, freeAddr(t))
	it := login(t, hub.url, "admin", hubPassword)
	token := must(t, 201, hub.url, it, "POST", "/api/v1/communes/14701/enrolments", nil)["token"].(string)
	node := startNode(t, nodeDir, hub.url, token, "--commune", "14701", "--agency", "000.00.31.H42")
	admin := login(t, node.url, "admin", nodePassword)
	clerk := desk(t, node)
	receive(t, node, clerk, 20)
	synced(t, node, hub, admin, it, 30*time.Second)

	primary.Crash() // the primary's disk dies
	standby.Promote()
	receive(t, node, clerk, 20)
	want := synced(t, node, hub, admin, it, 90*time.Second)
	alive(t, hub)
	officeHolds(t, node, hub, nodeDir, it, want)
}
