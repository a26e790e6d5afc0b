package store

import (
	"context"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/calendar"
)

// Published catalogs and calendars are kept per version and per year, survive
// a restart, and raise the stamp once per command, never on a replay.
func TestPublishedState(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version, cat.EffectiveFrom = "2026.1", "2026-06-01"
	at := func(i int) app.HLC { return app.MakeHLC(t0.Add(time.Duration(i)*time.Second).UnixMilli(), 0) }
	c1, err := app.NewCatalogPublish("", "province", "hub", at(1), cat)
	if err != nil {
		t.Fatal(err)
	}
	y1, err := app.NewCalendarPublish("", "province", "hub", at(2), app.CalendarBody{Year: 2027, Version: 1, Source: "QĐ",
		Days: []calendar.Override{{Date: "2027-01-04", Off: true}}})
	if err != nil {
		t.Fatal(err)
	}
	y2, err := app.NewCalendarPublish("", "province", "hub", at(3), app.CalendarBody{Year: 2027, Version: 2, Source: "QĐ sửa",
		Days: []calendar.Override{{Date: "2027-01-05", Off: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		name      string
		cmds      []app.Command
		wantStamp uint64
		wantYear  int // the version of 2027 in force
	}{
		{"empty", nil, 0, 0},
		{"a catalog", []app.Command{c1}, 1, 0},
		{"the newer calendar first", []app.Command{y2}, 2, 2},
		{"the older one after it", []app.Command{y1}, 3, 2},
		{"a replay", []app.Command{c1, y1, y2}, 3, 2},
	}
	for _, st := range steps {
		if len(st.cmds) > 0 {
			if err := s.Apply(ctx, st.cmds...); err != nil {
				t.Fatal(err)
			}
		}
		stamp, err := s.PublishedStamp()
		if err != nil || stamp != st.wantStamp {
			t.Fatalf("%s: stamp %d (%v), want %d", st.name, stamp, err, st.wantStamp)
		}
		years, err := s.CalendarYears()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(years); st.wantYear == 0 && got != 0 || st.wantYear > 0 && (got != 1 || years[0].Calendar.Version != st.wantYear) {
			t.Fatalf("%s: years %+v, want version %d", st.name, years, st.wantYear)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAgain(t, dir)
	cats, err := s.CatalogVersions()
	if err != nil || len(cats) != 1 || cats[0].Catalog.Version != "2026.1" || cats[0].CommandID != c1.ID {
		t.Fatalf("after restart: %+v %v", cats, err)
	}
	years, err := s.CalendarYears()
	// Version 1 is stamped before version 2: it folds first and is replaced, no conflict.
	if err != nil || len(years) != 1 || years[0].Calendar.Days[0].Date != "2027-01-05" || len(years[0].Conflicts) != 0 {
		t.Fatalf("after restart: %+v %v", years, err)
	}
}

func openAgain(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The service reads the published stamp at every receipt: the read must not
// make the folder commit each receipt to bbolt on its own (it did: about
// 70 KB written and three fsyncs per receipt instead of 10 KB and one).
func TestPublishedStampDoesNotWaitForReceipts(t *testing.T) {
	s := openTest(t)
	g := &gen{at: t0}
	c := g.cmd(t, app.KindDossierReceive, "desk", s.NodeID(), time.Minute,
		receiveBody("dossier-0001", app.FormatCode("000.00.31.H42", t0, 1), "Đỗ Thị Lan", t0, 1))
	if err := s.Append(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishedStamp(); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	folded, written := s.fs.folded, s.fs.written
	s.mu.Unlock()
	if folded >= written {
		t.Fatalf("the stamp's read folded the receipt at once (folded %d, written %d)", folded, written)
	}
}
