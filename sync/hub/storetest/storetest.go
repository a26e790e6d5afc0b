// Package storetest is the contract every storage of the hub keeps
// (hub.Storage): boltstore and pgstore run the same Run. The views are
// checked against the commune's own store (store.Store) fed the same
// commands, so every figure the hub shows equals the commune's.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"xaso/app"
	"xaso/store"
	gen "xaso/store/storetest"
	"xaso/sync/hub"
)

// Backend makes a new empty storage for one test and returns how to open
// it; open may be called again after Close and sees the same data.
type Backend func(t *testing.T) (open func() hub.Storage)

// DownCrasher is a storage whose AppendDown is more than one atomic step.
// CrashAppendDown leaves it as a process killed inside AppendDown at the
// worst point would: the command in the down log, not (yet) in the views.
// Test builds only; a storage doing AppendDown in one transaction (pgstore)
// has no such point.
type DownCrasher interface {
	CrashAppendDown(commune string, make func(seq uint64) (app.Command, error)) (app.Command, error)
}

// Run runs the contract against a backend.
func Run(t *testing.T, backend Backend) {
	for _, c := range []struct {
		name string
		f    func(*testing.T, func() hub.Storage)
	}{
		{"Accounts", accounts},
		{"CommandsOnceInOrder", commandsOnce},
		{"ViewsEqualTheCommunesFold", viewsEqual},
		{"DownLog", downLog},
		{"ViewsEqualTheDownLogAfterACrash", downCrash},
		{"Blobs", blobs},
	} {
		t.Run(c.name, func(t *testing.T) { c.f(t, backend(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func accounts(t *testing.T, open func() hub.Storage) {
	st := open()
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	must(t, st.PutUser(hub.User{Username: "admin", PasswordHash: "h", Roles: []string{hub.RoleIT}}))
	must(t, st.PutSession("s1", hub.Session{Username: "admin", Expires: now}))
	must(t, st.PutToken(hub.Token{Hash: "t1", Commune: "14701", Created: now, Expires: now.Add(time.Hour)}))
	for _, in := range []hub.Installation{{ID: "i2", Commune: "14701", Keys: []string{"k2"}, Slots: []int{1}}, {ID: "i1", Commune: "14701"}, {ID: "i3", Commune: "14704"}} {
		must(t, st.PutInstallation(in))
	}
	for _, code := range []string{"14704", "14701"} {
		must(t, st.PutCommuneInfo(hub.CommuneInfo{Code: code, Unsent: 3, SkewMS: -40, LastSeen: now}))
	}
	must(t, st.PutToken(hub.Token{Hash: "t1", Commune: "14701", UsedBy: "i1"})) // replaced whole
	must(t, st.Close())

	st = open()
	defer st.Close()
	if u, ok, err := st.User("admin"); err != nil || !ok || u.PasswordHash != "h" || !slices.Equal(u.Roles, []string{hub.RoleIT}) {
		t.Fatalf("user after reopening: %+v %v %v", u, ok, err)
	}
	if _, ok, err := st.User("nobody"); ok || err != nil {
		t.Fatalf("absent user: %v %v", ok, err)
	}
	if s, ok, err := st.Session("s1"); err != nil || !ok || !s.Expires.Equal(now) {
		t.Fatalf("session: %+v %v %v", s, ok, err)
	}
	must(t, st.DeleteSession("s1"))
	if _, ok, err := st.Session("s1"); ok || err != nil {
		t.Fatalf("deleted session: %v %v", ok, err)
	}
	if tk, ok, err := st.Token("t1"); err != nil || !ok || tk.UsedBy != "i1" || !tk.Expires.IsZero() {
		t.Fatalf("token: %+v %v %v", tk, ok, err)
	}
	ins, err := st.Installations("14701")
	must(t, err)
	var ids []string
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"i1", "i2"}) {
		t.Fatalf("installations of 14701: %v", ids)
	}
	if in, ok, err := st.Installation("i2"); err != nil || !ok || in.Keys[0] != "k2" || in.Slots[0] != 1 {
		t.Fatalf("installation: %+v %v %v", in, ok, err)
	}
	infos, err := st.CommuneInfos()
	must(t, err)
	if len(infos) != 2 || infos[0].Code != "14701" || infos[1].Code != "14704" || infos[0].SkewMS != -40 {
		t.Fatalf("commune infos (in code order): %+v", infos)
	}
	if _, err := st.Commune("1470"); err == nil {
		t.Fatal("a malformed commune code was opened")
	}
}

// stream is a commune's commands: its configuration and dossiers over a
// year, some carried to returned.
func stream(n int, seed uint64) []app.Command {
	end := time.Date(2026, 12, 3, 16, 0, 0, 0, app.VN())
	conf, err := app.NewCommand("conf-0001", app.KindCommuneConfigure, "admin", "nbench", app.MakeHLC(end.AddDate(-1, 0, 0).UnixMilli(), 0),
		&app.CommuneConfig{Commune: "14701", Agency: "000.00.31.H42", Name: "Xã Yên Mô"})
	if err != nil {
		panic(err)
	}
	return append([]app.Command{conf}, gen.Dossiers(n, seed, end)...)
}

func commandsOnce(t *testing.T, open func() hub.Storage) {
	ctx := context.Background()
	st := open()
	cl, err := st.Commune("14701")
	must(t, err)
	cmds := stream(60, 1)
	added, err := cl.Apply(ctx, append(cmds[:40:40], cmds[:10]...)) // a batch repeating itself
	must(t, err)
	if added != 40 || cl.Count() != 40 {
		t.Fatalf("first batch: added %d, count %d; want 40", added, cl.Count())
	}
	added, err = cl.Apply(ctx, cmds[30:]) // a retry overlapping the first
	must(t, err)
	if want := len(cmds) - 40; added != want || cl.Count() != len(cmds) {
		t.Fatalf("second batch: added %d (want %d), count %d (want %d)", added, want, cl.Count(), len(cmds))
	}
	must(t, st.Close())

	st = open()
	defer st.Close()
	cl, err = st.Commune("14701")
	must(t, err)
	if cl.Count() != len(cmds) {
		t.Fatalf("count after reopening: %d, want %d", cl.Count(), len(cmds))
	}
	want := make([]string, len(cmds))
	for i, c := range cmds {
		want[i] = c.ID
	}
	slices.Sort(want)
	var got []string
	for after := ""; ; {
		page, err := cl.After(after, 7)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			got = append(got, c.ID)
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the log in ID order, page by page:\n got %v\nwant %v", got, want)
	}
	other, err := st.Commune("14704")
	must(t, err)
	if other.Count() != 0 {
		t.Fatalf("another commune holds %d commands", other.Count())
	}
}

// reference folds cmds in the commune's own store.
func reference(t *testing.T, cmds []app.Command) *store.Store {
	ref, err := store.Open(store.Config{Dir: t.TempDir()})
	must(t, err)
	t.Cleanup(func() { ref.Close() })
	must(t, ref.Apply(context.Background(), cmds...))
	return ref
}

func viewsEqual(t *testing.T, open func() hub.Storage) {
	ctx := context.Background()
	st := open()
	defer st.Close()
	cl, err := st.Commune("14701")
	must(t, err)
	cmds := stream(400, 7)
	// Batches arrive in any order: acts before their dossier's receipt,
	// a dossier's commands split between batches.
	shuffled := slices.Clone(cmds)
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i := 0; i < len(shuffled); i += 97 {
		_, err := cl.Apply(ctx, shuffled[i:min(i+97, len(shuffled))])
		must(t, err)
	}
	ref := reference(t, cmds)

	for _, c := range cmds {
		if c.Kind != app.KindDossierReceive {
			continue
		}
		want, err := ref.Dossier(c.ID)
		must(t, err)
		got, err := cl.Dossier(c.ID)
		must(t, err)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("dossier %s:\n got %+v\nwant %+v", c.ID, got, want)
		}
	}
	var missing *app.Error
	if _, err := cl.Dossier("no-such-dossier"); !errors.As(err, &missing) || missing.Code != app.ENotFound {
		t.Fatalf("an unknown dossier: %v", err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, app.VN())
	for _, at := range []time.Time{now, now.AddDate(0, 0, 1)} {
		want, err := ref.Counts(at)
		must(t, err)
		got, err := cl.Counts(at)
		must(t, err)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("counts at %s:\n got %+v\nwant %+v", at, got, want)
		}
	}
	some, err := ref.Dossier(cmds[5].ID)
	must(t, err)
	queries := []struct {
		q       app.ListQuery
		ordered bool
	}{
		{app.ListQuery{Limit: 50}, true},
		{app.ListQuery{Status: app.StatusReturned, Limit: 30}, true},
		{app.ListQuery{Queue: app.QueueOpen, Limit: 40}, true},
		{app.ListQuery{Queue: app.QueueOverdue, DueMax: now, Limit: 40}, true},
		{app.ListQuery{DueMin: now.AddDate(0, 0, -3), DueMax: now, Limit: 25}, true},
		{app.ListQuery{Q: some.Code, Limit: 10}, true},
		{app.ListQuery{Q: some.Code[len(some.Code)-11:], Limit: 10}, true},
		{app.ListQuery{Q: some.Applicant.Phone[:6], Limit: 10}, false},
		{app.ListQuery{Q: app.TextKey(some.Applicant.FullName), Limit: 10}, false},
		{app.ListQuery{Q: "Nguyễn", Status: app.StatusReceived, Limit: 20}, false},
	}
	for _, c := range queries {
		want := walk(t, ref.Dossiers, c.q)
		got := walk(t, cl.Dossiers, c.q)
		if !c.ordered {
			slices.Sort(want)
			slices.Sort(got)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("list %+v:\n got %v\nwant %v", c.q, got, want)
		}
	}
	if _, _, err := cl.Dossiers(app.ListQuery{Limit: 5, After: "zz"}); err == nil {
		t.Fatal("a bad page cursor was accepted")
	}
	conf, ok, err := cl.Config()
	must(t, err)
	if !ok || conf.Name != "Xã Yên Mô" || conf.Agency != "000.00.31.H42" {
		t.Fatalf("config: %+v %v", conf, ok)
	}
	want, err := ref.StateHash()
	must(t, err)
	if got, err := cl.StateHash(); err != nil || got != want {
		t.Fatalf("state hash %s %v, want the commune's %s", got, err, want)
	}
}

// walk reads every page of a list query and returns the IDs in order.
func walk(t *testing.T, list func(app.ListQuery) ([]app.Dossier, string, error), q app.ListQuery) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		items, next, err := list(q)
		must(t, err)
		for _, d := range items {
			ids = append(ids, d.ID)
		}
		if next == "" || pages > 1000 {
			return ids
		}
		q.After = next
	}
}

func downLog(t *testing.T, open func() hub.Storage) {
	ctx := context.Background()
	st := open()
	cl, err := st.Commune("14701")
	must(t, err)
	stamp0, err := cl.PublishedStamp()
	must(t, err)
	var sent []app.Command
	for i := range 5 {
		c, err := cl.AppendDown(ctx, func(seq uint64) (app.Command, error) {
			if i == 4 {
				return downCalendar(seq)
			}
			return downDossier(seq)
		})
		must(t, err)
		if want := fmt.Sprintf("hub.14701.%08d", i+1); c.ID != want {
			t.Fatalf("down command %d: ID %s, want %s (numbered from 1)", i, c.ID, want)
		}
		sent = append(sent, c)
	}
	if _, err := cl.AppendDown(ctx, func(uint64) (app.Command, error) { return app.Command{}, errors.New("refused") }); err == nil {
		t.Fatal("a down command that could not be made was kept")
	}
	must(t, st.Close())

	st = open()
	defer st.Close()
	cl, err = st.Commune("14701")
	must(t, err)
	if cl.Count() != 5 {
		t.Fatalf("down commands are in the commune's log too: count %d, want 5", cl.Count())
	}
	page, more, err := cl.Down(1, 3)
	must(t, err)
	if len(page) != 3 || !more || page[0].ID != sent[1].ID || page[2].ID != sent[3].ID {
		t.Fatalf("down after 1, 3 of them: %v more %v", page, more)
	}
	page, more, err = cl.Down(4, 3)
	must(t, err)
	if len(page) != 1 || more || string(page[0].Body) != string(sent[4].Body) {
		t.Fatalf("down after 4: %v more %v", page, more)
	}
	if d, err := cl.Dossier(sent[0].ID); err != nil || d.Status != app.StatusSubmitted || d.Channel != app.ChannelOnline {
		t.Fatalf("an online dossier sent down, as folded: %+v %v", d, err)
	}
	years, err := cl.CalendarYears()
	must(t, err)
	stamp, err := cl.PublishedStamp()
	must(t, err)
	if len(years) != 1 || years[0].Calendar.Year != 2031 || stamp == stamp0 {
		t.Fatalf("published calendar: %+v, stamp %d (was %d)", years, stamp, stamp0)
	}
	cats, err := cl.CatalogVersions()
	must(t, err)
	if len(cats) != 0 {
		t.Fatalf("catalogs: %+v", cats)
	}
	// The office sends the hub's commands back up with its own: held once.
	if added, err := cl.Apply(ctx, sent); err != nil || added != 0 {
		t.Fatalf("down commands sent back up: added %d %v", added, err)
	}
}

var downAt = time.Date(2026, 12, 1, 9, 0, 0, 0, app.VN())

// downDossier is an online dossier the hub sends down to 14701.
func downDossier(seq uint64) (app.Command, error) {
	id := fmt.Sprintf("hub.14701.%08d", seq)
	return app.NewCommand(id, app.KindDossierSubmit, "hub:admin", "hub", app.MakeHLC(downAt.UnixMilli(), uint16(seq)),
		&app.ReceiveBody{DossierID: id, Slot: -1, Code: fmt.Sprintf("TAM-000.00.31.H42-261201-999999-%04d", seq),
			Procedure: app.ProcedureRef{Code: "1.004873", Name: "Xác nhận tình trạng hôn nhân", Version: "2025.07-default",
				Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
			Channel: app.ChannelOnline, Applicant: app.Applicant{FullName: "Lê Hoàng Đức", IDNumber: "037090001234"},
			ReceivedAt: downAt, DueAt: downAt.Add(48 * time.Hour)})
}

// downCalendar is a holiday calendar the hub publishes to 14701.
func downCalendar(seq uint64) (app.Command, error) {
	return app.NewCommand(fmt.Sprintf("hub.14701.%08d", seq), app.KindCalendarPublish, "hub:admin", "hub",
		app.MakeHLC(downAt.UnixMilli(), uint16(seq)), &app.CalendarBody{Year: 2031, Version: 1, Source: "Quyết định thử", Days: nil})
}

// downCrash: a hub killed inside AppendDown, after the down log kept the
// command, opens again with views equal to its down log and its log: the
// offices will hold the command and the hub drops hub.* IDs pushed back, so
// the views must take it from the down log. (The soak's SOAK_SEED=3.)
func downCrash(t *testing.T, open func() hub.Storage) {
	ctx := context.Background()
	st := open()
	crasher, ok := st.(DownCrasher)
	if !ok {
		st.Close()
		t.Skip("AppendDown is one transaction: no point between the down log and the views")
	}
	cl, err := st.Commune("14701")
	must(t, err)
	var sent []app.Command
	c, err := cl.AppendDown(ctx, downDossier)
	must(t, err)
	sent = append(sent, c)
	for _, mk := range []func(uint64) (app.Command, error){downDossier, downCalendar} {
		c, err := crasher.CrashAppendDown("14701", mk)
		must(t, err)
		sent = append(sent, c)
	}
	must(t, st.Close())

	for round := range 2 { // the repair, then a plain reopening
		st = open()
		cl, err = st.Commune("14701")
		must(t, err)
		down, _, err := cl.Down(0, 100)
		must(t, err)
		if len(down) != len(sent) {
			t.Fatalf("round %d: down log holds %d commands, want %d", round, len(down), len(sent))
		}
		if cl.Count() != len(sent) {
			t.Fatalf("round %d: the commune's log holds %d commands, want the down log's %d", round, cl.Count(), len(sent))
		}
		for _, c := range sent[:2] {
			if d, err := cl.Dossier(c.ID); err != nil || d.Status != app.StatusSubmitted {
				t.Fatalf("round %d: dossier %s sent down before the crash, in the views: %+v %v", round, c.ID, d, err)
			}
		}
		want, err := reference(t, sent).StateHash()
		must(t, err)
		if got, err := cl.StateHash(); err != nil || got != want {
			t.Fatalf("round %d: state hash %s %v, want the office's %s", round, got, err, want)
		}
		if added, err := cl.Apply(ctx, sent); err != nil || added != 0 {
			t.Fatalf("round %d: down commands sent back up: added %d %v", round, added, err)
		}
		c, err := cl.AppendDown(ctx, downDossier) // numbering carries on
		must(t, err)
		sent = append(sent, c)
		must(t, st.Close())
	}
}

func blobs(t *testing.T, open func() hub.Storage) {
	st := open()
	defer st.Close()
	cl, err := st.Commune("14701")
	must(t, err)
	data := bytes.Repeat([]byte("bản quét "), 5000)
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if ok, err := cl.HasBlob(h); ok || err != nil {
		t.Fatalf("has a scan never put: %v %v", ok, err)
	}
	if err := cl.PutBlob(h, bytes.NewReader(append([]byte("x"), data...)), 1<<20); err == nil {
		t.Fatal("a scan whose content does not match its hash was kept")
	}
	if ok, _ := cl.HasBlob(h); ok {
		t.Fatal("a refused scan is held")
	}
	must(t, cl.PutBlob(h, bytes.NewReader(data), 1<<20))
	must(t, cl.PutBlob(h, bytes.NewReader(data), 1<<20)) // again: no error
	if ok, err := cl.HasBlob(h); !ok || err != nil {
		t.Fatalf("has the scan: %v %v", ok, err)
	}
	f, err := cl.Blob(h)
	must(t, err)
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the scan read back: %d bytes, %v", len(got), err)
	}
	var missing *app.Error
	if _, err := cl.Blob(hex.EncodeToString(make([]byte, 32))); !errors.As(err, &missing) || missing.Code != app.ENotFound {
		t.Fatalf("an absent scan: %v", err)
	}
}
