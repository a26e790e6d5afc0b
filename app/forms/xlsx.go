package forms

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"xaso/app"
)

// sheet writes cells of one worksheet, keeping the first error.
type sheet struct {
	f    *excelize.File
	name string
	err  error
}

func (s *sheet) set(col, row int, v any, style int) {
	if s.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err == nil {
		err = s.f.SetCellValue(s.name, cell, v)
	}
	if err == nil && style != 0 {
		err = s.f.SetCellStyle(s.name, cell, cell, style)
	}
	s.err = err
}

func (s *sheet) merge(c1, r1, c2, r2 int) {
	if s.err != nil || (c1 == c2 && r1 == r2) {
		return
	}
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	b, _ := excelize.CoordinatesToCellName(c2, r2)
	s.err = s.f.MergeCell(s.name, a, b)
}

func (s *sheet) width(c1, c2 int, w float64) {
	if s.err != nil {
		return
	}
	a, _ := excelize.ColumnNumberToName(c1)
	b, _ := excelize.ColumnNumberToName(c2)
	s.err = s.f.SetColWidth(s.name, a, b, w)
}

type styles struct{ title, italic, head, text, num, bold, boldNum, date int }

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	font := func(bold, italic bool, size float64) *excelize.Font {
		return &excelize.Font{Family: "Times New Roman", Size: size, Bold: bold, Italic: italic}
	}
	wrap := func(h string) *excelize.Alignment {
		return &excelize.Alignment{Horizontal: h, Vertical: "center", WrapText: true}
	}
	defs := []*excelize.Style{
		{Font: font(true, false, 13), Alignment: wrap("center")},
		{Font: font(false, true, 11), Alignment: wrap("center")},
		{Font: font(true, false, 10), Alignment: wrap("center"), Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EBEBEB"}}},
		{Font: font(false, false, 10), Alignment: wrap("left"), Border: border},
		{Font: font(false, false, 10), Alignment: wrap("right"), Border: border},
		{Font: font(true, false, 10), Alignment: wrap("left"), Border: border},
		{Font: font(true, false, 10), Alignment: wrap("right"), Border: border},
		{Font: font(false, false, 10), Alignment: wrap("center"), Border: border, CustomNumFmt: ptr("dd/mm/yyyy hh:mm")},
	}
	ids := make([]int, len(defs))
	for i, st := range defs {
		id, err := f.NewStyle(st)
		if err != nil {
			return styles{}, err
		}
		ids[i] = id
	}
	return styles{ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7]}, nil
}

func ptr[T any](v T) *T { return &v }

// newBook starts a workbook titled title with one worksheet, sheetName,
// and the styles; the caller closes s.f.
func newBook(title, sheetName string, printed time.Time) (*sheet, styles, error) {
	f := excelize.NewFile()
	st, err := newStyles(f)
	if err == nil {
		err = f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "Xã Số", Language: "vi-VN",
			Created: printed.UTC().Format(time.RFC3339), Modified: printed.UTC().Format(time.RFC3339)})
	}
	if err == nil {
		err = f.SetSheetName("Sheet1", sheetName)
	}
	if err != nil {
		f.Close()
		return nil, styles{}, err
	}
	return &sheet{f: f, name: sheetName}, st, nil
}

// heading writes the office, the title and the period over ncols columns.
func (s *sheet) heading(st styles, u Unit, title, sub string, ncols int) {
	s.set(1, 1, strings.ToUpper(u.Parent()), 0)
	s.set(1, 2, strings.ToUpper(u.Office()), st.bold)
	s.set(1, 4, strings.ToUpper(title), st.title)
	s.merge(1, 4, ncols, 4)
	s.set(1, 5, sub, st.italic)
	s.merge(1, 5, ncols, 5)
}

// ProgressXLSX exports the progress report as a workbook: the grid by
// procedure with its total, and the rates, satisfaction and digitisation.
func ProgressXLSX(w io.Writer, u Unit, per app.Period, rep app.ProgressReport, printed time.Time) error {
	s, st, err := newBook(ProgressTitle, "Báo cáo", printed)
	if err != nil {
		return fmt.Errorf("progress xlsx: %w", err)
	}
	defer s.f.Close()
	ncols := 2
	for _, g := range progressGroups {
		ncols += len(g.subs)
	}
	s.heading(st, u, ProgressTitle, progressSubtitle(per, rep), ncols)
	const h1, h2 = 7, 8
	s.set(1, h1, "STT", st.head)
	s.merge(1, h1, 1, h2)
	s.set(2, h1, "Thủ tục hành chính", st.head)
	s.merge(2, h1, 2, h2)
	c := 3
	for _, g := range progressGroups {
		s.set(c, h1, g.head, st.head)
		if len(g.subs) == 1 {
			s.merge(c, h1, c, h2)
		} else {
			for k, sub := range g.subs {
				s.set(c+k, h2, sub, st.head)
			}
			s.merge(c, h1, c+len(g.subs)-1, h1)
		}
		c += len(g.subs)
	}
	row := h2 + 1
	put := func(no any, label string, pc app.ProgressCounts, text, num int) {
		s.set(1, row, no, num)
		s.set(2, row, label, text)
		for i, v := range progressValues(pc) {
			s.set(3+i, row, v, num)
		}
		row++
	}
	for i, p := range rep.ByProcedure {
		put(i+1, p.Name+" ("+p.Code+")", p.ProgressCounts, st.text, st.num)
	}
	put("", "Tổng cộng", rep.ProgressCounts, st.bold, st.boldNum)
	row++
	sat, pr := rep.Satisfaction, rep.Processed
	for _, kv := range [][2]any{
		{"Tỷ lệ giải quyết trước hạn và đúng hạn", rep.OnTimeRate},
		{"Tỷ lệ tiếp nhận trực tuyến", rep.OnlineRate},
		{"Hồ sơ mới có tài liệu số hóa", rep.Digitised.Dossiers},
		{"Số tệp số hóa", rep.Digitised.Files},
		{"Tỷ lệ số hóa", rep.Digitised.Rate},
		{"Hồ sơ đã trả kết quả", sat.Returned},
		{"Số đánh giá", sat.Rated},
		{app.VerySatisfied.Vi(), sat.VerySatisfied},
		{app.Satisfied.Vi(), sat.Satisfied},
		{app.Dissatisfied.Vi(), sat.Dissatisfied},
		{"Đã giải quyết: trước hạn / đúng hạn / quá hạn", fmt.Sprintf("%d / %d / %d", pr.Early, pr.OnTime, pr.Late)},
	} {
		s.set(2, row, kv[0], st.text)
		s.set(3, row, kv[1], st.num)
		row++
	}
	s.width(1, 1, 6)
	s.width(2, 2, 42)
	s.width(3, ncols, 11)
	if s.err != nil {
		return fmt.Errorf("progress xlsx: %w", s.err)
	}
	return s.f.Write(w)
}

// RegisterXLSX exports the tracking register of a period, one dossier a
// row, times as real date-time cells.
func RegisterXLSX(w io.Writer, u Unit, per app.Period, rows []app.RegisterRow, printed time.Time) error {
	s, st, err := newBook(Titles[RegisterEntry], "Sổ theo dõi", printed)
	if err != nil {
		return fmt.Errorf("register xlsx: %w", err)
	}
	defer s.f.Close()
	cols := registerCols()
	s.heading(st, u, Titles[RegisterEntry], PeriodVi(per), len(cols))
	const head = 7
	for i, c := range cols {
		s.set(i+1, head, c.head, st.head)
	}
	for k, r := range rows {
		cells := RegisterCells(u, r)
		cells[1] = r.Code
		y := head + 1 + k
		for i, v := range cells {
			switch i {
			case 0:
				s.set(i+1, y, r.No, st.num)
			case 3:
				s.set(i+1, y, r.Sets, st.num)
			case 7, 8, 9, 10, 11:
				if t := []time.Time{r.ReceivedAt, r.DueAt, r.ForwardedAt, r.ResolvedAt, r.ReturnedAt}[i-7]; !t.IsZero() {
					s.set(i+1, y, localTime(t), st.date)
				} else {
					s.set(i+1, y, "", st.text)
				}
			default:
				s.set(i+1, y, v, st.text)
			}
		}
	}
	s.width(1, 1, 6)
	s.width(2, 2, 26)
	s.width(3, 3, 30)
	s.width(4, 4, 8)
	s.width(5, 7, 24)
	s.width(8, 12, 16)
	s.width(13, 13, 30)
	if s.err == nil {
		s.err = s.f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: "A8", ActivePane: "bottomLeft"})
	}
	if s.err != nil {
		return fmt.Errorf("register xlsx: %w", s.err)
	}
	return s.f.Write(w)
}

// localTime is t's wall clock in Vietnam as a zone-less time, which
// spreadsheets store as a serial date without shifting it to UTC.
func localTime(t time.Time) time.Time {
	l := t.In(app.VN())
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}
