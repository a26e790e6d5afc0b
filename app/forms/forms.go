package forms

import (
	"fmt"
	"io"
	"time"

	"xaso/app"
	"xaso/app/calendar"
)

// Form numbers as in Circular 03/2025/TT-VPCP.
const (
	Receipt       = "01" // Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	Supplement    = "02" // Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	Refusal       = "03" // Phiếu từ chối tiếp nhận giải quyết hồ sơ
	Apology       = "04" // Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết
	StopNotice    = "05" // Thông báo dừng giải quyết hồ sơ
	ControlSlip   = "06" // Phiếu kiểm soát quá trình giải quyết hồ sơ
	RegisterEntry = "07" // Sổ theo dõi hồ sơ (the dossier's line)
)

// Titles names each form.
var Titles = map[string]string{
	Receipt:       "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
	Supplement:    "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
	Refusal:       "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
	Apology:       "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
	StopNotice:    "Thông báo dừng giải quyết hồ sơ",
	ControlSlip:   "Phiếu kiểm soát quá trình giải quyết hồ sơ",
	RegisterEntry: "Sổ theo dõi hồ sơ",
}

// Input is what a dossier form is printed from.
type Input struct {
	Dossier app.Dossier
	Unit    Unit
	Name    func(username string) string // an official's full name; nil prints user names
	Printed time.Time                    // when it is printed (document time stamps, register date)
	Paper   string                       // A4 (default) or A5, for the receipt
}

func (in Input) official(username string) string {
	if in.Name != nil {
		if n := in.Name(username); n != "" {
			return n
		}
	}
	return username
}

// Render prints form n of a dossier as PDF. A notice whose event the
// dossier does not have (a supplement request for a dossier never asked to
// complete its file) is a domain error EConflict.
func Render(w io.Writer, n string, in Input) error {
	var d *doc
	var err error
	switch n {
	case Receipt:
		d, err = receipt(in)
	case Supplement, Refusal, Apology, StopNotice:
		d, err = notice(n, in)
	case ControlSlip:
		d, err = controlSlip(in)
	case RegisterEntry:
		row := app.RegisterRowOf(in.Dossier)
		row.No = 1
		d, err = registerDoc(in.Unit, "", []app.RegisterRow{row}, in.Printed)
	default:
		return app.Errorf(app.ENotFound, "form", "Không có mẫu số %s (chỉ có mẫu 01 đến 07).", "no form %s (forms are 01 to 07)", n)
	}
	if err != nil {
		return err
	}
	if err := d.out(w); err != nil {
		return app.Internal(fmt.Errorf("form %s of %s: %w", n, in.Dossier.Code, err))
	}
	return nil
}

// lastEvent returns the dossier's latest history event of action a.
func lastEvent(d app.Dossier, a app.Action) (app.Event, bool) {
	for i := len(d.History) - 1; i >= 0; i-- {
		if d.History[i].Action == a {
			return d.History[i], true
		}
	}
	return app.Event{}, false
}

// dueBefore is the due date in force just before the event with this command ID.
func dueBefore(d app.Dossier, id string) time.Time {
	var due time.Time
	for _, e := range d.History {
		if e.ID == id {
			break
		}
		if !e.DueAt.IsZero() {
			due = e.DueAt
		}
	}
	return due
}

// Statutory describes a procedure's statutory time in words.
func Statutory(r app.DeadlineRule) string {
	switch r.Kind {
	case calendar.SameDay:
		return "Trong ngày làm việc"
	case calendar.CalendarDays:
		return fmt.Sprintf("%d ngày", r.Days)
	}
	if r.Hours%8 == 0 {
		return fmt.Sprintf("%d ngày làm việc", r.Hours/8)
	}
	if r.Hours%4 == 0 {
		return fmt.Sprintf("%d,5 ngày làm việc", r.Hours/8)
	}
	return fmt.Sprintf("%d giờ làm việc", r.Hours)
}

// WorkingDays writes working hours as days: "3 ngày làm việc", "0,5 ngày làm việc".
func WorkingDays(hours int) string {
	if hours%8 == 0 {
		return fmt.Sprintf("%d ngày làm việc", hours/8)
	}
	if hours%4 == 0 {
		return fmt.Sprintf("%d,5 ngày làm việc", hours/8)
	}
	return fmt.Sprintf("%d giờ làm việc", hours)
}

// ChannelVi names a channel.
func ChannelVi(c app.Channel) string {
	switch c {
	case app.ChannelOnline:
		return "Trực tuyến"
	case app.ChannelPost:
		return "Qua dịch vụ bưu chính công ích"
	}
	return "Trực tiếp"
}
