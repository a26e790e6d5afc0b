// Package forms prints the one-stop desk's paper: forms 01–07 of Circular
// 03/2025/TT-VPCP from a dossier, and the period reports as PDF and XLSX.
// Text is set in DejaVu Serif (fonts/, Bitstream Vera licence), which covers
// every Vietnamese letter, embedded so that a PC without fonts prints the same.
package forms

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"xaso/app"
)

var (
	//go:embed fonts/DejaVuSerif.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSerif-Bold.ttf
	fontBold []byte
	//go:embed fonts/DejaVuSerif-Italic.ttf
	fontItalic []byte
)

const family = "dejavuserif"

// Paper sizes.
const (
	A4 = "A4"
	A5 = "A5"
)

// doc is a page layout over fpdf with the helpers the forms share.
type doc struct {
	*fpdf.Fpdf
	left, right float64 // margins
	width       float64 // text width
	scale       float64 // type and line size: 1 on A4, smaller on A5
}

// newDoc starts a document. orientation is "P" or "L"; created fixes the
// document's time stamps so that the same input prints the same bytes.
func newDoc(orientation, size, title string, created time.Time) *doc {
	f := fpdf.New(orientation, "mm", size, "")
	f.AddUTF8FontFromBytes(family, "", fontRegular)
	f.AddUTF8FontFromBytes(family, "B", fontBold)
	f.AddUTF8FontFromBytes(family, "I", fontItalic)
	f.SetTitle(title, true)
	f.SetAuthor("Xã Số", true)
	f.SetCreator("Xã Số", true)
	f.SetLang("vi-VN")
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	left, top, right := 25.0, 15.0, 15.0 // Decree 30/2020: left 30–35, right 15–20; narrower for A5
	if size == A5 {
		left, top, right = 15, 10, 10
	}
	if orientation == "L" { // registers and reports: wide tables
		left, top, right = 10, 12, 10
	}
	f.SetMargins(left, top, right)
	f.SetAutoPageBreak(true, 15)
	w, _ := f.GetPageSize()
	d := &doc{Fpdf: f, left: left, right: right, width: w - left - right, scale: 1}
	if size == A5 {
		d.scale = 0.75
		f.SetAutoPageBreak(true, 10)
	}
	// Decree 30/2020: pages are numbered from the second, at the top centre.
	f.SetHeaderFuncMode(func() {
		if f.PageNo() < 2 {
			return
		}
		y := f.GetY()
		f.SetY(6)
		d.font("", 10)
		f.CellFormat(0, 4, fmt.Sprint(f.PageNo()), "", 0, "C", false, 0, "")
		f.SetY(max(y, 12))
	}, true)
	f.AddPage()
	return d
}

func (d *doc) font(style string, size float64) { d.SetFont(family, style, size*d.scale) }

// s scales a line height.
func (d *doc) s(h float64) float64 { return h * d.scale }

// out writes the PDF, or the first layout error.
func (d *doc) out(w io.Writer) error {
	if err := d.Error(); err != nil {
		return fmt.Errorf("pdf layout: %w", err)
	}
	return d.Output(w)
}

// header prints the two-column heading of a Vietnamese administrative
// document: the issuing office on the left, the national motto on the
// right, and below them the code (left) and the place and date (right).
func (d *doc) header(u Unit, number string, date time.Time) {
	d.headerOf(u, u.Office(), number, date)
}

// headerOf is header with the office named under the committee; an empty
// office prints the committee alone, in bold (a document the committee
// itself issues, such as an extract of a civil-status register).
func (d *doc) headerOf(u Unit, office, number string, date time.Time) {
	top := d.GetY()
	colL := d.width * 0.42
	if w, h := d.GetPageSize(); w > h {
		colL = d.width * 0.5
	}
	colR := d.width - colL
	x := d.left
	d.SetXY(x, top)
	lines := []struct{ style, text string }{{"", u.Parent()}, {"B", office}}
	if office == "" {
		lines = lines[:1]
		lines[0].style = "B"
	}
	for _, l := range lines {
		d.font(l.style, 10.5)
		for _, line := range d.SplitText(strings.ToUpper(l.text), colL) {
			d.CellFormat(colL, d.s(5), line, "", 2, "C", false, 0, "")
		}
	}
	leftEnd := d.GetY()
	d.rule(x+colL/2-12, leftEnd+1, 24)
	d.SetXY(x+colL, top)
	d.font("B", 10.5)
	d.CellFormat(colR, d.s(5), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", 2, "C", false, 0, "")
	d.font("B", 11.5)
	d.CellFormat(colR, d.s(5.5), "Độc lập - Tự do - Hạnh phúc", "", 2, "C", false, 0, "")
	d.rule(x+colL+colR/2-26, d.GetY()+0.3, 52)
	y := max(leftEnd, d.GetY()) + 3
	d.SetXY(x, y)
	d.font("", 10.5)
	if number != "" {
		d.CellFormat(colL, d.s(5), number, "", 0, "C", false, 0, "")
	}
	if !date.IsZero() {
		d.SetXY(x+colL, y)
		d.font("I", 11)
		d.CellFormat(colR, d.s(5), u.Place()+", "+LongDate(date), "", 0, "C", false, 0, "")
	}
	d.SetXY(x, y+d.s(9))
}

// rule draws a short horizontal line.
func (d *doc) rule(x, y, w float64) {
	d.SetLineWidth(0.3)
	d.Line(x, y, x+w, y)
}

// title prints a centred bold title and an optional italic line under it.
func (d *doc) title(t, sub string) {
	d.font("B", 13)
	for _, line := range d.SplitText(t, d.width) {
		d.CellFormat(d.width, d.s(6.5), line, "", 2, "C", false, 0, "")
	}
	if sub != "" {
		d.font("I", 10.5)
		d.CellFormat(d.width, d.s(5.5), sub, "", 2, "C", false, 0, "")
	}
	d.Ln(3)
}

// field prints "label value", the label in regular type, the value in bold,
// wrapping under the label's start.
func (d *doc) field(label, value string) {
	d.SetX(d.left)
	d.font("", 11)
	lw := d.GetStringWidth(label+" ") + 0.5
	if value == "" {
		value = strings.Repeat(".", 30)
	}
	d.SetCellMargin(0)
	d.CellFormat(lw, d.s(6), label, "", 0, "L", false, 0, "")
	d.font("B", 11)
	d.MultiCell(d.width-lw, d.s(6), value, "", "L", false)
	d.SetCellMargin(1)
}

// para prints a paragraph of regular text.
func (d *doc) para(style, text string) {
	d.SetX(d.left)
	d.font(style, 11)
	d.SetCellMargin(0)
	d.MultiCell(d.width, d.s(6), text, "", "J", false)
	d.SetCellMargin(1)
}

// signatures prints up to three signature columns: role in bold, the
// instruction in italics, room to sign, and the signer's name in bold.
func (d *doc) signatures(cols ...signer) {
	d.Ln(d.s(4))
	if d.GetY()+d.s(25)+d.s(20)*d.scale > d.pageBottom() {
		d.AddPage()
	}
	y := d.GetY()
	w := d.width / float64(len(cols))
	for i, c := range cols {
		x := d.left + float64(i)*w
		d.SetXY(x, y)
		d.font("B", 11)
		for _, line := range d.SplitText(c.role, w) {
			d.CellFormat(w, d.s(5.5), line, "", 2, "C", false, 0, "")
		}
		d.font("I", 10)
		d.CellFormat(w, d.s(5), c.note, "", 2, "C", false, 0, "")
		d.SetXY(x, d.GetY()+d.s(20)*d.scale)
		d.font("B", 11)
		d.CellFormat(w, d.s(5.5), c.name, "", 2, "C", false, 0, "")
	}
	d.SetXY(d.left, y+d.s(25)+d.s(20)*d.scale)
}

type signer struct{ role, note, name string }

func (d *doc) pageBottom() float64 {
	_, h := d.GetPageSize()
	if d.scale < 1 {
		return h - 10
	}
	return h - 15
}

// LongDate writes a date as Vietnamese documents do (Decree 30/2020):
// "ngày 05 tháng 5 năm 2026"; days below 10 and the months 1 and 2 take a
// leading zero.
func LongDate(t time.Time) string {
	t = t.In(app.VN())
	m := fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 {
		m = "0" + m
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), m, t.Year())
}

// ClockDate writes a time as the receipt does: "09 giờ 30 phút, ngày 29/04/2026".
func ClockDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(app.VN())
	return fmt.Sprintf("%02d giờ %02d phút, ngày %s", t.Hour(), t.Minute(), t.Format("02/01/2006"))
}

// ShortDate writes "29/04/2026", or "" for the zero time.
func ShortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.VN()).Format("02/01/2006")
}

// ShortDateTime writes "29/04/2026 09:30", or "".
func ShortDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.VN()).Format("02/01/2006 15:04")
}

// LongDateCap is LongDate at the start of a sentence: "Ngày 05 tháng 5 năm 2026".
func LongDateCap(t time.Time) string { return "N" + LongDate(t)[1:] }
