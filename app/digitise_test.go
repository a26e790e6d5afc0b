package app_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"xaso/app"
	"xaso/store"
)

// withBlobs gives the fixture's service a folder of scans.
func withBlobs(t *testing.T) func(*app.Config) {
	return func(c *app.Config) {
		b, err := store.OpenBlobs(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		c.Blobs = b
	}
}

// oldBirth is entry as written in a 1998 birth book, page 1.
func oldBirth(child string) app.Transcription {
	return app.Transcription{Page: 1, RegisteredOn: "1998-03-14", Signer: "Phạm Văn Đông", SignerTitle: "Chủ tịch UBND xã",
		Facts: app.Facts{
			Subject: app.Person{FullName: child, Sex: "nam", Ethnicity: "Kinh", Nationality: "Việt Nam"},
			Mother:  &app.Person{FullName: "Đỗ Thị Mận", DateOfBirth: "1970-01-05"},
			Father:  &app.Person{FullName: "Nguyễn Văn Tuấn"},
			Date:    "1998-03-01", Place: "Nhà hộ sinh xã Yên Mô",
			Declarant: app.Declarant{FullName: "Nguyễn Văn Tuấn", Relation: "cha"},
		}}
}

func (f *fixture) openOldBook(t *testing.T) app.Book {
	t.Helper()
	ctx, rec := context.Background(), f.users[app.RoleReceiver]
	b, err := f.svc.OpenOldBook(ctx, rec, app.OldBookInput{Kind: app.RegBirth, Year: 1998, Book: "01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := f.svc.AddPage(ctx, rec, b.ID, 1, bytes.NewReader(scan(t, 1))); err != nil || !created {
		t.Fatalf("page 1: %v %v", created, err)
	}
	return b
}

// Two officials type the same entry the same way: it is verified and is an
// entry of the register like one made at the desk (search, extract).
func TestDoubleEntryAgrees(t *testing.T) {
	f := newFixture(t, dec2026, withBlobs(t))
	ctx := context.Background()
	b := f.openOldBook(t)
	if b.ID != "birth-1998-01" || !b.Digitised || b.Book != "01" {
		t.Fatalf("book = %+v", b)
	}
	rec, spec := f.users[app.RoleReceiver], f.users[app.RoleSpecialist]
	d, err := f.svc.Transcribe(ctx, rec, b.ID, 5, oldBirth("Nguyễn Văn  Hùng"))
	if err != nil || d.Status != app.DigitAwaiting || d.Mine == nil || d.Mine.Facts.Subject.FullName != "Nguyễn Văn Hùng" {
		t.Fatalf("first typing: %+v %v", d, err)
	}
	if _, err := f.svc.RegisterEntry(rec, b.ID, 5); app.ErrorCode(err) != app.ENotFound {
		t.Fatalf("an entry typed once is not registered yet: %v", err)
	}
	// The same official again: refused, nothing stored.
	before, _ := f.st.CommandCount()
	if _, err := f.svc.Transcribe(ctx, rec, b.ID, 5, oldBirth("Nguyễn Văn Hùng")); app.ErrorCode(err) != app.EConflict {
		t.Fatalf("double entry by the same official: %v", err)
	}
	if after, _ := f.st.CommandCount(); after != before {
		t.Fatalf("commands %d → %d", before, after)
	}
	// The second official sees that it was typed, not what was typed.
	view, err := f.svc.OldBook(spec, b.ID)
	if err != nil || len(view.Entries) != 1 || view.Entries[0].Mine != nil || view.Entries[0].Differences != nil ||
		!slices.Equal(view.Entries[0].TypedBy, []string{"u.receiver"}) {
		t.Fatalf("second typist's view: %+v %v", view, err)
	}
	if d, err = f.svc.Transcribe(ctx, spec, b.ID, 5, oldBirth("Nguyễn Văn Hùng")); err != nil || d.Status != app.DigitVerified {
		t.Fatalf("second typing: %+v %v", d, err)
	}
	e, err := f.svc.RegisterEntry(rec, b.ID, 5)
	if err != nil || e.Facts.Subject.FullName != "Nguyễn Văn Hùng" || e.Page != 1 || e.RegisteredAt.Format("2006-01-02") != "1998-03-14" ||
		e.Signer != "Phạm Văn Đông" || e.VerifiedBy != "u.specialist" || e.Book != "01" || e.Year != 1998 {
		t.Fatalf("verified entry: %+v %v", e, err)
	}
	got, err := f.svc.Entries(rec, b.ID, "nguyen van hung")
	if err != nil || len(got) != 1 {
		t.Fatalf("search: %d %v", len(got), err)
	}
	if _, _, err := f.svc.IssueExtract(ctx, rec, b.ID, 5, app.ExtractInput{Copies: 1}); err != nil {
		t.Fatalf("extract of a digitised entry: %v", err)
	}
	if _, err := f.svc.Transcribe(ctx, f.users[app.RoleLeader], b.ID, 5, oldBirth("X")); app.ErrorCode(err) != app.EConflict {
		t.Fatalf("a third typing of a verified entry: %v", err)
	}
}

// A typed difference is caught field by field; the third look sees both
// values, the typists do not, and settles them.
func TestDoubleEntryCatchesDifference(t *testing.T) {
	f := newFixture(t, dec2026, withBlobs(t))
	ctx := context.Background()
	b := f.openOldBook(t)
	rec, spec, lead := f.users[app.RoleReceiver], f.users[app.RoleSpecialist], f.users[app.RoleLeader]
	if _, err := f.svc.Transcribe(ctx, rec, b.ID, 6, oldBirth("Trần Văn Bình")); err != nil {
		t.Fatal(err)
	}
	second := oldBirth("Trần Văn Bính")
	second.Facts.Date = "1998-03-02"
	d, err := f.svc.Transcribe(ctx, spec, b.ID, 6, second)
	if err != nil || d.Status != app.DigitDisputed || d.Differences != nil {
		t.Fatalf("second typing: %+v %v", d, err)
	}
	for _, p := range []app.Principal{rec, spec} {
		v, _ := f.svc.OldBook(p, b.ID)
		if len(v.Entries) != 1 || v.Entries[0].Differences != nil || v.Entries[0].Mine == nil {
			t.Fatalf("a typist sees %+v", v.Entries)
		}
	}
	v, err := f.svc.OldBook(lead, b.ID)
	if err != nil || len(v.Entries) != 1 {
		t.Fatal(err)
	}
	want := []app.Difference{{Field: "date", Values: [2]string{"1998-03-01", "1998-03-02"}},
		{Field: "subject.full_name", Values: [2]string{"Trần Văn Bình", "Trần Văn Bính"}},
		// A birth's date is the child's date of birth when none is typed (CheckFacts).
		{Field: "subject.date_of_birth", Values: [2]string{"1998-03-01", "1998-03-02"}}}
	if got := v.Entries[0].Differences; !slices.Equal(got, want) {
		t.Fatalf("differences = %+v, want %+v", got, want)
	}
	if v.Progress != (app.Progress{Pages: 1, Entries: 1, Disputed: 1}) {
		t.Fatalf("progress = %+v", v.Progress)
	}
	values := map[string]string{"date": "1998-03-01", "subject.full_name": "Trần Văn Bình", "subject.date_of_birth": "1998-03-01"}
	if _, err := f.svc.Settle(ctx, rec, b.ID, 6, values); app.ErrorCode(err) != app.EForbidden {
		t.Fatalf("settled by a typist: %v", err)
	}
	if _, err := f.svc.Settle(ctx, lead, b.ID, 6, map[string]string{"date": "1998-03-01"}); app.ErrorCode(err) != app.EInvalid {
		t.Fatalf("a difference left unsettled: %v", err)
	}
	if _, err := f.svc.Settle(ctx, lead, b.ID, 6, map[string]string{"date": "1998-03-01", "subject.full_name": "x", "subject.date_of_birth": "1998-03-01", "place": "y"}); app.ErrorCode(err) != app.EInvalid {
		t.Fatalf("a field the typings agree on: %v", err)
	}
	e, err := f.svc.Settle(ctx, lead, b.ID, 6, values)
	if err != nil || e.Facts.Subject.FullName != "Trần Văn Bình" || e.Facts.Date != "1998-03-01" || e.VerifiedBy != "u.leader" ||
		e.Settled["subject.full_name"] != "Trần Văn Bình" {
		t.Fatalf("settled: %+v %v", e, err)
	}
	pr, err := f.svc.Digitising(lead)
	if err != nil || len(pr.Books) != 1 || pr.Total != (app.Progress{Pages: 1, Entries: 1, Verified: 1}) || pr.Books[0].ID != b.ID {
		t.Fatalf("commune progress: %+v %v", pr, err)
	}
}

func TestDigitiseRefusals(t *testing.T) {
	f := newFixture(t, dec2026, withBlobs(t))
	ctx := context.Background()
	rec := f.users[app.RoleReceiver]
	b := f.openOldBook(t)
	cases := []struct {
		name, code string
		do         func() error
	}{
		{"book of this year", app.EInvalid, func() error {
			_, err := f.svc.OpenOldBook(ctx, rec, app.OldBookInput{Kind: app.RegBirth, Year: 2026, Book: "01"})
			return err
		}},
		{"bad book number", app.EInvalid, func() error {
			_, err := f.svc.OpenOldBook(ctx, rec, app.OldBookInput{Kind: app.RegDeath, Year: 1990, Book: "0/1"})
			return err
		}},
		{"book opened twice", app.EConflict, func() error {
			_, err := f.svc.OpenOldBook(ctx, rec, app.OldBookInput{Kind: app.RegBirth, Year: 1998, Book: "01"})
			return err
		}},
		{"admin", app.EForbidden, func() error {
			_, err := f.svc.OpenOldBook(ctx, f.users[app.RoleAdmin], app.OldBookInput{Kind: app.RegBirth, Year: 1990, Book: "01"})
			return err
		}},
		{"page scanned twice", app.EConflict, func() error {
			_, _, err := f.svc.AddPage(ctx, rec, b.ID, 1, bytes.NewReader(scan(t, 2)))
			return err
		}},
		{"not a scan", app.EInvalid, func() error {
			_, _, err := f.svc.AddPage(ctx, rec, b.ID, 2, bytes.NewReader([]byte("hello, not an image")))
			return err
		}},
		{"page without scan", app.EInvalid, func() error {
			tr := oldBirth("A")
			tr.Page = 2
			_, err := f.svc.Transcribe(ctx, rec, b.ID, 1, tr)
			return err
		}},
		{"date outside the book's year", app.EInvalid, func() error {
			tr := oldBirth("A")
			tr.RegisteredOn = "2001-01-01"
			_, err := f.svc.Transcribe(ctx, rec, b.ID, 1, tr)
			return err
		}},
		{"a book of this year is not an old book", app.ENotFound, func() error {
			_, err := f.svc.Transcribe(ctx, rec, "birth-2026", 1, oldBirth("A"))
			return err
		}},
	}
	for _, c := range cases {
		before, _ := f.st.CommandCount()
		if err := c.do(); app.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
		if after, _ := f.st.CommandCount(); after != before {
			t.Errorf("%s: commands %d → %d", c.name, before, after)
		}
	}
	// Every problem of a typing at once.
	tr := oldBirth("")
	tr.Page, tr.RegisteredOn, tr.Facts.Place = 9, "x", ""
	_, err := f.svc.Transcribe(ctx, rec, b.ID, 1, tr)
	var e *app.Error
	if !asError(err, &e) || len(e.Fields) != 4 {
		t.Fatalf("all problems: %v (%+v)", err, e)
	}
}

// The same page's scan again is the same page; the scan is one of the
// files every PC should hold (copied by the LAN and sent to the province).
func TestPageScanIsKept(t *testing.T) {
	f := newFixture(t, dec2026, withBlobs(t))
	b := f.openOldBook(t)
	pg, created, err := f.svc.AddPage(context.Background(), f.users[app.RoleSpecialist], b.ID, 1, bytes.NewReader(scan(t, 1)))
	if err != nil || created || pg.By != "u.receiver" {
		t.Fatalf("same scan again: %+v %v %v", pg, created, err)
	}
	hashes, err := f.st.AttachmentHashes()
	if err != nil || !slices.Contains(hashes, pg.SHA256) {
		t.Fatalf("hashes %v lack %s (%v)", hashes, pg.SHA256, err)
	}
	_, rc, err := f.svc.PageContent(f.users[app.RoleLeader], b.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
}
