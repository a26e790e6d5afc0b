package forms

import (
	"fmt"
	"io"
	"strings"
	"time"

	"xaso/app"
)

// registerCols are the columns of the tracking register (form 07).
func registerCols() []col {
	return []col{{"STT", 8, "C"}, {"Mã hồ sơ", 24, "L"}, {"Tên thủ tục hành chính", 0, "L"}, {"Số lượng hồ sơ (bộ)", 10, "C"},
		{"Tên cá nhân, tổ chức", 30, "L"}, {"Địa chỉ, số điện thoại", 31, "L"}, {"Cơ quan chủ trì giải quyết", 22, "L"},
		{"Nhận hồ sơ", 17, "C"}, {"Hẹn trả kết quả", 17, "C"}, {"Chuyển hồ sơ đến cơ quan giải quyết", 17, "C"},
		{"Nhận kết quả từ cơ quan giải quyết", 17, "C"}, {"Trả kết quả cho cá nhân, tổ chức", 17, "C"},
		{"Ghi chú", 28, "L"}}
}

// RegisterCells is a register row as the printed and exported register
// shows it, one string per column.
func RegisterCells(u Unit, r app.RegisterRow) []string {
	addr := r.Address
	if r.Phone != "" {
		addr = strings.TrimSpace(addr + "; ĐT: " + r.Phone)
	}
	note := r.StatusVi
	if t := r.Timing.Vi(); t != "" {
		note += "; " + strings.ToLower(t)
	}
	if !r.RescheduledTo.IsZero() {
		note += "; hẹn lại " + ShortDate(r.RescheduledTo) + " " + r.RescheduledTo.In(app.VN()).Format("15:04") + " (văn bản xin lỗi)"
	}
	if r.Channel == app.ChannelOnline {
		note += "; nộp trực tuyến"
	} else if r.Channel == app.ChannelPost {
		note += "; qua bưu chính"
	}
	if r.Attachments > 0 {
		note += fmt.Sprintf("; %d tệp số hóa", r.Attachments)
	}
	if r.Rating != "" {
		note += "; " + r.Rating
	}
	return []string{fmt.Sprint(r.No), breakCode(r.Code), r.ProcedureName, fmt.Sprintf("%02d", r.Sets), r.Applicant, addr,
		u.Parent(), stacked(r.ReceivedAt), stacked(r.DueAt), stacked(r.ForwardedAt),
		stacked(r.ResolvedAt), stacked(r.ReturnedAt), note}
}

// breakCode lets a dossier code wrap after its agency part in a narrow column.
func breakCode(code string) string {
	if i := strings.LastIndex(code, "-"); i > 0 {
		if j := strings.LastIndex(code[:i], "-"); j > 0 {
			return code[:j+1] + "\n" + code[j+1:]
		}
	}
	return code
}

// stacked writes a time as date over clock: "29/04/2026\n09:30".
func stacked(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ShortDate(t) + "\n" + t.In(app.VN()).Format("15:04")
}

// registerDoc prints the tracking register for a period (or one dossier's
// line of it) on A4 landscape, with the heading row on every page.
func registerDoc(u Unit, period string, rows []app.RegisterRow, printed time.Time) (*doc, error) {
	d := newDoc("L", A4, Titles[RegisterEntry], printed)
	d.header(u, "", printed)
	sub := period
	if sub == "" && len(rows) == 1 {
		sub = "Trích sổ theo dõi hồ sơ " + rows[0].Code
	}
	d.title(strings.ToUpper(Titles[RegisterEntry]), sub)
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		cells = append(cells, RegisterCells(u, r))
	}
	if len(cells) == 0 {
		cells = append(cells, []string{"", "", "Không có hồ sơ tiếp nhận trong kỳ."})
	}
	d.table(d.fit(registerCols()), cells, 7)
	d.Ln(2)
	d.font("I", 9)
	d.CellFormat(d.width, d.s(5), fmt.Sprintf("Tổng số: %d hồ sơ. Các cột thời gian ghi ngày/tháng/năm giờ:phút.", len(rows)),
		"", 2, "L", false, 0, "")
	return d, nil
}

// RegisterPDF prints the tracking register of a period.
func RegisterPDF(w io.Writer, u Unit, per app.Period, rows []app.RegisterRow, printed time.Time) error {
	d, err := registerDoc(u, PeriodVi(per), rows, printed)
	if err != nil {
		return err
	}
	return d.out(w)
}

// PeriodVi writes a period: "Từ ngày 01/05/2026 đến ngày 31/05/2026".
func PeriodVi(per app.Period) string {
	return "Từ ngày " + ShortDate(per.From) + " đến ngày " + ShortDate(per.Last())
}
