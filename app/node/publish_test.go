package node

import (
	"context"
	"fmt"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/calendar"
)

// A catalog version and a year's calendar published to one PC of an office
// reach the other through the cluster, and each PC's service uses them at
// once (app/publish_test.go shows the effect on due dates).
func TestPublishedReachesEveryPC(t *testing.T) {
	first, err := openLANNode(t, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	serve(t, first)
	var code string
	waitFor(t, func() error {
		jc, err := clusterAdmin{first}.JoinCode()
		code = jc.Code
		return err
	})
	second, err := Open(context.Background(), Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
		AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
		LAN: LAN{PeerListen: freePeerPort(t), Peers: []string{first.cfg.LAN.PeerListen}, NoMDNS: true, Secret: code, Fast: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	serve(t, second)
	waitFor(t, func() error {
		for _, n := range []*Node{first, second} {
			if h := n.Health(); h.Cluster.Members != 2 {
				return fmt.Errorf("%s: %d members", n.Store.NodeID(), h.Cluster.Members)
			}
		}
		return nil
	})

	today := time.Now().In(app.VN())
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version, cat.EffectiveFrom = "lan-test.1", today.Format(time.DateOnly)
	at := app.MakeHLC(time.Now().UnixMilli(), 0)
	pc, err := app.NewCatalogPublish("", "province", "hub", at, cat)
	if err != nil {
		t.Fatal(err)
	}
	// Next year's 2 January off and the 9th worked, by the province's decision.
	next := today.Year() + 1
	yc, err := app.NewCalendarPublish("", "province", "hub", at+1, app.CalendarBody{Year: next, Version: 1, Source: "test",
		Days: []calendar.Override{{Date: fmt.Sprintf("%d-01-09", next), Off: false}}})
	if err != nil {
		t.Fatal(err)
	}
	// As the uplink will on the leader: into one PC's log, proposed to the cluster.
	if err := (notifyLog{first.Store, first.lan.cl}).Append(context.Background(), pc, yc); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		for _, n := range []*Node{first, second} {
			if v := n.Service.Catalog().Version; v != "lan-test.1" {
				return fmt.Errorf("%s: catalog %s", n.Store.NodeID(), v)
			}
			years, err := n.Store.CalendarYears()
			if err != nil || len(years) != 1 {
				return fmt.Errorf("%s: years %v %v", n.Store.NodeID(), years, err)
			}
		}
		return nil
	})
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
