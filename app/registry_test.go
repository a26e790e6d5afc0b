package app_test

import (
	"context"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/calendar"
	"xaso/store"
)

// birthFacts are the facts of a birth as the desk types them.
func birthFacts(child string) *app.Facts {
	return &app.Facts{
		Subject: app.Person{FullName: child, Sex: "nữ", Ethnicity: "Kinh", Nationality: "Việt Nam"},
		Mother:  &app.Person{FullName: "Trần Thị Bình", DateOfBirth: "1995-03-02", IDNumber: "037195000111"},
		Father:  &app.Person{FullName: "Lê Văn Cường", DateOfBirth: "1993-07-09"},
		Date:    "2026-11-30", Place: "Trạm y tế xã Yên Mô, tỉnh Ninh Bình",
		Declarant: app.Declarant{FullName: "Lê Văn Cường", Relation: "cha", Phone: "0912345678"},
	}
}

// resolveBirth receives a birth registration with its facts and takes it to
// result_ready, as the desk, the specialist and the leader would.
func (f *fixture) resolveBirth(child string) (app.Dossier, error) {
	f.t.Helper()
	ctx := context.Background()
	d, err := f.svc.Receive(ctx, f.users[app.RoleReceiver],
		app.ReceiveInput{ProcedureCode: "1.001193", Applicant: applicant(), Facts: birthFacts(child)}, "")
	if err != nil {
		f.t.Fatal(err)
	}
	if d, err = f.act(f.users[app.RoleReceiver], d, app.ActForward); err != nil {
		f.t.Fatal(err)
	}
	return f.act(f.users[app.RoleLeader], d, app.ActResolve)
}

var dec2026 = time.Date(2026, 12, 4, 9, 0, 0, 0, app.VN())

func TestResolvedBirthIsEntered(t *testing.T) {
	f := newFixture(t, dec2026)
	d1, err := f.resolveBirth("Lê Thị Hoa")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := f.resolveBirth("Lê Văn Minh")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := app.SlotRange(app.SlotStart(f.st.NodeID()))
	for i, d := range []app.Dossier{d1, d2} {
		want := app.EntryRef{Register: "birth-2026", Book: "01", Number: first + i}
		if d.RegisterEntry == nil || *d.RegisterEntry != want {
			t.Fatalf("dossier %d register_entry = %+v, want %+v", i, d.RegisterEntry, want)
		}
	}
	e, err := f.svc.RegisterEntry(f.users[app.RoleLeader], "birth-2026", first+1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Facts.Subject.FullName != "Lê Văn Minh" || e.Facts.Mother.FullName != "Trần Thị Bình" || e.DossierCode != d2.Code ||
		e.RegisteredBy != "u.leader" || e.Facts.Subject.DateOfBirth != "2026-11-30" {
		t.Fatalf("entry = %+v", e)
	}
	regs, err := f.svc.Registers(f.users[app.RoleReceiver], "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 1 || regs[0].ID != "birth-2026" || regs[0].Entries != 2 || regs[0].Closed || regs[0].Book != "01" {
		t.Fatalf("registers = %+v", regs)
	}
	// A dossier of a procedure without a register, or received without
	// facts, is resolved as before, with no entry.
	plain := f.receive("2.000815")
	plain, _ = f.act(f.users[app.RoleReceiver], plain, app.ActForward)
	if plain, err = f.act(f.users[app.RoleLeader], plain, app.ActResolve); err != nil || plain.RegisterEntry != nil {
		t.Fatalf("resolve without register: %+v %v", plain.RegisterEntry, err)
	}
}

func TestFactsRejected(t *testing.T) {
	f := newFixture(t, dec2026)
	cases := []struct {
		name, proc, field string
		edit              func(*app.Facts)
	}{
		{"no child name", "1.001193", "facts.subject.full_name", func(x *app.Facts) { x.Subject.FullName = " " }},
		{"bad sex", "1.001193", "facts.subject.sex", func(x *app.Facts) { x.Subject.Sex = "x" }},
		{"no sex", "1.001193", "facts.subject.sex", func(x *app.Facts) { x.Subject.Sex = "" }},
		{"future birth", "1.001193", "facts.date", func(x *app.Facts) { x.Date = "2027-01-01" }},
		{"bad date", "1.001193", "facts.date", func(x *app.Facts) { x.Date = "30/11/2026" }},
		{"no place", "1.001193", "facts.place", func(x *app.Facts) { x.Place = "" }},
		{"no declarant", "1.001193", "facts.declarant.full_name", func(x *app.Facts) { x.Declarant.FullName = "" }},
		{"mother without name", "1.001193", "facts.mother.full_name", func(x *app.Facts) { x.Mother.FullName = "" }},
		{"marriage without partner", "1.000894", "facts.partner.full_name", func(x *app.Facts) {}},
		{"procedure without register", "2.000815", "facts", func(x *app.Facts) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			facts := birthFacts("Lê Thị Hoa")
			c.edit(facts)
			before, _ := f.st.CommandCount()
			_, err := f.svc.Receive(context.Background(), f.users[app.RoleReceiver],
				app.ReceiveInput{ProcedureCode: c.proc, Applicant: applicant(), Facts: facts}, "")
			var e *app.Error
			if app.ErrorCode(err) != app.EInvalid || !asError(err, &e) || e.Field != c.field {
				t.Fatalf("err = %v (%+v), want invalid %s", err, e, c.field)
			}
			if after, _ := f.st.CommandCount(); after != before {
				t.Fatalf("commands %d → %d: something was stored", before, after)
			}
		})
	}
}

func asError(err error, e **app.Error) bool {
	x, ok := err.(*app.Error)
	*e = x
	return ok
}

func TestEntryCorrectionsAnnotationsExtracts(t *testing.T) {
	f := newFixture(t, dec2026)
	d, err := f.resolveBirth("Lê Thị Hoa")
	if err != nil {
		t.Fatal(err)
	}
	ctx, ref := context.Background(), *d.RegisterEntry
	spec, rec := f.users[app.RoleSpecialist], f.users[app.RoleReceiver]
	bad := []struct {
		name string
		p    app.Principal
		in   app.CorrectInput
		code string
	}{
		{"no note", spec, app.CorrectInput{Field: "subject.full_name", New: "Lê Thị Huệ"}, app.EInvalid},
		{"same value", spec, app.CorrectInput{Field: "subject.full_name", New: "Lê  Thị Hoa", Note: "x"}, app.EInvalid},
		{"unknown field", spec, app.CorrectInput{Field: "subject.eyes", New: "nâu", Note: "x"}, app.EInvalid},
		{"bad value", spec, app.CorrectInput{Field: "subject.sex", New: "?", Note: "x"}, app.EInvalid},
		{"receiver", rec, app.CorrectInput{Field: "subject.full_name", New: "Lê Thị Huệ", Note: "x"}, app.EForbidden},
	}
	for _, c := range bad {
		if _, err := f.svc.CorrectEntry(ctx, c.p, ref.Register, ref.Number, c.in); app.ErrorCode(err) != c.code {
			t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
		}
	}
	e, err := f.svc.CorrectEntry(ctx, spec, ref.Register, ref.Number, app.CorrectInput{Field: "subject.full_name",
		New: "Lê Thị Huệ", Note: "Sai chính tả khi đăng ký", Basis: "Quyết định 12/QĐ-UBND"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Facts.Subject.FullName != "Lê Thị Hoa" || e.Current.Subject.FullName != "Lê Thị Huệ" || len(e.Corrections) != 1 ||
		e.Corrections[0].Old != "Lê Thị Hoa" || e.Corrections[0].By != "u.specialist" {
		t.Fatalf("after correction: facts %q current %q corrections %+v", e.Facts.Subject.FullName, e.Current.Subject.FullName, e.Corrections)
	}
	if e, err = f.svc.AnnotateEntry(ctx, spec, ref.Register, ref.Number, "Đã cấp bản chính giấy khai sinh"); err != nil || len(e.Annotations) != 1 {
		t.Fatalf("annotate: %+v %v", e.Annotations, err)
	}
	if _, _, err := f.svc.IssueExtract(ctx, rec, ref.Register, ref.Number, app.ExtractInput{Copies: 0}); app.ErrorCode(err) != app.EInvalid {
		t.Fatalf("0 copies: %v", err)
	}
	for i := 1; i <= 2; i++ {
		_, x, err := f.svc.IssueExtract(ctx, rec, ref.Register, ref.Number, app.ExtractInput{Copies: i, FeeVND: 8000 * i, Requester: "Lê Văn Cường"})
		if err != nil || x.No != i || x.Copies != i || x.FeeVND != 8000*i || x.By != "u.receiver" || x.At.IsZero() {
			t.Fatalf("extract %d: %+v %v", i, x, err)
		}
	}
	// Search without diacritics looks at the facts in force.
	for q, want := range map[string]int{"le thi hue": 1, "LÊ THỊ HUỆ": 1, "le thi hoa": 0, "tran thi binh": 1, "": 1, "nguyen": 0} {
		got, err := f.svc.Entries(rec, ref.Register, q)
		if err != nil || len(got) != want {
			t.Errorf("q=%q: %d entries, %v; want %d", q, len(got), err, want)
		}
	}
}

func TestClosedBooks(t *testing.T) {
	f := newFixture(t, dec2026)
	if _, err := f.resolveBirth("Lê Thị Hoa"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.svc.CloseRegister(ctx, f.users[app.RoleSpecialist], "birth-2026"); app.ErrorCode(err) != app.EForbidden {
		t.Fatalf("specialist closes: %v", err)
	}
	if b, err := f.svc.CloseRegister(ctx, f.users[app.RoleLeader], "birth-2026"); err != nil || b.ClosedAt.IsZero() {
		t.Fatalf("close: %+v %v", b, err)
	}
	before, _ := f.st.CommandCount()
	d, err := f.resolveBirth("Lê Văn Minh")
	if app.ErrorCode(err) != app.EConflict {
		t.Fatalf("resolve into a closed book: %v", err)
	}
	if after, _ := f.st.CommandCount(); after != before+2 { // the receipt and the forward, not the resolution
		t.Fatalf("commands %d → %d", before, after)
	}
	_ = d
	// A new year opens a new book; last year's is closed by its year.
	f2 := newFixture(t, dec2026)
	if _, err := f2.resolveBirth("Lê Thị Hoa"); err != nil {
		t.Fatal(err)
	}
	f2.advance(35 * 24 * time.Hour)
	d, err = f2.resolveBirth("Lê Văn Minh")
	if err != nil || d.RegisterEntry.Register != "birth-2027" {
		t.Fatalf("in 2027: %+v %v", d.RegisterEntry, err)
	}
	regs, _ := f2.svc.Registers(f2.users[app.RoleReceiver], app.RegBirth, 0)
	if len(regs) != 2 || regs[0].ID != "birth-2027" || regs[0].Closed || !regs[1].Closed {
		t.Fatalf("registers = %+v", regs)
	}
}

// peer is a second PC of the fixture's office: its own store holding every
// command the fixture's holds, and its own service on the same clock.
func (f *fixture) peer() *fixture {
	f.t.Helper()
	st, err := store.Open(store.Config{Dir: f.t.TempDir()})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	rejoin(f.t, f.st, st)
	p := &fixture{t: f.t, st: st, now: f.Now(), users: f.users}
	cat, _ := app.DefaultCatalog()
	p.svc, err = app.NewService(app.Config{Node: st.NodeID(), Log: st, Reader: st, Sessions: st,
		Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Calendar: calendar.Default(),
		Catalogs: app.NewCatalogs(cat), Clock: app.NewClock(p.Now, 0), Now: p.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// rejoin applies every command of from to to (a PC that rejoins its office).
func rejoin(t testing.TB, from, to *store.Store) {
	t.Helper()
	var cmds []app.Command
	if err := from.EachCommand(func(c app.Command) error { cmds = append(cmds, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := to.Apply(context.Background(), cmds...); err != nil {
		t.Fatal(err)
	}
}

// TestEntryNumbersOfPCsApart: two PCs of one office each lease a slot while
// together, then register births while cut off from each other. When they
// meet again, every entry number is unique, nothing is in conflict, both
// hold the same state, and numbering goes on above what was issued.
func TestEntryNumbersOfPCsApart(t *testing.T) {
	a := newFixture(t, dec2026)
	ctx := context.Background()
	if _, err := a.svc.LeaseLocal(ctx); err != nil {
		t.Fatal(err)
	}
	b := a.peer()
	if _, err := b.svc.LeaseLocal(ctx); err != nil {
		t.Fatal(err)
	}
	rejoin(t, b.st, a.st)
	// Apart: each registers three births, the same day, into the same book.
	for i := range 3 {
		for _, pc := range []*fixture{a, b} {
			if _, err := pc.resolveBirth("Trẻ " + string(rune('A'+i))); err != nil {
				t.Fatal(err)
			}
			pc.advance(time.Minute)
		}
	}
	rejoin(t, a.st, b.st)
	rejoin(t, b.st, a.st)
	ha, _ := a.st.StateHash()
	hb, _ := b.st.StateHash()
	if ha != hb {
		t.Fatal("the two PCs differ after rejoining")
	}
	seen := map[int]bool{}
	err := a.st.Entries("birth-2026", func(e app.Entry) error {
		if seen[e.Number] || len(e.Conflicts) > 0 {
			t.Errorf("entry %d issued twice: %+v", e.Number, e.Conflicts)
		}
		seen[e.Number] = true
		return nil
	})
	if err != nil || len(seen) != 6 {
		t.Fatalf("%d entries, %v; want 6", len(seen), err)
	}
	book, _, _ := a.st.Book("birth-2026")
	if len(book.Conflicts) != 0 {
		t.Fatalf("book conflicts %+v", book.Conflicts) // both opened the book with the same number
	}
	d, err := a.resolveBirth("Trẻ D")
	if err != nil {
		t.Fatal(err)
	}
	if n := d.RegisterEntry.Number; seen[n] {
		t.Fatalf("number %d reused after rejoining", n)
	}
}

// A civil-status dossier received without facts (before the desk took
// them) is entered when its resolution brings them; facts on another
// action are refused.
func TestFactsAtResolution(t *testing.T) {
	f := newFixture(t, dec2026)
	ctx := context.Background()
	d := f.receive("1.001193")
	if _, err := f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward, Facts: birthFacts("X")}); app.ErrorCode(err) != app.EInvalid {
		t.Fatalf("facts on forward: %v", err)
	}
	d, _ = f.act(f.users[app.RoleReceiver], d, app.ActForward)
	bad := birthFacts("Lê Thị Hoa")
	bad.Place = ""
	if _, err := f.svc.Act(ctx, f.users[app.RoleLeader], d.Code, app.ActInput{Action: app.ActResolve, Facts: bad}); app.ErrorCode(err) != app.EInvalid {
		t.Fatalf("bad facts on resolve: %v", err)
	}
	d, err := f.svc.Act(ctx, f.users[app.RoleLeader], d.Code, app.ActInput{Action: app.ActResolve, Facts: birthFacts("Lê Thị Hoa")})
	if err != nil || d.RegisterEntry == nil || d.Status != app.StatusResultReady {
		t.Fatalf("resolve with facts: %+v %v", d.RegisterEntry, err)
	}
	e, err := f.svc.RegisterEntry(f.users[app.RoleLeader], d.RegisterEntry.Register, d.RegisterEntry.Number)
	if err != nil || e.Facts.Subject.FullName != "Lê Thị Hoa" || e.DossierCode != d.Code {
		t.Fatalf("entry %+v %v", e, err)
	}
}

// A receipt or resolution carrying register fields is version 2 of its
// kind, which a PC of the version before decodes leniently; one without
// them stays version 1. Each decodes here with its fields.
func TestRegisterFieldsMarkVersion2(t *testing.T) {
	f := newFixture(t, dec2026)
	d, err := f.resolveBirth("Lê Thị Hoa")
	if err != nil {
		t.Fatal(err)
	}
	plain := f.receive("2.000815")
	versions := map[string]int{}
	err = f.st.EachCommand(func(c app.Command) error {
		body, err := c.Decode()
		if err != nil {
			return err
		}
		switch b := body.(type) {
		case *app.ReceiveBody:
			versions[c.Kind+"/"+b.Procedure.Code] = c.V
		case *app.ActBody:
			if b.Action == app.ActResolve && b.Entry != nil && *b.Entry == *d.RegisterEntry {
				versions["resolve/entry"] = c.V
			}
			if b.Action == app.ActForward {
				versions["forward"] = c.V
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"dossier.receive/1.001193": 2, "dossier.receive/" + plain.Procedure.Code: 1, "resolve/entry": 2, "forward": 1}
	for k, v := range want {
		if versions[k] != v {
			t.Errorf("%s: version %d, want %d (all: %v)", k, versions[k], v, versions)
		}
	}
}
