package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/calendar"
	"xaso/store"
)

// fixture is a real service over a real store in a temporary folder, with a
// clock the test moves.
type fixture struct {
	t     testing.TB
	svc   *app.Service
	st    *store.Store
	mu    sync.Mutex
	now   time.Time
	users map[app.Role]app.Principal
}

func (f *fixture) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func newFixture(t testing.TB, now time.Time, opts ...func(*app.Config)) *fixture {
	t.Helper()
	st, err := store.Open(store.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, st: st, now: now, users: map[app.Role]app.Principal{}}
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{Node: st.NodeID(), Log: st, Reader: st, Sessions: st,
		Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Calendar: calendar.Default(),
		Catalogs: app.NewCatalogs(cat), Clock: app.NewClock(f.Now, 0), Now: f.Now}
	for _, o := range opts {
		o(&cfg)
	}
	f.svc, err = app.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.svc.Bootstrap(ctx, "14701", "000.00.31.H42", "admin-password"); err != nil {
		t.Fatal(err)
	}
	admin := app.Principal{Username: "admin", Roles: []app.Role{app.RoleAdmin}}
	f.users[app.RoleAdmin] = admin
	for _, r := range []app.Role{app.RoleReceiver, app.RoleSpecialist, app.RoleLeader} {
		name := "u." + string(r)
		if _, err := f.svc.CreateUser(ctx, admin, app.NewUser{Username: name, Password: "password-" + name,
			FullName: "Cán bộ " + string(r), Roles: []app.Role{r}}); err != nil {
			t.Fatal(err)
		}
		f.users[r] = app.Principal{Username: name, Roles: []app.Role{r}}
	}
	return f
}

// nth is the k-th dossier code of day issued by the fixture's PC: numbers
// run from the first of the slot the PC leases (app.FreeSlot).
func (f *fixture) nth(day time.Time, k int) string {
	first, _ := app.SlotRange(app.SlotStart(f.st.NodeID()))
	return app.FormatCode("000.00.31.H42", day, first+k-1)
}

func applicant() app.Applicant {
	return app.Applicant{FullName: "Nguyễn Văn An", IDNumber: "037090001234", DateOfBirth: "1990-05-01", Phone: "0912 345 678"}
}

func (f *fixture) receive(code string) app.Dossier {
	f.t.Helper()
	d, err := f.svc.Receive(context.Background(), f.users[app.RoleReceiver],
		app.ReceiveInput{ProcedureCode: code, Applicant: applicant()}, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// act takes an action as the first role allowed to, with what it needs.
func (f *fixture) act(p app.Principal, d app.Dossier, a app.Action) (app.Dossier, error) {
	in := app.ActInput{Action: a, Note: "lý do"}
	if a == app.ActApologize {
		nd := f.Now().Add(7 * 24 * time.Hour)
		in.NewDueAt = &nd
	}
	if a == app.ActHandOver {
		in.Assignee = "u.leader"
	}
	return f.svc.Act(context.Background(), p, d.Code, in)
}

// paths reach each status from "received" by allowed actions.
var paths = map[app.Status][]app.Action{
	app.StatusReceived:            nil,
	app.StatusProcessing:          {app.ActForward},
	app.StatusSupplementRequested: {app.ActForward, app.ActRequestSupplement},
	app.StatusPaymentRequested:    {app.ActForward, app.ActRequestPayment},
	app.StatusResultReady:         {app.ActForward, app.ActResolve},
	app.StatusReturned:            {app.ActForward, app.ActResolve, app.ActReturn},
	app.StatusStopped:             {app.ActForward, app.ActStop},
	app.StatusWithdrawn:           {app.ActWithdraw},
}

var actor = map[app.Action]app.Role{
	app.ActForward: app.RoleReceiver, app.ActRequestSupplement: app.RoleSpecialist, app.ActRequestPayment: app.RoleSpecialist,
	app.ActResolve: app.RoleLeader, app.ActReturn: app.RoleReceiver, app.ActStop: app.RoleLeader, app.ActWithdraw: app.RoleReceiver,
}

// TestTransitionsByRole tries every action in every status reachable at the
// desk with every role, against the lifecycle written out from the domain
// facts (domain/README.md) and the permission matrix, independently of the
// tables in lifecycle.go.
func TestTransitionsByRole(t *testing.T) {
	allowed := map[app.Status][]app.Action{
		app.StatusReceived: {"forward", "withdraw", "apologize"},
		app.StatusProcessing: {"request_supplement", "request_payment", "stop", "resolve", "withdraw", "apologize",
			"refuse", "hand_over"}, // refusal after appraisal (Decree 61/2018 art. 19(8)); hand-over to the leader
		app.StatusSupplementRequested: {"supplement", "withdraw", "apologize"},
		app.StatusPaymentRequested:    {"paid", "withdraw", "apologize"},
		app.StatusResultReady:         {"return", "withdraw"},
	}
	after := map[app.Action]app.Status{"forward": "processing", "withdraw": "withdrawn", "request_supplement": "supplement_requested",
		"request_payment": "payment_requested", "stop": "stopped", "resolve": "result_ready", "supplement": "processing",
		"paid": "processing", "return": "returned", "receive": "received", "refuse": "refused", "hand_over": "processing"}
	roles := map[app.Action][]app.Role{
		"receive": {"receiver"}, "refuse": {"receiver", "specialist", "leader"}, "forward": {"receiver"},
		"hand_over": {"specialist", "leader"}, "request_supplement": {"specialist", "leader"},
		"supplement": {"receiver"}, "request_payment": {"specialist"}, "paid": {"receiver", "specialist"}, "stop": {"leader"},
		"resolve": {"specialist", "leader"}, "return": {"receiver"}, "withdraw": {"receiver", "leader"}, "apologize": {"leader"},
	}
	f := newFixture(t, time.Date(2026, 3, 2, 8, 0, 0, 0, app.VN()))
	for status, path := range paths {
		for _, a := range app.Actions() {
			for _, role := range app.Roles() {
				name := fmt.Sprintf("%s/%s/%s", status, a, role)
				d := f.receive("1.004873")
				var err error
				for _, step := range path {
					if d, err = f.act(f.users[actor[step]], d, step); err != nil {
						t.Fatalf("%s: reaching the status, %s: %v", name, step, err)
					}
				}
				got, err := f.act(f.users[role], d, a)
				okState := slices.Contains(allowed[status], a)
				okRole := slices.Contains(roles[a], role)
				switch {
				case !okRole:
					if app.ErrorCode(err) != app.EForbidden {
						t.Errorf("%s: got %v, want forbidden", name, err)
					}
				case !okState:
					if app.ErrorCode(err) != app.ETransition {
						t.Errorf("%s: got %v, want transition_not_allowed", name, err)
					}
				case err != nil:
					t.Errorf("%s: %v", name, err)
				case a == app.ActApologize:
					if got.Status != status || !got.Apologized {
						t.Errorf("%s: apology gave %s apologized=%v", name, got.Status, got.Apologized)
					}
				case got.Status != after[a]:
					t.Errorf("%s: status %s, want %s", name, got.Status, after[a])
				}
				if err != nil {
					if again, _ := f.svc.DossierByCode(d.Code); again.Status != status || len(again.History) != len(d.History) {
						t.Errorf("%s: a refused action changed the dossier", name)
					}
				}
			}
		}
	}
}

// TestSubmittedDossiers covers status 1, which only online dossiers reach.
func TestSubmittedDossiers(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 8, 0, 0, 0, app.VN()))
	for _, tc := range []struct {
		action app.Action
		role   app.Role
		want   app.Status
		code   string
	}{
		{app.ActReceive, app.RoleReceiver, app.StatusReceived, ""},
		{app.ActRefuse, app.RoleReceiver, app.StatusRefused, ""},
		{app.ActWithdraw, app.RoleReceiver, app.StatusWithdrawn, ""},
		{app.ActReceive, app.RoleSpecialist, "", app.EForbidden},
		{app.ActForward, app.RoleReceiver, "", app.ETransition},
		{app.ActResolve, app.RoleLeader, "", app.ETransition},
	} {
		id := app.RandomID()
		code := "000.00.31.H42-260302-9" + id[:3]
		c, err := app.NewCommand(id, app.KindDossierSubmit, "hub", "hub", app.MakeHLC(f.Now().UnixMilli(), 1),
			&app.ReceiveBody{DossierID: id, Code: code, Slot: -1, Channel: app.ChannelOnline, Applicant: applicant(),
				Procedure:  app.ProcedureRef{Code: "1.004873", Name: "x", Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
				ReceivedAt: f.Now(), DueAt: f.Now().Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.Apply(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		f.advance(time.Second)
		d, err := f.svc.Act(context.Background(), f.users[tc.role], code, app.ActInput{Action: tc.action, Note: "lý do"})
		if tc.code != "" {
			if app.ErrorCode(err) != tc.code {
				t.Errorf("%s by %s: %v, want %s", tc.action, tc.role, err, tc.code)
			}
			continue
		}
		if err != nil || d.Status != tc.want {
			t.Errorf("%s by %s: %v %s, want %s", tc.action, tc.role, err, d.Status, tc.want)
		}
	}
}

func TestUserCanHold(t *testing.T) {
	for _, tc := range []struct {
		roles    []app.Role
		disabled bool
		want     bool
	}{
		{[]app.Role{app.RoleSpecialist}, false, true},
		{[]app.Role{app.RoleLeader}, false, true},
		{[]app.Role{app.RoleReceiver, app.RoleLeader}, false, true},
		{[]app.Role{app.RoleReceiver}, false, false},
		{[]app.Role{app.RoleAdmin}, false, false},
		{nil, false, false},
		{[]app.Role{app.RoleSpecialist}, true, false},
		{[]app.Role{app.RoleLeader}, true, false},
	} {
		u := app.User{Username: "u", Roles: tc.roles, Disabled: tc.disabled}
		if got := u.CanHold(); got != tc.want {
			t.Errorf("CanHold(roles %v, disabled %v) = %v, want %v", tc.roles, tc.disabled, got, tc.want)
		}
	}
}

// TestForwardToDisabledOfficial: the forward picker does not offer a
// disabled specialist, and Act refuses to hand a dossier to one.
func TestForwardToDisabledOfficial(t *testing.T) {
	f := newFixture(t, at("2026-03-02 09:00"))
	ctx := context.Background()
	f.advance(time.Second)
	yes := true
	c, err := app.NewCommand(app.RandomID(), app.KindUserUpdate, "admin", "other", app.MakeHLC(f.Now().UnixMilli(), 0),
		&app.UserBody{Username: "u.specialist", Disabled: &yes})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	officials, err := f.svc.Officials(f.users[app.RoleReceiver])
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range officials {
		if o.Username == "u.specialist" {
			t.Error("Officials lists a disabled specialist")
		}
	}
	d := f.receive("1.001193")
	_, err = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code,
		app.ActInput{Action: app.ActForward, Assignee: "u.specialist"})
	if app.ErrorCode(err) != app.EInvalid {
		t.Fatalf("forward to a disabled specialist: %v, want %s", err, app.EInvalid)
	}
	if got, err := f.svc.DossierByCode(d.Code); err != nil || got.Status != app.StatusReceived || got.Holder != d.Holder {
		t.Fatalf("a refused forward changed the dossier: %v %s holder %q", err, got.Status, got.Holder)
	}
	if got, err := f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code,
		app.ActInput{Action: app.ActForward, Assignee: "u.leader"}); err != nil || got.Holder != "u.leader" {
		t.Fatalf("forward to an active leader: %v holder %q", err, got.Holder)
	}
}

// An online dossier arrives from the hub under a provisional code; the
// official who receives it holds it afterwards, and it takes the office's
// own code at that moment (the citizen's receipt carries it), the old code
// kept in the history.
func TestOnlineDossierReceivedTakesTheOfficesCode(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 8, 0, 0, 0, app.VN()))
	id := app.RandomID()
	old := "TAM-000.00.31.H42-260302-999999-0001"
	c, err := app.NewCommand(id, app.KindDossierSubmit, "hub:admin", "hub", app.MakeHLC(f.Now().UnixMilli(), 1),
		&app.ReceiveBody{DossierID: id, Code: old, Slot: -1, Seq: 1, Channel: app.ChannelOnline, Applicant: applicant(),
			Procedure:  app.ProcedureRef{Code: "1.004873", Name: "x", Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
			ReceivedAt: f.Now(), DueAt: f.Now().Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Second)
	desk := f.users[app.RoleReceiver]
	d, err := f.svc.Act(context.Background(), desk, old, app.ActInput{Action: app.ActReceive})
	if err != nil {
		t.Fatal(err)
	}
	if want := f.nth(f.Now(), 1); d.Code != want || d.Provisional {
		t.Errorf("code %s (provisional %v), want the office's %s", d.Code, d.Provisional, want)
	}
	if d.Holder != desk.Username {
		t.Errorf("holder %q, want the receiving official", d.Holder)
	}
	last := d.History[len(d.History)-1]
	if !strings.Contains(last.Note, old+" → "+d.Code) || last.Holder != "" {
		t.Errorf("the receipt in the history: note %q, holder %q", last.Note, last.Holder)
	}
	// The next desk receipt takes the next number, not the same one.
	if next := f.receive("1.004873"); next.Code != f.nth(f.Now(), 2) {
		t.Errorf("the next receipt's code %s, want %s", next.Code, f.nth(f.Now(), 2))
	}
}
