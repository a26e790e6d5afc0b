package node

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/calendar"
)

// A catalog version with a future effective date and a year's calendar,
// published into one PC of a two-PC office, reach the other through the
// cluster; on each PC the calendar moves the due dates computed after it
// arrived, and the catalog applies only from its effective date.
func TestPublishedReachesEveryPC(t *testing.T) {
	// The office's clock: Monday 4 March 2030, 08:00, running; skip moves it on.
	base := time.Date(2030, 3, 4, 8, 0, 0, 0, app.VN())
	started := time.Now()
	var skip atomic.Int64
	now := func() time.Time { return base.Add(time.Since(started) + time.Duration(skip.Load())) }
	open := func(secret string, peers ...string) *Node {
		n, err := Open(context.Background(), Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
			AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Now: now,
			LAN: LAN{PeerListen: freePeerPort(t), Peers: peers, NoMDNS: true, Secret: secret, Fast: true}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		serve(t, n)
		return n
	}
	first := open("")
	var code string
	waitFor(t, func() error {
		jc, err := clusterAdmin{first}.JoinCode()
		code = jc.Code
		return err
	})
	second := open(code, first.cfg.LAN.PeerListen)
	pcs := []*Node{first, second}
	waitFor(t, func() error {
		for _, n := range pcs {
			if h := n.Health(); h.Cluster.Members != 2 {
				return fmt.Errorf("%s: %d members", n.Store.NodeID(), h.Cluster.Members)
			}
		}
		return nil
	})

	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version, cat.EffectiveFrom = "2030.1", "2030-03-05"
	procs := append([]app.Procedure(nil), cat.Procedures...)
	for i := range procs {
		if procs[i].Code == "1.004873" { // 3 working days by default; 5 from the new version
			procs[i].Rule, procs[i].Extension = app.DeadlineRule{Kind: calendar.WorkingHours, Hours: 40}, nil
		}
	}
	cat.Procedures = procs
	at := app.MakeHLC(now().UnixMilli(), 0)
	pc, err := app.NewCatalogPublish("", "province", "hub", at, cat)
	if err != nil {
		t.Fatal(err)
	}
	yc, err := app.NewCalendarPublish("", "province", "hub", at+1, app.CalendarBody{Year: 2030, Version: 1, Source: "test",
		Days: []calendar.Override{{Date: "2030-03-06", Off: true, Name: "nghỉ"}}})
	if err != nil {
		t.Fatal(err)
	}
	// As the uplink will on the leader: into one PC's log, proposed to the cluster.
	if err := (notifyLog{first.Store, first.lan.cl}).Append(context.Background(), pc, yc); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		for _, n := range pcs {
			cats, err1 := n.Store.CatalogVersions()
			years, err2 := n.Store.CalendarYears()
			if len(cats) != 1 || len(years) != 1 {
				return fmt.Errorf("%s: %d catalogs, %d years (%v %v)", n.Store.NodeID(), len(cats), len(years), err1, err2)
			}
		}
		return nil
	})

	receiver := app.Principal{Username: "admin", Roles: []app.Role{app.RoleReceiver}}
	steps := []struct {
		name            string
		version, dueDay string
	}{
		// Monday: the old version, 3 working days, Wednesday off: due Friday.
		{"before the effective date", "2025.07-default", "2030-03-08"},
		// Tuesday: the new version, 5 working days without Wednesday: due the next Wednesday.
		{"from the effective date", "2030.1", "2030-03-13"},
	}
	for i, st := range steps {
		if i > 0 {
			skip.Store(int64(24 * time.Hour))
		}
		for _, n := range pcs {
			d, err := n.Service.Receive(context.Background(), receiver,
				app.ReceiveInput{ProcedureCode: "1.004873", Applicant: app.Applicant{FullName: "Nguyễn Văn An",
					IDNumber: "037090001234", DateOfBirth: "1990-05-01", Phone: "0912345678"}}, "")
			if err != nil {
				t.Fatalf("%s on %s: %v", st.name, n.Store.NodeID(), err)
			}
			if d.Procedure.Version != st.version || d.DueAt.Format(time.DateOnly) != st.dueDay {
				t.Errorf("%s on %s: version %s due %s, want %s due %s", st.name, n.Store.NodeID(),
					d.Procedure.Version, d.DueAt.Format(time.DateTime), st.version, st.dueDay)
			}
		}
	}
}

func waitFor(t *testing.T, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
