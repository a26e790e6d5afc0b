package app_test

import (
	"slices"
	"testing"
	"time"

	"xaso/app"
)

// TestFoldApologyOnce: the fold takes one apology per dossier and keeps a
// second (from a PC that was apart) as a conflict, as it keeps an action
// the status does not allow; the view offers no second apology.
func TestFoldApologyOnce(t *testing.T) {
	start := at("2026-03-02 08:00")
	n := 0
	cmd := func(kind string, body app.Body) app.Command {
		t.Helper()
		n++
		c, err := app.NewCommand(app.RandomID(), kind, "u.leader", "node", app.MakeHLC(start.Add(time.Duration(n)*time.Minute).UnixMilli(), 0), body)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var d app.Dossier
	apply := func(kind string, body app.Body) {
		d.Apply(cmd(kind, body), body)
	}
	apply(app.KindDossierReceive, &app.ReceiveBody{DossierID: "d1", Code: "X-1", Procedure: app.ProcedureRef{Code: "1.004873"},
		ReceivedAt: start, DueAt: start.Add(72 * time.Hour)})
	if to, why := d.Next(app.ActApologize); why != "" || to != app.StatusReceived {
		t.Fatalf("first apology: %q %q", to, why)
	}
	apply(app.KindDossierAct, &app.ActBody{DossierID: "d1", Action: app.ActApologize, Note: "chậm", DueAt: start.Add(96 * time.Hour)})
	if !d.Apologized || len(d.Conflicts) != 0 {
		t.Fatalf("after the first apology: apologized %v, conflicts %v", d.Apologized, d.Conflicts)
	}
	if _, why := d.Next(app.ActApologize); why != "already_apologized" {
		t.Fatalf("second apology: why %q", why)
	}
	apply(app.KindDossierAct, &app.ActBody{DossierID: "d1", Action: app.ActApologize, Note: "lại chậm", DueAt: start.Add(200 * time.Hour)})
	apply(app.KindDossierAct, &app.ActBody{DossierID: "d1", Action: app.ActReturn})
	var reasons []string
	for _, c := range d.Conflicts {
		reasons = append(reasons, c.Reason)
	}
	if want := []string{"already_apologized", "return not allowed in received"}; !slices.Equal(reasons, want) {
		t.Fatalf("conflicts %q, want %q", reasons, want)
	}
	if !d.DueAt.Equal(start.Add(96 * time.Hour)) {
		t.Errorf("due %v: the second apology moved it", d.DueAt)
	}

	f := newFixture(t, start)
	leader := f.users[app.RoleLeader]
	fd := f.receive("1.004873")
	if v := f.svc.View(leader, fd); !slices.Contains(v.AllowedActions, app.ActApologize) {
		t.Fatalf("before an apology the leader is not offered one: %v", v.AllowedActions)
	}
	fd, err := f.act(leader, fd, app.ActApologize)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.svc.View(leader, fd); slices.Contains(v.AllowedActions, app.ActApologize) {
		t.Fatalf("a second apology is offered: %v", v.AllowedActions)
	}
}
