package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/calendar"
	"xaso/store"
)

// live makes the fixture's service follow what is published to its store.
func live(t testing.TB) func(*app.Config) {
	return func(cfg *app.Config) {
		cat, err := app.DefaultCatalog()
		if err != nil {
			t.Fatal(err)
		}
		pub, err := app.NewPublished(cfg.Reader.(app.PublishedReader), []app.Catalog{cat}, calendar.Config{}, cfg.Now, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Published, cfg.Catalogs, cfg.Calendar = pub, nil, nil
	}
}

// publish applies commands as they arrive from the hub: replicated, not made here.
func publish(t testing.TB, st *store.Store, cmds ...app.Command) {
	t.Helper()
	if err := st.Apply(context.Background(), cmds...); err != nil {
		t.Fatal(err)
	}
}

// hubAt is the hub's clock reading i seconds into 2026.
func hubAt(i int) app.HLC {
	return app.MakeHLC(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).UnixMilli(), 0)
}

// catalogV returns the built-in catalog as version v in force from day,
// with the marital status confirmation (1.004873) due in hours.
func catalogV(t testing.TB, v, day string, hours int) app.Catalog {
	t.Helper()
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version, cat.EffectiveFrom, cat.Source = v, day, "test"
	procs := append([]app.Procedure(nil), cat.Procedures...)
	for i := range procs {
		if procs[i].Code == "1.004873" {
			procs[i].Rule = app.DeadlineRule{Kind: calendar.WorkingHours, Hours: hours}
			procs[i].Extension = nil
		}
	}
	cat.Procedures = procs
	return cat
}

func mustCatalog(t testing.TB, i int, c app.Catalog) app.Command {
	t.Helper()
	cmd, err := app.NewCatalogPublish("", "province", "hub", hubAt(i), c)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

func mustCalendar(t testing.TB, i int, y app.CalendarBody) app.Command {
	t.Helper()
	cmd, err := app.NewCalendarPublish("", "province", "hub", hubAt(i), y)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// A catalog version published with a future effective date applies to
// dossiers received on or after that date; a dossier keeps the version it
// was received under.
func TestCatalogEffectiveDate(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"), live(t))
	publish(t, f.st, mustCatalog(t, 1, catalogV(t, "2026.1", "2026-03-10", 40)))
	tests := []struct {
		name        string
		now         string
		wantVersion string
		wantDue     string
	}{
		{"before the effective date: the version in force", "2026-03-02 08:00", "2025.07-default", "2026-03-05 08:00"},
		{"the day before", "2026-03-09 16:00", "2025.07-default", "2026-03-12 16:00"},
		{"on the effective date: the new version", "2026-03-10 08:00", "2026.1", "2026-03-17 08:00"},
		{"after it", "2026-03-11 08:00", "2026.1", "2026-03-18 08:00"},
	}
	var first app.Dossier
	for i, tt := range tests {
		f.mu.Lock()
		f.now = at(tt.now)
		f.mu.Unlock()
		d := f.receive("1.004873")
		if i == 0 {
			first = d
		}
		if d.Procedure.Version != tt.wantVersion || !d.DueAt.Equal(at(tt.wantDue)) {
			t.Errorf("%s: version %s due %s, want %s due %s", tt.name, d.Procedure.Version,
				d.DueAt.Format("2006-01-02 15:04"), tt.wantVersion, tt.wantDue)
		}
	}
	again, err := f.st.Dossier(first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Procedure.Version != "2025.07-default" || !again.DueAt.Equal(first.DueAt) {
		t.Errorf("an earlier dossier changed: version %s due %s", again.Procedure.Version, again.DueAt)
	}
	if got := f.svc.Catalog().Version; got != "2026.1" {
		t.Errorf("catalog in force %s, want 2026.1", got)
	}
}

// A published calendar moves the due dates computed after it arrives and
// never the ones computed before.
func TestCalendarMovesLaterDueDates(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"), live(t))
	before := f.receive("1.004873") // 3 working days: Thursday 08:00
	publish(t, f.st, mustCalendar(t, 1, app.CalendarBody{Year: 2026, Version: 1, Source: "test",
		Days: []calendar.Override{{Date: "2026-03-04", Off: true, Name: "nghỉ"}}}))
	after := f.receive("1.004873") // Wednesday off: Friday 08:00
	if !before.DueAt.Equal(at("2026-03-05 08:00")) || !after.DueAt.Equal(at("2026-03-06 08:00")) {
		t.Fatalf("due before %s, after %s; want Thursday then Friday", before.DueAt, after.DueAt)
	}
	again, err := f.st.Dossier(before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.DueAt.Equal(before.DueAt) {
		t.Errorf("an earlier due date moved: %s", again.DueAt)
	}
	// Version 2 of the year drops the day off again; a stale version 1
	// arriving after it changes nothing.
	v2 := mustCalendar(t, 3, app.CalendarBody{Year: 2026, Version: 2, Source: "test", Days: []calendar.Override{}})
	publish(t, f.st, v2)
	publish(t, f.st, mustCalendar(t, 2, app.CalendarBody{Year: 2026, Version: 1, Source: "test",
		Days: []calendar.Override{{Date: "2026-03-04", Off: true, Name: "nghỉ (gửi lại)"}}}))
	if d := f.receive("1.004873"); !d.DueAt.Equal(at("2026-03-05 08:00")) {
		t.Errorf("after version 2: due %s, want Thursday", d.DueAt)
	}
}

// The published state is the same whatever order the commands arrive in:
// the later catalog version of a day and the higher calendar version win,
// and conflicts are kept.
func TestPublishOrderIndependent(t *testing.T) {
	cal := func(i, v int, off string) app.Command {
		return mustCalendar(t, i, app.CalendarBody{Year: 2026, Version: v, Source: "test",
			Days: []calendar.Override{{Date: off, Off: true}}})
	}
	cmds := []app.Command{
		mustCatalog(t, 1, catalogV(t, "2026.2", "2026-03-10", 40)),
		mustCatalog(t, 2, catalogV(t, "2026.10", "2026-03-10", 16)),
		mustCatalog(t, 3, catalogV(t, "2026.2", "2026-03-10", 48)), // the same version changed: a conflict
		cal(4, 2, "2026-03-04"),
		cal(5, 1, "2026-03-05"), // older, stamped later: superseded
		cal(6, 2, "2026-03-06"), // the same version changed: a conflict
	}
	orders := [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 4, 0, 5, 1, 3}, {3, 0, 5, 2, 4, 1}}
	var hashes []string
	for _, order := range orders {
		st, err := store.Open(store.Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range order {
			publish(t, st, cmds[i])
		}
		h, err := st.StateHash()
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
		cats, _ := st.CatalogVersions()
		years, _ := st.CalendarYears()
		if len(cats) != 2 || len(years) != 1 {
			t.Fatalf("order %v: %d catalogs, %d years", order, len(cats), len(years))
		}
		byV := map[string]app.CatalogVersion{}
		for _, c := range cats {
			byV[c.Catalog.Version] = c
		}
		if c := byV["2026.2"]; c.CommandID != cmds[0].ID || len(c.Conflicts) != 1 || c.Conflicts[0].Reason != app.ConflictCatalogVersionExists {
			t.Errorf("order %v: 2026.2 = %s, conflicts %+v", order, c.CommandID, c.Conflicts)
		}
		y := years[0]
		if y.Calendar.Version != 2 || y.Calendar.Days[0].Date != "2026-03-04" || len(y.Conflicts) != 2 {
			t.Errorf("order %v: calendar %+v conflicts %+v", order, y.Calendar, y.Conflicts)
		}
		pub, err := app.NewPublished(st, nil, calendar.Config{}, func() time.Time { return at("2026-03-12 08:00") }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := pub.Catalogs().At(at("2026-03-12 08:00")).Version; v != "2026.10" {
			t.Errorf("order %v: in force %s, want the later version 2026.10", order, v)
		}
		if pub.Calendar().IsWorkingDay(at("2026-03-04 08:00")) || !pub.Calendar().IsWorkingDay(at("2026-03-05 08:00")) {
			t.Errorf("order %v: the calendar in force is not version 2", order)
		}
		st.Close()
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Fatalf("state hashes differ by arrival order: %v", hashes)
		}
	}
}

// Bodies that are not a valid catalog or calendar are refused when the
// command is built, with a coded error naming the field; the fold never
// sees them.
func TestPublishRefusesBadBodies(t *testing.T) {
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(cat)
	withCat := func(edit func(*app.Catalog)) string {
		c := catalogV(t, "2026.1", "2026-03-10", 40)
		edit(&c)
		b, _ := json.Marshal(c)
		return string(b)
	}
	tests := []struct {
		name, kind, body, field string
	}{
		{"a kind the hub may not send", app.KindUserCreate, `{"username":"x"}`, "kind"},
		{"an unknown kind", "catalog.remove", `{}`, "kind"},
		{"not JSON", app.KindCatalogPublish, `{"version":`, "body"},
		{"an unknown field", app.KindCalendarPublish, `{"year":2026,"version":1,"source":"s","days":[],"hollidays":[]}`, "body"},
		{"no body", app.KindCalendarPublish, ``, "body"},
		{"catalog: the built-in version's name", app.KindCatalogPublish, withCat(func(c *app.Catalog) { c.Version = cat.Version }), "body.version"},
		{"catalog: a bad version name", app.KindCatalogPublish, withCat(func(c *app.Catalog) { c.Version = "2026/1" }), "body.version"},
		{"catalog: no effective date", app.KindCatalogPublish, withCat(func(c *app.Catalog) { c.EffectiveFrom = "10/03/2026" }), "body.effective_from"},
		{"catalog: no procedures", app.KindCatalogPublish, withCat(func(c *app.Catalog) { c.Procedures = nil }), "body.procedures"},
		{"catalog: a bad rule", app.KindCatalogPublish, withCat(func(c *app.Catalog) { c.Procedures[0].Rule = app.DeadlineRule{Kind: "weeks"} }), "body.procedures"},
		{"catalog: a duplicate procedure", app.KindCatalogPublish, withCat(func(c *app.Catalog) { c.Procedures[1].Code = c.Procedures[0].Code }), "body.procedures"},
		{"calendar: year out of range", app.KindCalendarPublish, `{"year":1999,"version":1,"source":"s","days":[]}`, "body.year"},
		{"calendar: version 0", app.KindCalendarPublish, `{"year":2026,"version":0,"source":"s","days":[]}`, "body.version"},
		{"calendar: no source", app.KindCalendarPublish, `{"year":2026,"version":1,"source":" ","days":[]}`, "body.source"},
		{"calendar: a day of another year", app.KindCalendarPublish, `{"year":2026,"version":1,"source":"s","days":[{"date":"2027-01-01","off":true}]}`, "body.days"},
		{"calendar: a day twice", app.KindCalendarPublish, `{"year":2026,"version":1,"source":"s","days":[{"date":"2026-01-02","off":true},{"date":"2026-01-02","off":false}]}`, "body.days[1].date"},
		{"calendar: not a date", app.KindCalendarPublish, `{"year":2026,"version":1,"source":"s","days":[{"date":"2026-02-30","off":true}]}`, "body.days[0].date"},
		{"calendar: hours backwards", app.KindCalendarPublish, `{"year":2026,"version":1,"source":"s","days":[],"hours":[{"from":"11:00","to":"07:00"}]}`, "body.hours[0]"},
		{"calendar: a bad cut-off", app.KindCalendarPublish, `{"year":2026,"version":1,"source":"s","days":[],"same_day_cutoff":"25:00"}`, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.NewPublishCommand("", tt.kind, "province", "hub", hubAt(1), json.RawMessage(tt.body))
			e := app.AsError(err)
			if err == nil || e.Code != app.EInvalid || e.Field != tt.field || e.Message == "" {
				t.Fatalf("err %v (field %q), want invalid on %s", err, e.Field, tt.field)
			}
		})
	}
	cat.Version = "2026.1"
	good, _ = json.Marshal(cat)
	for _, ok := range []struct{ kind, body string }{
		{app.KindCatalogPublish, string(good)},
		{app.KindCalendarPublish, `{"year":2027,"version":1,"source":"s","days":[{"date":"2027-01-01","off":true}],"hours":[{"from":"07:30","to":"11:30"},{"from":"13:00","to":"17:00"}],"same_day_cutoff":"15:30"}`},
	} {
		c, err := app.NewPublishCommand("", ok.kind, "province", "hub", hubAt(1), json.RawMessage(ok.body))
		if err != nil {
			t.Fatalf("%s: %v", ok.kind, err)
		}
		if _, err := c.Decode(); err != nil {
			t.Fatalf("%s: built command does not decode: %v", ok.kind, err)
		}
	}
}

// BenchmarkPublishedInForce is what each use of the catalogs or calendar
// costs on a node: one read of the store's stamp (no rebuild).
func BenchmarkPublishedInForce(b *testing.B) {
	f := newFixture(b, at("2026-03-02 08:00"), live(b))
	pub, err := app.NewPublished(f.st, nil, calendar.Config{}, f.Now, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if pub.Catalogs() == nil {
			b.Fatal("no catalogs")
		}
	}
}
