package forms

import (
	"fmt"
	"strings"
	"time"

	"xaso/app"
)

// actionVi names each step as the control slip writes it.
var actionVi = map[app.Action]string{
	app.ActSubmit: "Nộp hồ sơ trực tuyến", app.ActReceive: "Tiếp nhận hồ sơ", app.ActRefuse: "Từ chối tiếp nhận",
	app.ActForward: "Chuyển xử lý", app.ActRequestSupplement: "Yêu cầu bổ sung hồ sơ",
	app.ActSupplement: "Nhận hồ sơ bổ sung", app.ActRequestPayment: "Yêu cầu thực hiện nghĩa vụ tài chính",
	app.ActPaid: "Đã thực hiện nghĩa vụ tài chính", app.ActStop: "Dừng giải quyết", app.ActResolve: "Hoàn thành giải quyết",
	app.ActReturn: "Trả kết quả", app.ActWithdraw: "Công dân rút hồ sơ", app.ActApologize: "Xin lỗi, hẹn lại ngày trả",
	app.ActExtend: "Kéo dài thời hạn theo quy định", app.ActHandOver: "Chuyển người xử lý (trình ký, phối hợp)",
}

// handOver says who hands the dossier to whom at a step: the official who
// acted, the citizen, or the processing side; holder is the official the
// step handed it to (forward, hand_over), "" if none was named.
func handOver(e app.Event, citizen, actor, holder string) (from, to string) {
	switch {
	case (e.Action == app.ActForward || e.Action == app.ActHandOver) && holder != "":
		return actor, holder
	}
	switch e.Action {
	case app.ActSubmit:
		return citizen, "Hệ thống dịch vụ công"
	case app.ActReceive, app.ActSupplement, app.ActPaid, app.ActWithdraw:
		return citizen, actor
	case app.ActForward:
		return actor, "Bộ phận chuyên môn"
	case app.ActResolve:
		return actor, "Bộ phận một cửa"
	}
	return actor, citizen // requests, refusal, stop, apology, return
}

// controlSlip prints form 06, Phiếu kiểm soát quá trình giải quyết hồ sơ:
// every hand-over of the dossier, who to whom, when, and whether it was
// early, on time or late against the due date then in force.
func controlSlip(in Input) (*doc, error) {
	dos, u := in.Dossier, in.Unit
	d := newDoc("P", A4, Titles[ControlSlip]+" "+dos.Code, in.Printed)
	d.header(u, "Mã hồ sơ: "+dos.Code, time.Time{})
	d.title(strings.ToUpper(Titles[ControlSlip]), "")
	d.field("Thủ tục:", dos.Procedure.Name+" ("+dos.Procedure.Code+")")
	d.field("Người nộp hồ sơ:", dos.Applicant.FullName)
	d.field("Thời gian nhận hồ sơ:", ClockDate(dos.ReceivedAt))
	d.field("Thời gian trả kết quả:", ClockDate(dos.DueAt))
	d.Ln(2)
	citizen := "Công dân: " + dos.Applicant.FullName
	var rows [][]string
	var due time.Time
	for i, e := range dos.History {
		if !e.DueAt.IsZero() && (e.Action == app.ActReceive || e.Action == app.ActSubmit) {
			due = e.DueAt
		}
		holder := ""
		if e.Holder != "" {
			holder = in.official(e.Holder)
		}
		from, to := handOver(e, citizen, in.official(e.By), holder)
		name := actionVi[e.Action]
		if name == "" {
			name = string(e.Action)
		}
		result := ""
		if i > 0 && !due.IsZero() {
			result = app.TimingOf(e.At, due).Vi() // judged against the due date in force then
		}
		note := e.Note
		if !e.DueAt.IsZero() && i > 0 {
			note = strings.TrimSpace(note + " (hạn mới: " + ShortDateTime(e.DueAt) + ")")
		}
		rows = append(rows, []string{fmt.Sprint(i + 1), name, "Giao: " + from + "\nNhận: " + to,
			ShortDateTime(e.At), result, note})
		if !e.DueAt.IsZero() {
			due = e.DueAt
		}
	}
	d.table(d.fit([]col{{"STT", 10, "C"}, {"Bước xử lý", 32, "L"}, {"Tên cơ quan, bộ phận, người giao và nhận", 0, "L"},
		{"Thời gian giao, nhận", 26, "C"}, {"Kết quả (trước, đúng, quá hạn)", 24, "C"}, {"Ghi chú", 34, "L"}}), rows, 9)
	if len(dos.Conflicts) > 0 {
		d.Ln(2)
		d.para("I", fmt.Sprintf("Có %d thao tác xung đột đang chờ cán bộ xử lý (hai máy cùng thao tác khi mất kết nối).", len(dos.Conflicts)))
	}
	return d, nil
}
