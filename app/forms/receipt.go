package forms

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"xaso/app"
	"xaso/app/calendar"
)

// ReceiptQR is what the receipt's QR code says: the lookup link, which
// carries the dossier code, or the code alone when no link is configured.
func ReceiptQR(u Unit, code string) string {
	if l := u.Lookup(code); l != "" {
		return l
	}
	return code
}

// receipt prints form 01, Giấy tiếp nhận hồ sơ và hẹn trả kết quả: what the
// citizen takes home. It carries the dossier code with a QR code, the
// office, the applicant and how to reach them, the procedure, the papers
// received, the statutory time, when it was received and when the result is
// due (hour, minute, date), where to collect it, the channel, the official
// who received it and the lookup link.
func receipt(in Input) (*doc, error) {
	dos, u := in.Dossier, in.Unit
	paper := in.Paper
	if paper != A5 {
		paper = A4
	}
	d := newDoc("P", paper, Titles[Receipt]+" "+dos.Code, in.Printed)
	d.header(u, "", dos.ReceivedAt)
	d.title(strings.ToUpper(Titles[Receipt]), "")
	d.font("B", 12)
	d.CellFormat(d.width, 6, "Mã hồ sơ: "+dos.Code, "", 2, "C", false, 0, "")
	if dos.Provisional {
		d.font("I", 9.5)
		d.SetTextColor(160, 0, 0)
		d.MultiCell(d.width, 5, "Mã hồ sơ tạm thời (máy tiếp nhận đang mất kết nối): sẽ được thay bằng mã chính thức và báo lại cho ông/bà.", "", "C", false)
		d.SetTextColor(0, 0, 0)
	}
	d.Ln(2)
	d.para("", u.Office()+" tiếp nhận hồ sơ của:")
	a := dos.Applicant
	d.field("Ông/Bà:", a.FullName)
	d.field("Số định danh cá nhân:", a.IDNumber)
	d.field("Địa chỉ:", a.Address)
	d.field("Số điện thoại:", orDots(a.Phone))
	d.field("Thư điện tử:", orDots(a.Email))
	d.field("Nội dung yêu cầu giải quyết:", dos.Procedure.Name+" (mã thủ tục "+dos.Procedure.Code+")")
	d.Ln(1)
	d.para("B", "1. Thành phần hồ sơ nộp gồm:")
	rows := make([][]string, 0, len(dos.Documents))
	for i, doc := range dos.Documents {
		rows = append(rows, []string{fmt.Sprint(i + 1), doc.Name, app.DocFormVi(doc.Form), fmt.Sprintf("%02d", doc.Copies)})
	}
	if len(rows) == 0 {
		rows = append(rows, []string{"", "(không có giấy tờ kèm theo)", "", ""})
	}
	d.table(d.fit([]col{{"STT", 11, "C"}, {"Tên giấy tờ", 0, "L"}, {"Hình thức (bản chính, bản sao)", 34, "C"},
		{"Số lượng", 18, "C"}}), rows, 10)
	d.Ln(1)
	d.field("2. Số lượng hồ sơ:", "01 (bộ)")
	statutory := Statutory(dos.Procedure.Rule)
	switch {
	case dos.ExtensionHours > 0 && dos.Procedure.Rule.Kind == calendar.SameDay:
		statutory += "; kéo dài đến " + WorkingDays(dos.ExtensionHours) + " theo quy định"
	case dos.ExtensionHours > 0:
		statutory += "; kéo dài thêm " + WorkingDays(dos.ExtensionHours) + " theo quy định"
	}
	d.field("3. Thời gian giải quyết hồ sơ theo quy định là:", statutory)
	d.field("4. Thời gian nhận hồ sơ:", ClockDate(dos.ReceivedAt))
	// The appointment given at receipt stays on the receipt however often it
	// is reprinted: an apology's new date is on form 04, not here (Decree
	// 61/2018 art. 19(9)). A date the law sets anew is added below it.
	d.field("5. Thời gian trả kết quả giải quyết hồ sơ:", ClockDate(dos.FirstAppointment()))
	if why, at, ok := newAppointment(dos); ok {
		d.field("   "+why+":", ClockDate(at))
	}
	d.field("6. Đăng ký nhận kết quả tại:", u.Office())
	d.field("7. Hình thức nộp hồ sơ:", ChannelVi(dos.Channel))
	if err := d.lookupBlock(u, dos.Code); err != nil {
		return nil, err
	}
	d.signatures(
		signer{"NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", a.FullName},
		signer{"NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", in.official(dos.ReceivedBy)})
	return d, nil
}

// lookupBlock prints the QR code with the lookup instructions beside it.
func (d *doc) lookupBlock(u Unit, code string) error {
	text := "Tra cứu tình trạng hồ sơ: quét mã QR bên cạnh"
	if l := u.Lookup(code); l != "" {
		text += " hoặc truy cập " + l
	}
	text += ", nhập mã hồ sơ " + code + "."
	return d.qrBlock("qr-"+code, ReceiptQR(u, code), text)
}

// qrBlock prints a QR code holding payload with text beside it.
func (d *doc) qrBlock(name, payload, text string) error {
	png, err := qrcode.Encode(payload, qrcode.Medium, 256)
	if err != nil {
		return app.Internal(fmt.Errorf("QR %s: %w", name, err))
	}
	d.Ln(2)
	size := d.s(28)
	if d.GetY()+size > d.pageBottom() {
		d.AddPage()
	}
	x, y := d.left, d.GetY()
	d.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	d.ImageOptions(name, x, y, size, size, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	d.SetXY(x+size+3, y+3)
	d.font("I", 10)
	d.SetCellMargin(0)
	d.MultiCell(d.width-size-3, d.s(5), text, "", "L", false)
	d.SetCellMargin(1)
	d.SetXY(d.left, max(d.GetY(), y+size)+1)
	return nil
}

// newAppointment is the appointment the law set after receipt (the period
// restarted after a supplement, a statutory extension), with why; ok is
// false when the receipt's appointment still holds.
func newAppointment(dos app.Dossier) (why string, at time.Time, ok bool) {
	first, cur := dos.FirstAppointment(), dos.Appointment()
	if cur.Equal(first) {
		return "", time.Time{}, false
	}
	why = "Hẹn trả mới theo quy định"
	for _, e := range dos.History {
		if e.DueAt.Equal(cur) {
			switch e.Action {
			case app.ActSupplement:
				why = "Hẹn trả mới (tính lại từ khi nhận đủ hồ sơ bổ sung)"
			case app.ActExtend:
				why = "Hẹn trả mới (kéo dài thời hạn theo quy định)"
			}
		}
	}
	return why, cur, true
}

func orDots(s string) string {
	if s == "" {
		return strings.Repeat(".", 30)
	}
	return s
}
