package app_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"xaso/app"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, app.VN())
	if err != nil {
		panic(err)
	}
	return t
}

func TestReceiveDeadlinesAndCodes(t *testing.T) {
	for _, tc := range []struct {
		name, now, procedure, wantDue string
	}{
		{"same day before 15:00", "2026-03-06 10:00", "1.001193", "2026-03-06 17:00"},
		{"same day Friday 16:00 → Monday", "2026-03-06 16:00", "1.001193", "2026-03-09 17:00"},
		// 13:30–17:00 Monday (3.5 h) + Tuesday + Wednesday (16 h) + 07:00–11:30 Thursday (4.5 h).
		{"lunch break counts from 13:30", "2026-03-02 12:00", "1.004873", "2026-03-05 11:30"},
		{"same as received at 13:30", "2026-03-02 13:30", "1.004873", "2026-03-05 11:30"},
		{"before lunch runs on", "2026-03-02 11:00", "1.004873", "2026-03-05 11:00"},
		{"3 working days over Tết 2026", "2026-02-13 09:00", "1.004873", "2026-02-25 09:00"},
		// The official 2026 calendar: 1 and 2 January off,
		// after the 15:00 cut-off (Decree 61/2018 art. 19) → Monday 5 January.
		{"same day 31/12/2025 16:00 → 05/01/2026", "2025-12-31 16:00", "1.001193", "2026-01-05 17:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, at(tc.now))
			d := f.receive(tc.procedure)
			if !d.DueAt.Equal(at(tc.wantDue)) {
				t.Errorf("due %s, want %s", d.DueAt, tc.wantDue)
			}
			if want := f.nth(at(tc.now), 1); d.Code != want {
				t.Errorf("code %s, want %s", d.Code, want)
			}
		})
	}
}

// Decree 61/2018/NĐ-CP art. 19(4) (as amended by Decree 107/2021): the
// request to supplement is sent within 3 working days of receipt, and "thời
// hạn giải quyết được tính lại từ đầu sau khi nhận đủ hồ sơ": the full period
// restarts from the day the complete dossier is received. The rule travels
// in the catalog version; a catalog may say the clock only pauses.
func TestSupplementDeadline(t *testing.T) {
	pause := func(cfg *app.Config) {
		cat, _ := app.DefaultCatalog()
		cat.Supplement = &app.SupplementRule{Restart: false, RequestWithinHours: 24}
		cfg.Catalogs = app.NewCatalogs(cat)
	}
	for _, tc := range []struct {
		name        string
		opts        []func(*app.Config)
		request     time.Duration // after receipt (Monday 2/3/2026 08:00)
		back        time.Duration // after the request
		wantDue     string
		wantWarning string
	}{
		// 3 working days (1.004873): due Thursday 08:00; back Tuesday 09:00 → Friday 09:00.
		{"restart from the complete dossier", nil, time.Hour, 24 * time.Hour, "2026-03-06 09:00", ""},
		// Back Monday 9/3 10:00, a week later: 3 working days from then.
		{"restart after a week", nil, time.Hour, 7*24*time.Hour + time.Hour, "2026-03-12 10:00", ""},
		// The old reading: the due date moves by the working day it stood still.
		{"a catalog that pauses the clock", []func(*app.Config){pause}, time.Hour, 24 * time.Hour, "2026-03-06 08:00", ""},
		// Requested Friday 6/3 09:00: 4 working days after receipt.
		{"request after 3 working days is flagged", nil, 4*24*time.Hour + time.Hour, 3 * 24 * time.Hour, "2026-03-12 09:00", app.WarnSupplementLate},
		{"request on the third day is not", nil, 2*24*time.Hour + 8*time.Hour, 24 * time.Hour, "2026-03-10 16:00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, at("2026-03-02 08:00"), tc.opts...)
			ctx := context.Background()
			d := f.receive("1.004873")
			d, _ = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActForward})
			f.advance(tc.request)
			d, err := f.svc.Act(ctx, f.users[app.RoleSpecialist], d.Code, app.ActInput{Action: app.ActRequestSupplement, Note: "thiếu giấy tờ"})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.History[len(d.History)-1].Warning; got != tc.wantWarning {
				t.Errorf("request warning %q, want %q", got, tc.wantWarning)
			}
			// Waiting for the citizen, the clock stands still: overdue only
			// if it was already late when the request went out (issue 14).
			if late := d.PausedAt.After(d.DueAt); d.Overdue(at("2026-03-30 08:00")) != late {
				t.Errorf("waiting for the citizen, overdue is %v; late when paused: %v", !late, late)
			}
			f.advance(tc.back)
			d, err = f.svc.Act(ctx, f.users[app.RoleReceiver], d.Code, app.ActInput{Action: app.ActSupplement})
			if err != nil {
				t.Fatal(err)
			}
			if want := at(tc.wantDue); !d.DueAt.Equal(want) {
				t.Errorf("due after the supplement %s, want %s", d.DueAt.Format("2006-01-02 15:04"), tc.wantDue)
			}
			if ev := d.History[len(d.History)-1]; ev.Action != app.ActSupplement || !ev.DueAt.Equal(d.DueAt) {
				t.Errorf("the new due date is not kept in the history: %+v", ev)
			}
		})
	}
}

func TestCodesUniqueUnderConcurrency(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				d := f.receive("1.001193")
				mu.Lock()
				if seen[d.Code] {
					t.Errorf("code %s issued twice", d.Code)
				}
				seen[d.Code] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := 1; i <= 160; i++ {
		if !seen[f.nth(at("2026-03-02 08:00"), i)] {
			t.Fatalf("number %d was skipped: the daily numbers must run without gaps", i)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	ctx := context.Background()
	in := app.ReceiveInput{ProcedureCode: "1.001193", Applicant: applicant()}
	a, err := f.svc.Receive(ctx, f.users[app.RoleReceiver], in, "desk1-0001")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Receive(ctx, f.users[app.RoleReceiver], in, "desk1-0001")
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != b.Code || a.ID != b.ID {
		t.Fatalf("the same key gave two dossiers: %s and %s", a.Code, b.Code)
	}
	items, _, _ := f.svc.ListDossiers(f.users[app.RoleReceiver], app.ListQuery{})
	if len(items) != 1 {
		t.Fatalf("%d dossiers after a retried receipt, want 1", len(items))
	}
}

func TestBackEnteredReceipt(t *testing.T) {
	f := newFixture(t, at("2026-03-04 10:00"))
	ctx := context.Background()
	r := f.users[app.RoleReceiver]
	paper := at("2026-03-02 16:00") // Monday after 15:00, during a power cut
	d, err := f.svc.Receive(ctx, r, app.ReceiveInput{ProcedureCode: "1.001193", Applicant: applicant(), ReceivedAt: &paper}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !d.ReceivedAt.Equal(paper) || !d.DueAt.Equal(at("2026-03-03 17:00")) || d.Code != f.nth(paper, 1) {
		t.Errorf("back-entered: received %s due %s code %s", d.ReceivedAt, d.DueAt, d.Code)
	}
	if !d.EnteredAt.Equal(at("2026-03-04 10:00")) || !d.History[0].At.Equal(paper) {
		t.Errorf("history must keep both the paper time and the entry time: %+v", d)
	}
	future := at("2026-03-05 10:00")
	old := at("2025-11-01 10:00")
	for _, when := range []*time.Time{&future, &old} {
		_, err := f.svc.Receive(ctx, r, app.ReceiveInput{ProcedureCode: "1.001193", Applicant: applicant(), ReceivedAt: when}, "")
		if e := app.AsError(err); e.Code != app.EInvalid || e.Field != "received_at" {
			t.Errorf("received_at %s: %v, want invalid received_at", when, err)
		}
	}
}

func TestApologyOnce(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	d := f.receive("1.004873")
	leader := f.users[app.RoleLeader]
	if _, err := f.act(leader, d, app.ActApologize); err != nil {
		t.Fatal(err)
	}
	_, err := f.act(leader, d, app.ActApologize)
	if app.ErrorCode(err) != app.EAlreadyApologize {
		t.Fatalf("second apology: %v", err)
	}
	nd := at("2026-03-03 08:00") // before the current due date
	d2 := f.receive("1.004873")
	_, err = f.svc.Act(context.Background(), leader, d2.Code, app.ActInput{Action: app.ActApologize, Note: "x", NewDueAt: &nd})
	if e := app.AsError(err); e.Field != "new_due_at" {
		t.Fatalf("apology with an earlier date: %v", err)
	}
}

func TestOverdueAndQueues(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	d := f.receive("1.001193") // due today 17:00
	r := f.users[app.RoleReceiver]
	items, _, err := f.svc.ListDossiers(r, app.ListQuery{Queue: app.QueueDueToday})
	if err != nil || len(items) != 1 {
		t.Fatalf("due today: %d items, %v", len(items), err)
	}
	if items, _, _ := f.svc.ListDossiers(r, app.ListQuery{Queue: app.QueueOverdue}); len(items) != 0 {
		t.Fatal("a dossier due later today is overdue")
	}
	f.advance(10 * time.Hour) // 18:00
	if v := f.svc.View(r, d); !v.Overdue {
		t.Error("not overdue after its due time")
	}
	if items, _, _ := f.svc.ListDossiers(r, app.ListQuery{Queue: app.QueueOverdue}); len(items) != 1 {
		t.Fatal("overdue queue misses the dossier")
	}
	if items, _, _ := f.svc.ListDossiers(r, app.ListQuery{Queue: app.QueueMine}); len(items) != 1 {
		t.Fatal("the receiver's own queue misses the dossier")
	}
	st, _ := f.svc.Stats(r)
	if st.Overdue != 1 || st.ByStatus[app.StatusReceived] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSearchWithoutDiacritics(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	ctx := context.Background()
	r := f.users[app.RoleReceiver]
	for _, name := range []string{"Nguyễn Văn An", "Nguyễn Thị Anh", "Trần Văn Đức", "Đặng Văn An"} {
		a := applicant()
		a.FullName = name
		if _, err := f.svc.Receive(ctx, r, app.ReceiveInput{ProcedureCode: "1.001193", Applicant: a}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]int{"nguyen van an": 1, "Nguyễn": 2, "van an": 2, "duc": 1, "tran van duc": 1,
		"DANG": 1, "an": 3, "nguyen van": 1, "037090001234": 4, "0912345678": 4, "xyz": 0} {
		items, _, err := f.svc.ListDossiers(r, app.ListQuery{Q: q})
		if err != nil || len(items) != want {
			names := []string{}
			for _, d := range items {
				names = append(names, d.Applicant.FullName)
			}
			t.Errorf("q=%q: %d (%s), want %d; %v", q, len(items), strings.Join(names, ", "), want, err)
		}
	}
}

func TestListPagesWithCursor(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	for range 7 {
		f.receive("1.001193")
		f.advance(time.Minute)
	}
	r := f.users[app.RoleReceiver]
	var codes []string
	after := ""
	for page := 0; page < 10; page++ {
		items, next, err := f.svc.ListDossiers(r, app.ListQuery{Limit: 3, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range items {
			codes = append(codes, d.Code)
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(codes) != 7 || codes[0] != f.nth(at("2026-03-02 08:00"), 7) || codes[6] != f.nth(at("2026-03-02 08:00"), 1) {
		t.Errorf("pages gave %v; want the 7 dossiers newest first", codes)
	}
}

// TestRecodeSharedCode: a dossier from a PC set up apart arrives with a code
// this office already issued. Both are marked; the desk gives one a new code.
func TestRecodeSharedCode(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	mine := f.receive("1.001193")
	r := f.users[app.RoleReceiver]
	if v := f.svc.View(r, mine); v.CodeClash || slices.Contains(v.AllowedActions, app.ActRecode) {
		t.Fatal("a unique code is marked as shared")
	}
	body := &app.ReceiveBody{DossierID: "ffffffffffffffff0000000000000001", Code: mine.Code, Slot: 0, Seq: 1,
		Procedure: mine.Procedure, Channel: app.ChannelInPerson, Applicant: applicant(), ReceivedAt: f.Now(), DueAt: mine.DueAt}
	c, err := app.NewCommand("ffffffffffffffff0000000000000001", app.KindDossierReceive, "other", "nother",
		app.MakeHLC(f.Now().Add(-time.Minute).UnixMilli(), 0), body)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.Apply(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	other, err := f.svc.DossierByCode(body.DossierID)
	if err != nil {
		t.Fatalf("the second holder of the code cannot be reached by its ID: %v", err)
	}
	for _, d := range []app.Dossier{mine, other} {
		if v := f.svc.View(r, d); !v.CodeClash || !slices.Contains(v.AllowedActions, app.ActRecode) {
			t.Fatalf("dossier %s: clash %v actions %v", d.ID, v.CodeClash, v.AllowedActions)
		}
	}
	got, err := f.svc.Act(context.Background(), r, other.ID, app.ActInput{Action: app.ActRecode, Note: "trùng mã khi gộp máy"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Code == mine.Code || got.Status != app.StatusReceived || got.History[len(got.History)-1].Action != app.ActRecode {
		t.Fatalf("recode: %+v", got)
	}
	if v := f.svc.View(r, got); v.CodeClash {
		t.Fatal("still marked after recode")
	}
	if _, err := f.svc.Act(context.Background(), r, got.Code, app.ActInput{Action: app.ActRecode}); app.ErrorCode(err) != app.ETransition {
		t.Fatalf("recode of a unique code: %v", err)
	}
}

// quorumLeaser leases through the service's own log while "up", and fails
// as a cluster without quorum does while down.
type quorumLeaser struct {
	up  bool
	svc **app.Service
}

func (l *quorumLeaser) Lease(ctx context.Context) (int, error) {
	if !l.up {
		return 0, app.Errorf(app.EUnavailable, "", "không đủ máy", "no quorum")
	}
	return (*l.svc).LeaseLocal(ctx)
}

// TestProvisionalCodesWithoutQuorum: a PC that cannot lease numbers keeps
// receiving with clearly marked provisional codes, unique on the PC and
// across restarts of the service, and recodes them once it has numbers.
func TestProvisionalCodesWithoutQuorum(t *testing.T) {
	var svc *app.Service
	l := &quorumLeaser{svc: &svc}
	f := newFixture(t, at("2026-03-02 08:00"), func(c *app.Config) { c.Leaser = l })
	svc = f.svc
	a := f.receive("1.001193")
	b := f.receive("1.001193")
	if !a.Provisional || !strings.HasPrefix(a.Code, app.ProvisionalPrefix) || a.Code == b.Code {
		t.Fatalf("codes without quorum: %s %s (provisional %v)", a.Code, b.Code, a.Provisional)
	}
	r := f.users[app.RoleReceiver]
	if v := f.svc.View(r, a); !slices.Contains(v.AllowedActions, app.ActRecode) {
		t.Fatalf("a provisional dossier offers no recode: %v", v.AllowedActions)
	}
	if _, err := f.svc.Act(context.Background(), r, a.Code, app.ActInput{Action: app.ActRecode}); app.ErrorCode(err) != app.EUnavailable {
		t.Fatalf("recode without numbers: %v", err)
	}
	l.up = true
	f.advance(time.Minute) // past the lease back-off
	got, err := f.svc.Act(context.Background(), r, a.Code, app.ActInput{Action: app.ActRecode, Note: "đã có mạng"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Provisional || got.Code != f.nth(at("2026-03-02 08:00"), 1) {
		t.Fatalf("after recode: %s provisional %v", got.Code, got.Provisional)
	}
	if c := f.receive("1.001193"); c.Provisional || c.Code != f.nth(at("2026-03-02 08:00"), 2) {
		t.Fatalf("next receipt: %s", c.Code)
	}
}

// slowLeaser is a cluster without quorum: a lease waits until released,
// then fails.
type slowLeaser struct {
	entered chan struct{}
	release chan struct{}
}

func (l *slowLeaser) Lease(ctx context.Context) (int, error) {
	l.entered <- struct{}{}
	<-l.release
	return 0, app.Errorf(app.EUnavailable, "", "không đủ máy", "no quorum")
}

// TestLeaseDoesNotHoldTheDesks: while one desk's lease waits for the
// cluster, the other desks receive at once, with provisional codes.
func TestLeaseDoesNotHoldTheDesks(t *testing.T) {
	l := &slowLeaser{entered: make(chan struct{}, 1), release: make(chan struct{})}
	f := newFixture(t, at("2026-03-02 08:00"), func(c *app.Config) { c.Leaser = l })
	first := make(chan app.Dossier, 1)
	go func() { first <- f.receive("1.001193") }()
	<-l.entered // the first desk is leasing
	others := make(chan app.Dossier, 3)
	for range 3 {
		go func() { others <- f.receive("1.001193") }()
	}
	seen := map[string]bool{}
	for range 3 {
		select {
		case d := <-others:
			if !d.Provisional || seen[d.Code] {
				t.Fatalf("a desk got %s (provisional %v) while the lease waits", d.Code, d.Provisional)
			}
			seen[d.Code] = true
		case <-time.After(5 * time.Second):
			t.Fatal("the desks wait for another desk's lease")
		}
	}
	close(l.release)
	if d := <-first; !d.Provisional || seen[d.Code] {
		t.Fatalf("the leasing desk got %s (provisional %v)", d.Code, d.Provisional)
	}
}

// A paper's English name is the catalog's: a paper the catalog names gets
// it, one the desk typed itself has none, and an English name sent by the
// desk is not taken (issue 14, point 10).
func TestPaperEnglishNameFromTheCatalog(t *testing.T) {
	f := newFixture(t, at("2026-03-02 08:00"))
	d, err := f.svc.Receive(context.Background(), f.users[app.RoleReceiver], app.ReceiveInput{ProcedureCode: "1.001193",
		Applicant: applicant(), Documents: []app.Document{
			{Name: "Giấy chứng sinh", NameEn: "Anything", Copies: 1},
			{Name: "Sổ hộ khẩu cũ", NameEn: "Old household book", Copies: 1},
		}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{d.Documents[0].NameEn, d.Documents[1].NameEn}; got[0] != "Birth certificate from the hospital" || got[1] != "" {
		t.Errorf("English names %q, want the catalog's and none", got)
	}
	// Without a list the desk takes the catalog's, English names included.
	if d := f.receive("1.001193"); d.Documents[0].NameEn != "Birth registration declaration" {
		t.Errorf("catalog papers carry %q", d.Documents[0].NameEn)
	}
}
