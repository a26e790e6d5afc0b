package node

import (
	"context"
	"strings"
	"testing"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/sync/peer"
)

// The PC set up as the office's first (no join code, or --founding) issues
// final codes from its first dossier on, alone; a PC set up with the join
// code that has met neither its office nor a hub issues provisional codes
// only, and /health says why (app/founding.go).
func TestOnlyTheFoundingPCIssuesFinalCodesAlone(t *testing.T) {
	code := peer.NewJoinCode()
	cases := []struct {
		name     string
		secret   string
		founding bool
		mode     string // /health codes.mode
		reason   string
	}{
		{"single-PC office: no join code", "", false, "final", ""},
		{"first PC given the code in advance (--founding)", code, true, "final", ""},
		{"PC set up with the join code, alone since", code, false, "provisional", app.ProvisionalOfficeNotMet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			n, err := Open(ctx, Config{Dir: t.TempDir(), Commune: "14701", Agency: "000.00.31.H42",
				AdminPassword: "admin-password", Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1},
				Founding: tc.founding, LAN: LAN{Secret: tc.secret}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { n.Close() })
			_, admin, err := n.Service.Login(ctx, "127.0.0.1", "admin", "admin-password")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.Service.CreateUser(ctx, admin, app.NewUser{Username: "desk", Password: "desk-password-1",
				FullName: "Tiếp nhận", Roles: []app.Role{app.RoleReceiver}}); err != nil {
				t.Fatal(err)
			}
			_, p, err := n.Service.Login(ctx, "127.0.0.1", "desk", "desk-password-1")
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				d, err := n.Service.Receive(ctx, p, app.ReceiveInput{ProcedureCode: "1.001193", Applicant: app.Applicant{
					FullName: "Nguyễn Văn An", IDNumber: "037090001234", DateOfBirth: "1990-05-01", Phone: "0912 345 678"}}, "")
				if err != nil {
					t.Fatal(err)
				}
				if provisional := strings.HasPrefix(d.Code, app.ProvisionalPrefix); provisional != (tc.mode == "provisional") {
					t.Errorf("dossier %d: code %s, want mode %s", i, d.Code, tc.mode)
				}
			}
			if h := n.Health(); h.Codes.Mode != tc.mode || h.Codes.Reason != tc.reason {
				t.Errorf("/health codes %+v, want mode %q reason %q", h.Codes, tc.mode, tc.reason)
			}
			slots, err := n.Store.Slots()
			if err != nil {
				t.Fatal(err)
			}
			if held := app.SlotHolder(slots, app.SlotStart(n.Store.NodeID())) == n.Store.NodeID(); held != (tc.mode == "final") {
				t.Errorf("holds its start slot: %v, want %v (slots %+v)", held, tc.mode == "final", slots)
			}
		})
	}
}
