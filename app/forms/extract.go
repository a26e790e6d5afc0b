package forms

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"xaso/app"
)

// ExtractInput is what a certified extract (trích lục) of a civil-status
// register entry is printed from.
type ExtractInput struct {
	Entry   app.Entry
	Issue   *app.ExtractIssue // the recorded issue; nil prints a preview marked as not issued
	Unit    Unit
	Name    func(username string) string // an official's full name; nil prints user names
	Printed time.Time
}

// extractTitles names the extract of each register kind.
var extractTitles = map[app.RegisterKind]string{
	app.RegBirth:        "TRÍCH LỤC KHAI SINH",
	app.RegMarriage:     "TRÍCH LỤC KẾT HÔN",
	app.RegDeath:        "TRÍCH LỤC KHAI TỬ",
	app.RegParentage:    "TRÍCH LỤC ĐĂNG KÝ NHẬN CHA, MẸ, CON",
	app.RegGuardianship: "TRÍCH LỤC ĐĂNG KÝ GIÁM HỘ",
	app.RegChange:       "TRÍCH LỤC THAY ĐỔI, CẢI CHÍNH, BỔ SUNG THÔNG TIN HỘ TỊCH",
}

// extractLabels are how each kind names its people, event date and place.
var extractLabels = map[app.RegisterKind][4]string{ // subject, partner, date, place
	app.RegBirth:        {"Người được đăng ký khai sinh", "", "Ngày, tháng, năm sinh", "Nơi sinh"},
	app.RegMarriage:     {"Bên đăng ký kết hôn", "Bên đăng ký kết hôn", "Ngày đăng ký kết hôn", "Nơi đăng ký kết hôn"},
	app.RegDeath:        {"Người đã chết", "", "Ngày, tháng, năm chết", "Nơi chết"},
	app.RegParentage:    {"Người được nhận", "Người nhận", "Ngày", "Nơi cư trú"},
	app.RegGuardianship: {"Người được giám hộ", "Người giám hộ", "Ngày", "Nơi cư trú"},
	app.RegChange:       {"Người được thay đổi, cải chính, bổ sung", "", "Ngày", "Nơi"},
}

// Extract prints the certified extract of a register entry: the facts in
// force (corrections applied, each named under "Ghi chú"), where and when
// they were registered, the issue's number, copies and fee, and a QR code
// with the entry's reference (app.ExtractQR).
func Extract(w io.Writer, in ExtractInput) error {
	e, u := in.Entry, in.Unit
	title := extractTitles[e.Kind]
	if title == "" {
		return app.Errorf(app.ENotFound, "register", "Không có mẫu trích lục cho sổ %s.", "no extract form for register %s", e.Register)
	}
	d := newDoc("P", A4, title+" "+e.Register+"/"+strconv.Itoa(e.Number), in.Printed)
	d.headerOf(u, "", fmt.Sprintf("Số: %d/%d", e.Number, e.Year), in.Printed)
	d.title(title, "(Bản sao)")
	if in.Issue == nil {
		d.font("B", 10.5)
		d.SetTextColor(160, 0, 0)
		d.CellFormat(d.width, d.s(6), "BẢN XEM TRƯỚC — CHƯA CẤP, KHÔNG CÓ GIÁ TRỊ SỬ DỤNG", "", 2, "C", false, 0, "")
		d.SetTextColor(0, 0, 0)
		d.Ln(1)
	}
	f, labels := e.Current, extractLabels[e.Kind]
	d.person(labels[0], f.Subject)
	if f.Partner != nil {
		d.person(labels[1], *f.Partner)
	}
	d.field(labels[2]+":", dateAndWords(f.Date))
	if f.Place != "" {
		d.field(labels[3]+":", f.Place)
	}
	if f.Mother != nil {
		d.parent("mẹ", *f.Mother)
	}
	if f.Father != nil {
		d.parent("cha", *f.Father)
	}
	if f.Content != "" {
		d.field("Nội dung:", f.Content)
	}
	d.field("Nơi đăng ký:", u.Parent()+orEmpty(", ", u.Province))
	d.field("Ngày, tháng, năm đăng ký:", ShortDate(e.RegisteredAt))
	d.field("Số đăng ký, quyển số:", fmt.Sprintf("số %d, quyển số %s/%d", e.Number, e.Book, e.Year))
	if notes := entryNotes(e); len(notes) > 0 {
		d.para("B", "Ghi chú:")
		for _, n := range notes {
			d.para("", "- "+n)
		}
	}
	by, issued := "", "Bản xem trước, in "+ClockDate(in.Printed)+"."
	if x := in.Issue; x != nil {
		by = x.By
		if in.Name != nil && in.Name(x.By) != "" {
			by = in.Name(x.By)
		}
		issued = fmt.Sprintf("Cấp lần thứ %d, %d bản, ngày %s; lệ phí %s.", x.No, x.Copies, ShortDate(x.At), app.VND(x.FeeVND))
		if x.Requester != "" {
			issued += " Người yêu cầu: " + x.Requester + "."
		}
	}
	d.Ln(1)
	d.font("I", 10)
	d.SetX(d.left)
	d.MultiCell(d.width, d.s(5), issued, "", "L", false)
	issue := 0
	if in.Issue != nil {
		issue = in.Issue.No
	}
	qr := app.ExtractQR(u.Commune, e.Register, e.Number, issue)
	if err := d.qrBlock("qr-"+qr, qr, "Kiểm tra trích lục: quét mã QR bên cạnh tại Ủy ban nhân dân nơi đăng ký (tìm trong sổ "+
		e.Kind.Vi()+" năm "+strconv.Itoa(e.Year)+", số "+strconv.Itoa(e.Number)+")."); err != nil {
		return err
	}
	d.signatures(signer{"NGƯỜI KÝ TRÍCH LỤC", "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)", by})
	if err := d.out(w); err != nil {
		return app.Internal(fmt.Errorf("extract of %s/%d: %w", e.Register, e.Number, err))
	}
	return nil
}

// person prints a person of the entry under a heading.
func (d *doc) person(label string, p app.Person) {
	d.para("B", label+":")
	d.field("Họ, chữ đệm, tên:", strings.ToUpper(p.FullName))
	if p.DateOfBirth != "" {
		d.field("Ngày, tháng, năm sinh:", dateAndWords(p.DateOfBirth))
	}
	var line []string
	if p.Sex != "" {
		line = append(line, "Giới tính: "+upperFirst(p.Sex))
	}
	if p.Ethnicity != "" {
		line = append(line, "Dân tộc: "+p.Ethnicity)
	}
	if p.Nationality != "" {
		line = append(line, "Quốc tịch: "+p.Nationality)
	}
	if len(line) > 0 {
		d.para("", strings.Join(line, "    "))
	}
	if p.Residence != "" {
		d.field("Nơi cư trú:", p.Residence)
	}
	if p.IDNumber != "" {
		d.field("Số định danh cá nhân:", p.IDNumber)
	}
}

// parent prints a parent on one or two lines, as extracts of births do.
func (d *doc) parent(who string, p app.Person) {
	d.field("Họ, chữ đệm, tên người "+who+":", strings.ToUpper(p.FullName))
	var line []string
	if p.DateOfBirth != "" {
		line = append(line, "Năm sinh: "+p.DateOfBirth[:min(4, len(p.DateOfBirth))])
	}
	if p.Ethnicity != "" {
		line = append(line, "Dân tộc: "+p.Ethnicity)
	}
	if p.Nationality != "" {
		line = append(line, "Quốc tịch: "+p.Nationality)
	}
	if len(line) > 0 {
		d.para("", strings.Join(line, "    "))
	}
	if p.Residence != "" {
		d.field("Nơi cư trú:", p.Residence)
	}
}

// entryNotes are the margin notes of an entry: its corrections, then its annotations.
func entryNotes(e app.Entry) []string {
	var out []string
	for _, c := range e.Corrections {
		n := fmt.Sprintf("Ngày %s cải chính %s từ “%s” thành “%s”", ShortDate(c.At), factVi(c.Field), c.Old, c.New)
		if c.Basis != "" {
			n += " theo " + c.Basis
		}
		out = append(out, n+". "+c.Note)
	}
	for _, a := range e.Annotations {
		out = append(out, "Ngày "+ShortDate(a.At)+": "+a.Note)
	}
	return out
}

// factVi names a fact of an entry (app.FactFields) in Vietnamese.
func factVi(path string) string {
	names := map[string]string{"full_name": "họ, chữ đệm, tên", "sex": "giới tính", "date_of_birth": "ngày sinh",
		"ethnicity": "dân tộc", "nationality": "quốc tịch", "residence": "nơi cư trú", "id_number": "số định danh",
		"relation": "quan hệ", "date": "ngày", "place": "nơi", "content": "nội dung"}
	whose := map[string]string{"subject": "", "mother": " của người mẹ", "father": " của người cha",
		"partner": " của bên thứ hai", "declarant": " của người yêu cầu"}
	who, field, ok := strings.Cut(path, ".")
	if !ok {
		field, who = who, "subject"
	}
	if names[field] == "" {
		return path
	}
	return names[field] + whose[who]
}

// dateAndWords writes a YYYY-MM-DD date as dd/mm/yyyy followed by the date
// in words, as birth extracts do.
func dateAndWords(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return t.Format("02/01/2006") + " (" + DateInWords(t) + ")"
}

// DateInWords writes a date in Vietnamese words: "ngày ba mươi tháng mười
// một năm hai nghìn không trăm hai mươi sáu".
func DateInWords(t time.Time) string {
	month := NumberInWords(int(t.Month()))
	if t.Month() == 4 {
		month = "tư"
	}
	return "ngày " + NumberInWords(t.Day()) + " tháng " + month + " năm " + NumberInWords(t.Year())
}

var digitWords = [...]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// NumberInWords writes 0 ≤ n ≤ 9999 in Vietnamese words.
func NumberInWords(n int) string {
	if n < 0 || n > 9999 {
		return strconv.Itoa(n)
	}
	var parts []string
	th, h, rest := n/1000, n/100%10, n%100
	if th > 0 {
		parts = append(parts, digitWords[th], "nghìn")
	}
	if h > 0 || (th > 0 && rest > 0) {
		parts = append(parts, digitWords[h], "trăm")
	}
	switch {
	case rest == 0 && n > 0:
	case rest < 10 && n >= 100:
		parts = append(parts, "linh", digitWords[rest])
	default:
		parts = append(parts, tens(rest))
	}
	return strings.Join(parts, " ")
}

// tens writes 0–99.
func tens(n int) string {
	t, u := n/10, n%10
	switch {
	case t == 0:
		return digitWords[u]
	case t == 1 && u == 0:
		return "mười"
	case t == 1:
		return "mười " + unitAfterTens(u, false)
	case u == 0:
		return digitWords[t] + " mươi"
	}
	return digitWords[t] + " mươi " + unitAfterTens(u, true)
}

func unitAfterTens(u int, mươi bool) string {
	switch {
	case u == 5:
		return "lăm"
	case u == 1 && mươi:
		return "mốt"
	case u == 4 && mươi:
		return "tư"
	}
	return digitWords[u]
}

func upperFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

func orEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}
