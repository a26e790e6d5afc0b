package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"xaso/app/calendar"
)

// Extension is how much longer the law lets a procedure take in a stated
// case (verification, many pages), on top of its statutory time. It is data
// of the catalog version: Law on Civil Status 2014 and Decree 23/2015 set the
// bounds today.
type Extension struct {
	// MaxHours bounds the extra working time (8 h = one working day). For a
	// same-day procedure it bounds the whole time from receipt.
	MaxHours int `json:"max_hours"`
	// When says the case in Vietnamese ("Cần xác minh").
	When string `json:"when"`
	// ByAgreement: a written agreement with the applicant may set a longer
	// time (Decree 23/2015 art. 21, certified copies of many pages).
	ByAgreement bool   `json:"by_agreement,omitempty"`
	Source      string `json:"source"`
}

func (e Extension) check(r DeadlineRule) error {
	switch {
	case r.Kind == calendar.CalendarDays:
		return fmt.Errorf("extension: a calendar_days rule takes no extension in working hours")
	case e.MaxHours < 1 || e.MaxHours > calendar.MaxRuleHours:
		return fmt.Errorf("extension: max_hours %d: want 1 to %d", e.MaxHours, calendar.MaxRuleHours)
	case strings.TrimSpace(e.When) == "" || strings.TrimSpace(e.Source) == "":
		return fmt.Errorf("extension: when and source are required")
	}
	return nil
}

// ExtensionInput is an official's choice of a statutory extension, at
// receipt (ReceiveInput.Extension) or when verification starts (action extend).
type ExtensionInput struct {
	Hours     int    `json:"hours"`
	Reason    string `json:"reason"`
	Agreement bool   `json:"agreement"` // a written agreement with the applicant (Extension.ByAgreement)
}

// checkExtension validates a choice against the procedure's bound.
func checkExtension(ext *Extension, in ExtensionInput) error {
	if ext == nil {
		return Errorf(EInvalid, "extension", "Thủ tục này không có thời hạn kéo dài theo quy định; nếu trễ hạn, hãy lập văn bản xin lỗi.",
			"this procedure has no statutory extension; if it runs late, issue an apology")
	}
	max := ext.MaxHours
	if ext.ByAgreement && in.Agreement {
		max = calendar.MaxRuleHours
	}
	if in.Hours < 1 || in.Hours > max {
		return Errorf(EInvalid, "extension.hours", "Thời gian kéo dài phải từ 1 đến %d giờ làm việc (%s ngày làm việc) theo quy định.",
			"the extension must be 1 to %d working hours (%s working days) by law", max, days(max))
	}
	if r := strings.TrimSpace(in.Reason); r == "" || utf8.RuneCountInString(r) > 500 {
		return Errorf(EInvalid, "extension.reason", "Cần ghi lý do kéo dài thời hạn (ví dụ: cần xác minh), tối đa 500 ký tự.",
			"an extension needs a reason (e.g. verification needed), at most 500 characters")
	}
	return nil
}

// days writes working hours as days the Vietnamese way: "3", "2,5", "0,125".
func days(hours int) string {
	s := strconv.FormatFloat(float64(hours)/8, 'f', -1, 64)
	return strings.Replace(s, ".", ",", 1)
}

// dueWith is the due date of a period that starts at start under rule r
// with ext working hours of statutory extension: for a same-day rule the
// extension is the whole time from the next opening.
func (s *Service) dueWith(start time.Time, r DeadlineRule, ext int) time.Time {
	if ext == 0 {
		return s.calendar().Due(start, r)
	}
	hours := ext
	if r.Kind == calendar.WorkingHours {
		hours += r.Hours
	}
	return s.calendar().Due(start, DeadlineRule{Kind: calendar.WorkingHours, Hours: hours})
}

// periodStart is when the dossier's current period began: receipt, or the
// last time the complete dossier came back after a supplement (art. 19(4)).
func (d *Dossier) periodStart() time.Time {
	start := d.ReceivedAt
	for _, e := range d.History {
		if e.Action == ActSupplement {
			start = e.At
		}
	}
	return start
}

// extensionNote is the history's note for an extension.
func extensionNote(in ExtensionInput) string {
	n := "Kéo dài thời hạn " + days(in.Hours) + " ngày làm việc theo quy định: " + strings.TrimSpace(in.Reason)
	if in.Agreement {
		n += " (theo thỏa thuận bằng văn bản với người yêu cầu)"
	}
	return n
}

// applyExtend folds action extend: a new due date within the law's bound,
// once per dossier, before the result is ready. Not a status change.
func (d *Dossier) applyExtend(c Command, b *ActBody, at time.Time) {
	switch {
	case d.Status != StatusReceived && d.Status != StatusProcessing:
		d.conflict(c, b.Action, at, string(b.Action)+" not allowed in "+string(d.Status))
		return
	case d.ExtensionHours > 0:
		d.conflict(c, b.Action, at, "already_extended")
		return
	case b.DueAt.IsZero() || b.ExtensionHours < 1:
		d.conflict(c, b.Action, at, "extend_without_due_at")
		return
	}
	d.ExtensionHours = b.ExtensionHours
	d.DueAt = b.DueAt.In(vnZone)
	d.History = append(d.History, Event{Action: ActExtend, From: d.Status, To: d.Status, At: at, By: c.Actor, Note: b.Note,
		DueAt: d.DueAt, ID: c.ID, ExtensionHours: b.ExtensionHours})
}

// extend is the service side of action extend (Act).
func (s *Service) extend(d Dossier, in ActInput, body *ActBody, now time.Time) error {
	if d.ExtensionHours > 0 {
		return Errorf(ETransition, "action", "Hồ sơ đã được kéo dài thời hạn theo quy định; chỉ được kéo dài một lần.",
			"the dossier already has its statutory extension; only one is allowed")
	}
	if d.Status != StatusReceived && d.Status != StatusProcessing {
		return Errorf(ETransition, "action", "Chỉ kéo dài thời hạn khi hồ sơ đang được tiếp nhận hoặc xử lý.",
			"an extension is only possible while the dossier is received or processing")
	}
	if in.Extension == nil {
		return Errorf(EInvalid, "extension", "Cần chọn thời gian kéo dài và lý do.", "extension (hours and reason) is required")
	}
	ext := s.procedureExtension(d.Procedure)
	if err := checkExtension(ext, *in.Extension); err != nil {
		return err
	}
	body.ExtensionHours = in.Extension.Hours
	body.DueAt = s.dueWith(d.periodStart(), d.Procedure.Rule, in.Extension.Hours)
	body.Note = extensionNote(*in.Extension)
	if !body.DueAt.After(now) {
		return Errorf(EInvalid, "extension.hours", "Thời hạn sau khi kéo dài đã qua; không thể dùng gia hạn theo quy định, hãy lập văn bản xin lỗi.",
			"the extended due date has passed already; issue an apology instead")
	}
	return nil
}

// procedureExtension is the extension of the procedure in the catalog
// version the dossier was received under (nil: none).
func (s *Service) procedureExtension(ref ProcedureRef) *Extension {
	c, ok := s.catalogs().Version(ref.Version)
	if !ok {
		return nil
	}
	for _, p := range c.Procedures {
		if p.Code == ref.Code {
			return p.Extension
		}
	}
	return nil
}
