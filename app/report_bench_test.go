package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"xaso/app"
)

// yearOfDossiers applies n dossiers received over 2025 to the desk's store,
// as commands, with the mix of outcomes a commune sees: most resolved and
// returned (half of those rated), some waiting for a supplement or a
// payment, a few stopped or withdrawn, the rest open; a tenth online, some
// by post, a third with a scanned document.
func yearOfDossiers(b testing.TB, d *desk, n int) {
	r := rand.New(rand.NewPCG(2025, 766))
	start := vn(2025, 1, 2, 7, 30)
	node := d.st.NodeID()
	var batch []app.Command
	seq := 0
	add := func(kind, actor string, at time.Time, body app.Body) {
		seq++
		c, err := app.NewCommand(fmt.Sprintf("bench-%08d", seq), kind, actor, node, app.MakeHLC(at.UnixMilli(), 0), body)
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, c)
	}
	flush := func() {
		if err := d.st.Apply(context.Background(), batch...); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	procs := []app.ProcedureRef{
		{Code: "1.001193", Name: "Đăng ký khai sinh", Rule: app.DeadlineRule{Kind: "same_day"}},
		{Code: "2.000815", Name: "Chứng thực bản sao từ bản chính", Rule: app.DeadlineRule{Kind: "same_day"}},
		{Code: "1.004873", Name: "Xác nhận tình trạng hôn nhân", Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
	}
	for i := range n {
		at := start.Add(time.Duration(i) * (363 * 24 * time.Hour / time.Duration(n)))
		id := fmt.Sprintf("dossier-bench-%06d", i)
		ch, kind := app.ChannelInPerson, app.KindDossierReceive
		switch x := r.IntN(20); {
		case x < 2:
			ch, kind = app.ChannelOnline, app.KindDossierSubmit
		case x < 3:
			ch = app.ChannelPost
		}
		p := procs[r.IntN(len(procs))]
		due := at.Add(time.Duration(8+r.IntN(72)) * time.Hour)
		add(kind, "lan", at, &app.ReceiveBody{DossierID: id, Code: app.FormatCode("000.00.31.H42", at, i%9000+1),
			Slot: -1, Procedure: p, Channel: ch, ReceivedAt: at, DueAt: due,
			Applicant: app.Applicant{FullName: "Nguyễn Văn An", IDNumber: "037090001234"}})
		step := func(h int, a app.Action, note string) {
			at = at.Add(time.Duration(h) * time.Hour)
			add(app.KindDossierAct, "lan", at, &app.ActBody{DossierID: id, Action: a, Note: note})
		}
		if kind == app.KindDossierSubmit {
			step(2, app.ActReceive, "")
		}
		if r.IntN(3) == 0 {
			at = at.Add(time.Minute)
			add(app.KindDossierAttach, "lan", at, &app.AttachBody{DossierID: id, SHA256: fmt.Sprintf("%064x", i),
				Name: "scan.jpg", MediaType: app.MediaJPEG, Size: 200_000})
		}
		step(1, app.ActForward, "")
		switch x := r.IntN(100); {
		case x < 75:
			step(r.IntN(90), app.ActResolve, "")
			if r.IntN(5) > 0 {
				step(r.IntN(48), app.ActReturn, "")
				if r.IntN(2) == 0 {
					at = at.Add(time.Minute)
					add(app.KindDossierRate, "lan", at, &app.RateBody{DossierID: id, Value: app.Satisfactions()[r.IntN(3)]})
				}
			}
		case x < 85:
			step(4, app.ActRequestSupplement, "Bổ sung giấy tờ")
			if r.IntN(2) == 0 {
				step(72, app.ActSupplement, "")
			}
		case x < 90:
			step(4, app.ActRequestPayment, "")
		case x < 93:
			step(4, app.ActStop, "Không đủ điều kiện")
		case x < 95:
			step(4, app.ActWithdraw, "")
		}
		if len(batch) > 2000 {
			flush()
		}
	}
	flush()
}

// BenchmarkProgressReportYear: the progress report of a whole year over
// 20,000 dossiers in a real store, and of one month of it.
func BenchmarkProgressReportYear(b *testing.B) {
	d := newDesk(b, vn(2026, 1, 10, 9, 0))
	yearOfDossiers(b, d, 20_000)
	for _, bb := range []struct{ name, from, to string }{
		{"year", "2025-01-01", "2025-12-31"}, {"month", "2025-06-01", "2025-06-30"},
	} {
		per, err := app.ParsePeriod(bb.from, bb.to)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bb.name, func(b *testing.B) {
			var rep app.ProgressReport
			b.ReportAllocs()
			for b.Loop() {
				if rep, err = d.svc.ProgressReport(d.p, per); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rep.Received.Total), "dossiers")
		})
	}
}
