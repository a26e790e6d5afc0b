package app_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"testing"
	"time"

	"xaso/app"
	"xaso/app/argon2id"
	"xaso/app/calendar"
	"xaso/build/testkit"
	"xaso/store"
)

// desk is a real node without HTTP: a bbolt store in a temporary folder,
// the real calendar, the service, and a clock the test moves forward.
type desk struct {
	t     testing.TB
	st    *store.Store
	blobs *store.Blobs
	svc   *app.Service
	clock *app.Clock
	now   time.Time
	p     app.Principal
	codes map[string]string // fixture name → dossier code
}

func newDesk(t testing.TB, start time.Time) *desk {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := store.OpenBlobs(dir + "/blobs")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := app.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	d := &desk{t: t, st: st, blobs: blobs, now: start, codes: map[string]string{},
		p: app.Principal{Username: "mai", FullName: "Phạm Thị Mai", Roles: app.Roles()}}
	d.clock = app.NewClock(func() time.Time { return d.now }, 0)
	d.svc, err = app.NewService(app.Config{Node: st.NodeID(), Log: st, Reader: st, Sessions: st,
		Hasher: argon2id.Hasher{MemoryKiB: 64, Time: 1, Threads: 1}, Calendar: calendar.Default(),
		Catalogs: app.NewCatalogs(cat), Clock: d.clock, Now: func() time.Time { return d.now }, Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.svc.Bootstrap(context.Background(), "14701", "000.00.31.H42", "admin-password"); err != nil {
		t.Fatal(err)
	}
	return d
}

var vn = testkit.VN

// at moves the clock; the script must go forward in time.
func (d *desk) at(t time.Time) *desk {
	d.t.Helper()
	if t.Before(d.now) {
		d.t.Fatalf("fixture goes back in time: %v after %v", t, d.now)
	}
	d.now = t
	return d
}

func (d *desk) receive(name, proc string, ch app.Channel) {
	d.t.Helper()
	dos, err := d.svc.Receive(context.Background(), d.p, app.ReceiveInput{ProcedureCode: proc, Channel: ch,
		Applicant: app.Applicant{FullName: "Nguyễn Văn " + givenNames[name], IDNumber: "037090001234", DateOfBirth: "1990-05-01",
			Phone: "0912345678", Address: "Thôn Đông, xã Yên Mô, tỉnh Ninh Bình"}}, "")
	if err != nil {
		d.t.Fatalf("receive %s: %v", name, err)
	}
	d.codes[name] = dos.Code
}

// submit records an online dossier arriving from the hub, due at due.
func (d *desk) submit(name, proc string, due time.Time) {
	d.t.Helper()
	id := "online-" + name + "-0001"
	code := app.FormatCode("000.00.31.H42", d.now, 9001)
	c, err := app.NewCommand(id, app.KindDossierSubmit, "system", d.st.NodeID(), d.clock.Next(), &app.ReceiveBody{
		DossierID: id, Code: code, Slot: 9, Seq: 9001, Channel: app.ChannelOnline, ReceivedAt: d.now, DueAt: due,
		Procedure: app.ProcedureRef{Code: proc, Name: "Xác nhận tình trạng hôn nhân", Version: "2025.07-default",
			Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
		Applicant: app.Applicant{FullName: "Lê Thị " + givenNames[name], IDNumber: "037190001234"}, Documents: []app.Document{}})
	if err != nil {
		d.t.Fatal(err)
	}
	if err := d.st.Append(context.Background(), c); err != nil {
		d.t.Fatal(err)
	}
	d.codes[name] = code
}

var givenNames = map[string]string{"D1": "An", "D2": "Bình", "D3": "Cường", "D4": "Dũng", "D5": "Giang", "D6": "Hải",
	"D7": "Hùng", "D8": "Hà", "D9": "Khánh", "D10": "Long", "D11": "Minh", "D12": "Nam", "D13": "Phong", "D14": "Quân", "D15": "Sơn",
	"D16": "Thảo", "D17": "Tuấn", "D18": "Việt"}

func (d *desk) act(name string, a app.Action, note string) {
	d.t.Helper()
	if _, err := d.svc.Act(context.Background(), d.p, d.codes[name], app.ActInput{Action: a, Note: note}); err != nil {
		d.t.Fatalf("%s %s: %v", a, name, err)
	}
}

// apologize records the leader's apology (form 04) with a new date.
func (d *desk) apologize(name string, due time.Time, note string) {
	d.t.Helper()
	if _, err := d.svc.Act(context.Background(), d.p, d.codes[name], app.ActInput{Action: app.ActApologize, Note: note,
		NewDueAt: &due}); err != nil {
		d.t.Fatalf("apologize %s: %v", name, err)
	}
}

func (d *desk) rate(name string, v app.Satisfaction) {
	d.t.Helper()
	if _, err := d.svc.Rate(context.Background(), d.p, d.codes[name], app.RateInput{Rating: v}); err != nil {
		d.t.Fatalf("rate %s: %v", name, err)
	}
}

func (d *desk) attach(name string, content []byte) (app.Attachment, bool) {
	d.t.Helper()
	a, created, err := d.svc.Attach(context.Background(), d.p, d.codes[name], "scan", bytes.NewReader(content))
	if err != nil {
		d.t.Fatalf("attach to %s: %v", name, err)
	}
	return a, created
}

func testImage(format string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if format == "png" {
		png.Encode(&b, img)
	} else {
		jpeg.Encode(&b, img, nil)
	}
	return b.Bytes()
}

// reportFixture plays the commune's spring of 2026, across the Hùng Kings
// holiday (26–27 April), 30 April and 1 May. Due dates come from the real
// calendar; the expected report numbers below were worked out by hand from
// this script (see the comments: due dates in brackets).
func reportFixture(t *testing.T) *desk {
	const h24, sameDay = "1.004873", "1.001193" // 3 working days; same day
	d := newDesk(t, vn(2026, 3, 30, 8, 0))
	d.at(vn(2026, 3, 30, 9, 0)).receive("D5", h24, "")
	d.at(vn(2026, 3, 30, 10, 0)).act("D5", app.ActForward, "")
	d.at(vn(2026, 4, 1, 9, 0)).act("D5", app.ActRequestSupplement, "Thiếu bản sao giấy khai sinh")
	d.at(vn(2026, 4, 20, 10, 0)).receive("D6", h24, "") // [23/4 10:00]
	d.at(vn(2026, 4, 20, 11, 0)).act("D6", app.ActForward, "")
	d.at(vn(2026, 4, 21, 9, 0)).act("D6", app.ActRequestSupplement, "Bổ sung tờ khai")
	d.at(vn(2026, 4, 24, 10, 0)).receive("D1", h24, "") // [4/5 10:00: 27/4, 30/4, 1/5 are days off]
	d.at(vn(2026, 4, 24, 11, 0)).act("D1", app.ActForward, "")
	d.at(vn(2026, 4, 28, 10, 0)).receive("D7", h24, "") // [5/5 10:00]
	d.at(vn(2026, 4, 28, 11, 0)).act("D7", app.ActForward, "")
	d.at(vn(2026, 4, 28, 15, 0)).act("D1", app.ActResolve, "")
	d.at(vn(2026, 4, 29, 9, 0)).receive("D2", h24, "")   // [6/5 09:00]
	d.at(vn(2026, 4, 29, 9, 30)).receive("D3", h24, "")  // [6/5 09:30]
	d.at(vn(2026, 4, 29, 10, 0)).receive("D18", h24, "") // [6/5 10:00]
	d.at(vn(2026, 4, 29, 10, 30)).act("D2", app.ActForward, "")
	d.at(vn(2026, 4, 29, 10, 31)).act("D3", app.ActForward, "")
	d.at(vn(2026, 4, 29, 10, 32)).act("D18", app.ActForward, "")
	d.at(vn(2026, 4, 29, 11, 0)).act("D7", app.ActResolve, "")
	d.at(vn(2026, 4, 29, 14, 0)).receive("D4", h24, "") // [6/5 14:00]
	d.at(vn(2026, 4, 29, 14, 30)).act("D4", app.ActForward, "")
	d.at(vn(2026, 4, 29, 15, 0)).act("D7", app.ActReturn, "")
	d.at(vn(2026, 4, 30, 8, 0)).submit("D16", h24, vn(2026, 5, 8, 17, 0))
	d.at(vn(2026, 5, 4, 8, 0)).receive("D9", sameDay, "") // [4/5 17:00]
	d.at(vn(2026, 5, 4, 9, 0)).act("D1", app.ActReturn, "")
	d.at(vn(2026, 5, 4, 9, 5)).rate("D1", app.Satisfied)
	d.at(vn(2026, 5, 4, 9, 30)).act("D9", app.ActForward, "")
	d.at(vn(2026, 5, 4, 16, 0)).act("D9", app.ActResolve, "")
	d.at(vn(2026, 5, 4, 16, 30)).act("D9", app.ActReturn, "")
	d.at(vn(2026, 5, 4, 16, 35)).rate("D9", app.Dissatisfied)
	d.at(vn(2026, 5, 5, 8, 0)).act("D16", app.ActReceive, "")
	d.at(vn(2026, 5, 5, 8, 30)).act("D16", app.ActForward, "")
	d.at(vn(2026, 5, 5, 16, 0)).act("D2", app.ActResolve, "")
	d.at(vn(2026, 5, 6, 8, 0)).act("D2", app.ActReturn, "")
	d.at(vn(2026, 5, 6, 8, 5)).rate("D2", app.VerySatisfied)
	d.at(vn(2026, 5, 6, 9, 0)).act("D3", app.ActResolve, "")
	d.at(vn(2026, 5, 6, 10, 0)).act("D16", app.ActResolve, "")
	d.at(vn(2026, 5, 7, 8, 0)).act("D4", app.ActResolve, "")
	d.at(vn(2026, 5, 11, 9, 0)).act("D6", app.ActSupplement, "") // [14/5 09:00: the period restarts in full]
	d.at(vn(2026, 5, 12, 9, 0)).receive("D12", h24, "")
	d.at(vn(2026, 5, 12, 9, 30)).act("D12", app.ActForward, "")
	d.at(vn(2026, 5, 12, 16, 0)).act("D6", app.ActResolve, "")
	d.at(vn(2026, 5, 13, 9, 0)).act("D12", app.ActRequestPayment, "")
	d.at(vn(2026, 5, 15, 10, 0)).receive("D10", h24, app.ChannelPost) // [20/5 10:00]
	d.at(vn(2026, 5, 15, 10, 30)).act("D10", app.ActForward, "")
	d.at(vn(2026, 5, 18, 9, 0)).receive("D13", h24, "")
	d.at(vn(2026, 5, 18, 9, 30)).act("D13", app.ActForward, "")
	d.at(vn(2026, 5, 18, 10, 0)).receive("D8", h24, "") // [21/5 10:00]
	d.at(vn(2026, 5, 18, 10, 30)).act("D8", app.ActForward, "")
	d.at(vn(2026, 5, 19, 9, 0)).act("D13", app.ActStop, "Công dân không đủ điều kiện")
	// Decree 61/2018 art. 19(9): the apology moves the date once, but a result
	// after the appointment is late all the same [new date 25/5 17:00].
	d.at(vn(2026, 5, 20, 8, 0)).apologize("D8", vn(2026, 5, 25, 17, 0), "Cần xác minh thêm tại nơi cư trú")
	d.at(vn(2026, 5, 20, 9, 0)).receive("D14", h24, "")
	d.at(vn(2026, 5, 21, 9, 0)).act("D14", app.ActWithdraw, "")
	d.at(vn(2026, 5, 22, 9, 0)).act("D8", app.ActResolve, "") // after 21/5 10:00: late, although before 25/5
	d.at(vn(2026, 5, 25, 9, 0)).receive("D15", h24, "")       // [28/5 09:00]
	d.at(vn(2026, 5, 25, 9, 30)).act("D15", app.ActForward, "")
	d.at(vn(2026, 5, 29, 10, 0)).receive("D11", h24, "") // [3/6 10:00]
	d.at(vn(2026, 5, 29, 10, 10)).attach("D11", testImage("jpeg"))
	d.at(vn(2026, 5, 29, 10, 11)).attach("D11", testImage("png"))
	d.at(vn(2026, 5, 29, 10, 12)).attach("D11", testImage("jpeg")) // the same scan again: linked once
	d.at(vn(2026, 5, 29, 10, 30)).attach("D2", testImage("jpeg"))  // carried over: not "digitised at receipt"
	d.at(vn(2026, 6, 1, 8, 0)).receive("D17", h24, "")             // [4/6 08:00]
	d.at(vn(2026, 6, 2, 10, 0)).act("D15", app.ActResolve, "")
	d.at(vn(2026, 6, 3, 12, 0))
	return d
}

type want struct {
	counts         app.ProgressCounts
	sat            app.SatisfactionCounts
	digitised      app.DigitisedCounts
	asOf           time.Time
	onTimeRate     float64
	registerOrder  []string
	firstNo        int // form 07 is numbered through the year (Circular 01/2018 art. 10(2)(c)): D5 of March is 1
	procedureCount int
}

func byChannel(inPerson, online, post int) map[app.Channel]int {
	return map[app.Channel]int{app.ChannelInPerson: inPerson, app.ChannelOnline: online, app.ChannelPost: post}
}

func TestProgressReportFixture(t *testing.T) {
	d := reportFixture(t)
	tests := []struct {
		name, from, to string
		want           want
	}{
		{"April: carried over from March, open across the holidays", "2026-04-01", "2026-04-30", want{
			counts: app.ProgressCounts{
				Received:   app.ReceivedCounts{CarriedOver: 1, New: 7, ByChannel: byChannel(7, 0, 0), Total: 8},
				Processed:  app.ProcessedCounts{Early: 2, Total: 2},
				InProgress: app.InProgressCounts{WithinDeadline: 4, Total: 4},
				Paused:     app.PausedCounts{Supplement: 2}},
			sat: app.SatisfactionCounts{Returned: 1}, asOf: vn(2026, 5, 1, 0, 0), onTimeRate: 1,
			registerOrder: []string{"D6", "D1", "D7", "D2", "D3", "D18", "D4"}, firstNo: 2, procedureCount: 1}},
		{"May: every kind of outcome", "2026-05-01", "2026-05-31", want{
			counts: app.ProgressCounts{
				Received:   app.ReceivedCounts{CarriedOver: 6, New: 9, ByChannel: byChannel(7, 1, 1), Total: 15},
				Processed:  app.ProcessedCounts{Early: 3, OnTime: 2, Late: 2, Total: 7}, // D8 apologised, late
				InProgress: app.InProgressCounts{WithinDeadline: 1, Overdue: 3, Total: 4},
				Paused:     app.PausedCounts{Supplement: 1, Payment: 1, Stopped: 1},
				Withdrawn:  1},
			sat:       app.SatisfactionCounts{VerySatisfied: 1, Satisfied: 1, Dissatisfied: 1, Rated: 3, Returned: 3},
			digitised: app.DigitisedCounts{Dossiers: 1, Files: 2, Rate: 1.0 / 9}, asOf: vn(2026, 6, 1, 0, 0),
			onTimeRate:    5.0 / 7,
			registerOrder: []string{"D9", "D16", "D12", "D10", "D13", "D8", "D14", "D15", "D11"}, firstNo: 9, procedureCount: 2}},
		{"June, still running: as of now", "2026-06-01", "2026-06-30", want{
			counts: app.ProgressCounts{
				Received:   app.ReceivedCounts{CarriedOver: 6, New: 1, ByChannel: byChannel(1, 0, 0), Total: 7},
				Processed:  app.ProcessedCounts{Late: 1, Total: 1},
				InProgress: app.InProgressCounts{WithinDeadline: 1, Overdue: 3, Total: 4},
				Paused:     app.PausedCounts{Supplement: 1, Payment: 1}},
			asOf: vn(2026, 6, 3, 12, 0), registerOrder: []string{"D17"}, firstNo: 18, procedureCount: 1}},
		{"second quarter so far", "2026-04-01", "2026-06-30", want{
			counts: app.ProgressCounts{
				Received:   app.ReceivedCounts{CarriedOver: 1, New: 17, ByChannel: byChannel(15, 1, 1), Total: 18},
				Processed:  app.ProcessedCounts{Early: 5, OnTime: 2, Late: 3, Total: 10},
				InProgress: app.InProgressCounts{WithinDeadline: 1, Overdue: 3, Total: 4},
				Paused:     app.PausedCounts{Supplement: 1, Payment: 1, Stopped: 1},
				Withdrawn:  1},
			sat:       app.SatisfactionCounts{VerySatisfied: 1, Satisfied: 1, Dissatisfied: 1, Rated: 3, Returned: 4},
			digitised: app.DigitisedCounts{Dossiers: 2, Files: 3, Rate: 2.0 / 17}, asOf: vn(2026, 6, 3, 12, 0),
			onTimeRate: 7.0 / 10,
			registerOrder: []string{"D6", "D1", "D7", "D2", "D3", "D18", "D4", "D9", "D16", "D12", "D10", "D13", "D8", "D14",
				"D15", "D11", "D17"}, firstNo: 2, procedureCount: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			per, err := app.ParsePeriod(tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := d.svc.ProgressReport(d.p, per)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rep.ProgressCounts, tt.want.counts) {
				t.Errorf("counts\n got %+v\nwant %+v", rep.ProgressCounts, tt.want.counts)
			}
			if rep.Satisfaction != tt.want.sat {
				t.Errorf("satisfaction got %+v want %+v", rep.Satisfaction, tt.want.sat)
			}
			if rep.Digitised != tt.want.digitised {
				t.Errorf("digitised got %+v want %+v", rep.Digitised, tt.want.digitised)
			}
			if !rep.AsOf.Equal(tt.want.asOf) {
				t.Errorf("as of %v, want %v", rep.AsOf, tt.want.asOf)
			}
			if want := tt.want.onTimeRate; want != 0 && rep.OnTimeRate != want {
				t.Errorf("on-time rate %v, want %v", rep.OnTimeRate, want)
			}
			checkBalance(t, rep.ProgressCounts)
			sum := app.ProgressCounts{Received: app.ReceivedCounts{ByChannel: byChannel(0, 0, 0)}}
			for _, row := range rep.ByProcedure {
				checkBalance(t, row.ProgressCounts)
				addCounts(&sum, row.ProgressCounts)
			}
			if len(rep.ByProcedure) != tt.want.procedureCount || !reflect.DeepEqual(sum, rep.ProgressCounts) {
				t.Errorf("%d procedure rows summing to %+v, want %d rows summing to the total", len(rep.ByProcedure), sum,
					tt.want.procedureCount)
			}
			rows, err := d.svc.Register(d.p, per)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, r := range rows {
				if r.No != tt.want.firstNo+i {
					t.Errorf("row %d numbered %d, want %d", i, r.No, tt.want.firstNo+i)
				}
				if nameOf(d, r.Code) == "D8" && (r.Timing != app.TimingLate || !r.DueAt.Equal(vn(2026, 5, 21, 10, 0)) ||
					!r.RescheduledTo.Equal(vn(2026, 5, 25, 17, 0))) {
					t.Errorf("apologised D8: timing %q, due %v, rescheduled %v; want late, the appointment 21/5 10:00, 25/5 17:00",
						r.Timing, r.DueAt, r.RescheduledTo)
				}
				got = append(got, nameOf(d, r.Code))
			}
			if !reflect.DeepEqual(got, tt.want.registerOrder) {
				t.Errorf("register %v, want %v", got, tt.want.registerOrder)
			}
		})
	}
}

func nameOf(d *desk, code string) string {
	for n, c := range d.codes {
		if c == code {
			return n
		}
	}
	return code
}

// checkBalance: every dossier in the period ends in exactly one block.
func checkBalance(t *testing.T, c app.ProgressCounts) {
	t.Helper()
	out := c.Processed.Total + c.InProgress.Total + c.Paused.Supplement + c.Paused.Payment + c.Paused.Stopped + c.Withdrawn
	ch := 0
	for _, n := range c.Received.ByChannel {
		ch += n
	}
	if c.Received.Total != out || c.Received.Total != c.Received.CarriedOver+c.Received.New || ch != c.Received.New ||
		c.Processed.Total != c.Processed.Early+c.Processed.OnTime+c.Processed.Late ||
		c.InProgress.Total != c.InProgress.WithinDeadline+c.InProgress.Overdue {
		t.Errorf("counts do not balance: %+v", c)
	}
}

func addCounts(s *app.ProgressCounts, c app.ProgressCounts) {
	s.Received.CarriedOver += c.Received.CarriedOver
	s.Received.New += c.Received.New
	s.Received.Total += c.Received.Total
	for k, v := range c.Received.ByChannel {
		s.Received.ByChannel[k] += v
	}
	s.Processed.Early += c.Processed.Early
	s.Processed.OnTime += c.Processed.OnTime
	s.Processed.Late += c.Processed.Late
	s.Processed.Total += c.Processed.Total
	s.InProgress.WithinDeadline += c.InProgress.WithinDeadline
	s.InProgress.Overdue += c.InProgress.Overdue
	s.InProgress.Total += c.InProgress.Total
	s.Paused.Supplement += c.Paused.Supplement
	s.Paused.Payment += c.Paused.Payment
	s.Paused.Stopped += c.Paused.Stopped
	s.Withdrawn += c.Withdrawn
}
