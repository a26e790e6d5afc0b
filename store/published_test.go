package store

import (
	"bytes"
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

// The stamp is kept in memory: reading it opens no bbolt transaction, and
// it is the file's after a restart and after a state snapshot replaced the
// file.
func TestPublishedStampInMemory(t *testing.T) {
	src, dst := openTest(t), openTest(t)
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cat.Version, cat.EffectiveFrom = "2026.2", "2026-06-01"
	c, err := app.NewCatalogPublish("", "province", "hub", app.MakeHLC(t0.UnixMilli(), 0), cat)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	before := src.DB().Stats().TxN
	for range 10 {
		if n, err := src.PublishedStamp(); err != nil || n != 1 {
			t.Fatalf("stamp %d (%v), want 1", n, err)
		}
	}
	if opened := src.DB().Stats().TxN - before; opened != 0 {
		t.Errorf("10 reads of the stamp opened %d read transactions", opened)
	}
	var snap bytes.Buffer
	if err := src.WriteState(&snap); err != nil {
		t.Fatal(err)
	}
	if err := dst.InstallState(bytes.NewReader(snap.Bytes()[len(StateMagic):])); err != nil {
		t.Fatal(err)
	}
	if n, _ := dst.PublishedStamp(); n != 1 {
		t.Errorf("stamp %d after installing a state snapshot, want 1", n)
	}
	dir := src.dir
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if n, _ := openAgain(t, dir).PublishedStamp(); n != 1 {
		t.Errorf("stamp %d after a restart, want 1", n)
	}
}

// Close may be called from several goroutines at once (the node's stop and
// a test's cleanup): one closes, the others return.
func TestCloseTwiceAtOnce(t *testing.T) {
	s := openTest(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- s.Close() }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
