package forms

import (
	"fmt"
	"io"
	"strings"
	"time"

	"xaso/app"
)

// ProgressTitle is the heading of the progress report.
const ProgressTitle = "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính"

// progressGroup is a heading over several number columns.
type progressGroup struct {
	head string
	subs []string
}

// progressGroups are the number columns of the progress report, in the
// order progressValues gives them.
var progressGroups = []progressGroup{
	{"Số hồ sơ nhận giải quyết", []string{"Tổng số", "Kỳ trước chuyển qua", "Trực tuyến", "Trực tiếp", "Bưu chính"}},
	{"Số hồ sơ đã giải quyết", []string{"Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn"}},
	{"Số hồ sơ đang giải quyết", []string{"Tổng số", "Trong hạn", "Quá hạn"}},
	{"Số hồ sơ tạm dừng", []string{"Chờ bổ sung", "Chờ nghĩa vụ tài chính", "Dừng giải quyết"}},
	{"Rút hồ sơ", []string{""}},
}

// progressValues flattens a report row in the order of progressGroups.
func progressValues(c app.ProgressCounts) []int {
	r, p, i, z := c.Received, c.Processed, c.InProgress, c.Paused
	return []int{r.Total, r.CarriedOver, r.ByChannel[app.ChannelOnline], r.ByChannel[app.ChannelInPerson],
		r.ByChannel[app.ChannelPost], p.Total, p.Early, p.OnTime, p.Late, i.Total, i.WithinDeadline, i.Overdue,
		z.Supplement, z.Payment, z.Stopped, c.Withdrawn}
}

// Percent writes a ratio the Vietnamese way: "83,3%".
func Percent(x float64) string {
	return strings.Replace(fmt.Sprintf("%.1f%%", x*100), ".", ",", 1)
}

// AsOfVi says when the numbers were taken: "đến 24:00 ngày 31/05/2026"
// for a period that has ended, the time of day for one still running.
func AsOfVi(t time.Time) string {
	t = t.In(app.VN())
	if t.Hour() == 0 && t.Minute() == 0 {
		return "đến 24:00 ngày " + ShortDate(t.AddDate(0, 0, -1))
	}
	return "đến " + t.Format("15:04") + " ngày " + ShortDate(t)
}

// progressSubtitle is the line under the report's title: the period and
// when its numbers were taken.
func progressSubtitle(per app.Period, rep app.ProgressReport) string {
	return PeriodVi(per) + " (số liệu tính " + AsOfVi(rep.AsOf) + ")"
}

// ProgressPDF prints the progress report on A4 landscape: one row per
// procedure and the total, then the rates, satisfaction and digitisation.
func ProgressPDF(w io.Writer, u Unit, per app.Period, rep app.ProgressReport, printed time.Time) error {
	d := newDoc("L", A4, ProgressTitle, printed)
	d.header(u, "", printed)
	d.title(strings.ToUpper(ProgressTitle), progressSubtitle(per, rep))
	rows := make([][]string, 0, len(rep.ByProcedure)+1)
	for i, p := range rep.ByProcedure {
		rows = append(rows, progressRow(fmt.Sprint(i+1), p.Name+" ("+p.Code+")", p.ProgressCounts))
	}
	rows = append(rows, progressRow("", "Tổng cộng", rep.ProgressCounts))
	d.progressTable(rows)
	d.Ln(3)
	p := rep.Processed
	s := rep.Satisfaction
	lines := []string{
		fmt.Sprintf("Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn: %s (%d/%d hồ sơ đã giải quyết).",
			Percent(rep.OnTimeRate), p.Early+p.OnTime, p.Total),
		fmt.Sprintf("Tỷ lệ hồ sơ tiếp nhận trực tuyến: %s (%d/%d hồ sơ mới tiếp nhận).",
			Percent(rep.OnlineRate), rep.Received.ByChannel[app.ChannelOnline], rep.Received.New),
		fmt.Sprintf("Số hóa hồ sơ: %d/%d hồ sơ mới tiếp nhận có tài liệu được số hóa (%d tệp), đạt %s.",
			rep.Digitised.Dossiers, rep.Received.New, rep.Digitised.Files, Percent(rep.Digitised.Rate)),
		fmt.Sprintf("Mức độ hài lòng của người dân (%d/%d hồ sơ đã trả kết quả được đánh giá): Rất hài lòng %d; Hài lòng %d; Không hài lòng %d.",
			s.Rated, s.Returned, s.VerySatisfied, s.Satisfied, s.Dissatisfied),
	}
	for _, l := range lines {
		d.para("", "- "+l)
	}
	d.timingBar(p)
	d.signatures(signer{"NGƯỜI LẬP BÁO CÁO", "(Ký và ghi rõ họ tên)", ""},
		signer{"THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", ""})
	return d.out(w)
}

func progressRow(no, name string, c app.ProgressCounts) []string {
	r := []string{no, name}
	for _, v := range progressValues(c) {
		r = append(r, fmt.Sprint(v))
	}
	return r
}

// progressTable prints the report grid with its two heading rows: the
// groups and, under them, their columns.
func (d *doc) progressTable(rows [][]string) {
	const size = 7.5
	lh := lineH * size * d.scale / 9
	numW := 13.0
	n := 0
	for _, g := range progressGroups {
		n += len(g.subs)
	}
	cols := []col{{"STT", 8, "C"}, {"Thủ tục hành chính", 0, "L"}}
	for range n {
		cols = append(cols, col{w: numW, align: "R"})
	}
	cols = d.fit(cols)
	head := func() {
		d.font("B", size)
		d.SetFillColor(235, 235, 235)
		d.SetLineWidth(0.2)
		x, y := d.left, d.GetY()
		h1, h2 := 3*lh+1.4, 4*lh+1.4
		for i, c := range []string{"STT", "Thủ tục hành chính"} {
			d.Rect(x, y, cols[i].w, h1+h2, "FD")
			d.SetXY(x, y+(h1+h2-lh)/2)
			d.CellFormat(cols[i].w, lh, c, "", 0, "C", false, 0, "")
			x += cols[i].w
		}
		for _, g := range progressGroups {
			gw := numW * float64(len(g.subs))
			gh := h1
			if len(g.subs) == 1 {
				gh = h1 + h2
			}
			d.Rect(x, y, gw, gh, "FD")
			lines := d.SplitText(g.head, gw)
			for k, l := range lines {
				d.SetXY(x, y+(gh-float64(len(lines))*lh)/2+float64(k)*lh)
				d.CellFormat(gw, lh, l, "", 0, "C", false, 0, "")
			}
			if len(g.subs) > 1 {
				for k, s := range g.subs {
					sx := x + float64(k)*numW
					d.Rect(sx, y+h1, numW, h2, "FD")
					sl := d.SplitText(s, numW)
					for j, l := range sl {
						d.SetXY(sx, y+h1+(h2-float64(len(sl))*lh)/2+float64(j)*lh)
						d.CellFormat(numW, lh, l, "", 0, "C", false, 0, "")
					}
				}
			}
			x += gw
		}
		d.SetXY(d.left, y+h1+h2)
	}
	head()
	for i, r := range rows {
		style := ""
		if i == len(rows)-1 {
			style = "B" // the total
		}
		d.font(style, size)
		h := d.rowHeight(cols, r, lh)
		if d.GetY()+h > d.pageBottom() {
			d.AddPage()
			head()
			d.font(style, size)
		}
		d.row(cols, r, h, lh, "")
	}
}

// timingBar draws the processed dossiers as one bar split into early, on
// time and late, with a legend.
func (d *doc) timingBar(p app.ProcessedCounts) {
	if p.Total == 0 {
		return
	}
	d.Ln(2)
	x, y, w, h := d.left, d.GetY(), 160.0, 6.0
	parts := []struct {
		n       int
		r, g, b int
		label   string
	}{
		{p.Early, 46, 125, 50, app.TimingEarly.Vi()}, {p.OnTime, 100, 160, 220, app.TimingOnTime.Vi()},
		{p.Late, 200, 60, 50, app.TimingLate.Vi()},
	}
	d.SetLineWidth(0.2)
	for _, s := range parts {
		if s.n == 0 {
			continue
		}
		sw := w * float64(s.n) / float64(p.Total)
		d.SetFillColor(s.r, s.g, s.b)
		d.Rect(x, y, sw, h, "FD")
		x += sw
	}
	d.SetXY(d.left+w+4, y)
	d.font("", 8.5)
	legend := make([]string, 0, 3)
	for _, s := range parts {
		legend = append(legend, fmt.Sprintf("%s: %d", s.label, s.n))
	}
	d.CellFormat(0, h, "Hồ sơ đã giải quyết — "+strings.Join(legend, "; "), "", 2, "L", false, 0, "")
	d.SetXY(d.left, y+h+2)
}
