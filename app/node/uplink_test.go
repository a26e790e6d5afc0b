package node

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
)

// TestHealthCountsUnsentBeforeEnrolment: /health's uplink.unsent is the
// number of commands waiting to go up, whether or not the office has met
// its hub: before, it said 0 on a PC not enrolled, as if all were sent.
func TestHealthCountsUnsentBeforeEnrolment(t *testing.T) {
	var hubHits atomic.Int64
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hubHits.Add(1)
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer hubSrv.Close()
	for _, c := range []struct {
		name    string
		hub     Hub
		problem string
	}{
		{"no hub set", Hub{}, ""},
		{"hub set, no enrolment token", Hub{URL: hubSrv.URL}, "not_enrolled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Date(2026, 12, 4, 9, 0, 0, 0, app.VN())
			n, err := Open(context.Background(), Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
				AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
				Now: func() time.Time { return now }, Hub: c.hub, LAN: LAN{Fast: true}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { n.Close() })
			serve(t, n)
			receiver := app.Principal{Username: "admin", Roles: []app.Role{app.RoleReceiver}}
			for range 3 {
				if _, err := n.Service.Receive(context.Background(), receiver, app.ReceiveInput{ProcedureCode: "1.004873",
					Applicant: app.Applicant{FullName: "Nguyễn Văn An", IDNumber: "037090001234"}}, ""); err != nil {
					t.Fatal(err)
				}
			}
			// What goes up, counted from the log: every command but the
			// hub's own and the office-only ones.
			cmds, err := n.Store.CommandsAfter("", 100000)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, cmd := range cmds {
				if !strings.HasPrefix(cmd.ID, app.HubIDPrefix) && !app.OfficeOnlyID(cmd.ID) {
					want++
				}
			}
			if want < 4 { // the set-up and three dossiers at least
				t.Fatalf("only %d commands to go up in the log", want)
			}
			waitFor(t, func() error {
				up := n.Health().Uplink
				if up.Configured != (c.hub.URL != "") || up.Problem != c.problem || up.Online {
					return fmt.Errorf("uplink %+v, want configured %v, problem %q, offline", up, c.hub.URL != "", c.problem)
				}
				if up.Unsent != want {
					return fmt.Errorf("uplink.unsent %d, want the %d commands waiting to go up", up.Unsent, want)
				}
				return nil
			})
		})
	}
	if hubHits.Load() != 0 {
		t.Errorf("a PC with no enrolment token asked the hub %d times", hubHits.Load())
	}
}
