package calendar

import "time"

// RuleKind says how a procedure's statutory time is counted.
type RuleKind string

// The kinds of deadline rule.
const (
	SameDay      RuleKind = "same_day"      // due at closing the day received (until the cut-off)
	WorkingHours RuleKind = "working_hours" // Hours of working time (8 h = one working day)
	CalendarDays RuleKind = "calendar_days" // Days calendar days, moved off days off
)

// Rule is a procedure's statutory time, as in the procedure catalog.
type Rule struct {
	Kind  RuleKind `json:"kind"`
	Hours int      `json:"hours,omitempty"`
	Days  int      `json:"days,omitempty"`
}

// Limits on rules: five years is more than any procedure allows.
const (
	MaxRuleHours = 5 * 366 * 8
	MaxRuleDays  = 5 * 366
)

// Validate checks the rule: a known kind, Hours in 1..MaxRuleHours for
// working_hours only, Days in 1..MaxRuleDays for calendar_days only.
func (r Rule) Validate() error {
	switch r.Kind {
	case SameDay:
		if r.Hours != 0 || r.Days != 0 {
			return errorf("rule", "Thủ tục giải quyết trong ngày không có số giờ hay số ngày.",
				"a same_day rule takes neither hours nor days")
		}
	case WorkingHours:
		if r.Days != 0 {
			return errorf("rule.days", "Thời hạn tính theo giờ làm việc không có số ngày.",
				"a working_hours rule takes no days")
		}
		if r.Hours < 1 || r.Hours > MaxRuleHours {
			return errorf("rule.hours", "Số giờ làm việc phải từ 1 đến %d (8 giờ là một ngày làm việc).",
				"hours must be between 1 and %d (8 h is one working day)", MaxRuleHours)
		}
	case CalendarDays:
		if r.Hours != 0 {
			return errorf("rule.hours", "Thời hạn tính theo ngày lịch không có số giờ.",
				"a calendar_days rule takes no hours")
		}
		if r.Days < 1 || r.Days > MaxRuleDays {
			return errorf("rule.days", "Số ngày phải từ 1 đến %d.", "days must be between 1 and %d", MaxRuleDays)
		}
	default:
		return errorf("rule.kind", "Loại thời hạn %q không hợp lệ: cần same_day, working_hours hoặc calendar_days.",
			"rule kind %q is not valid: want same_day, working_hours or calendar_days", r.Kind)
	}
	return nil
}

// Due returns the legal due date of a dossier received at received under
// rule r, in VN:
//   - same_day: received on a working day at or before the cut-off (15:00),
//     due at that day's closing; otherwise (after the cut-off, after hours,
//     on a day off) at the closing of the next working day.
//   - working_hours: AddWorking(NextOpening(received), Hours h): time before
//     opening, in the lunch break or after closing counts from the next
//     opening.
//   - calendar_days: the received date plus Days, at closing; if that day is
//     off, the closing of the next working day.
//
// Due returns the zero Time for an invalid rule; validate rules when they
// are loaded, or call Deadline.
func (c *Calendar) Due(received time.Time, r Rule) time.Time {
	if r.Validate() != nil {
		return time.Time{}
	}
	received = received.In(vn)
	day := dayOf(received)
	switch r.Kind {
	case SameDay:
		if !c.working(day) || received.Sub(startOf(day)) > c.cutoff {
			day = c.nextWorking(day + 1)
		}
		return startOf(day).Add(c.closing())
	case WorkingHours:
		return c.AddWorking(c.NextOpening(received), time.Duration(r.Hours)*time.Hour)
	default: // CalendarDays
		return startOf(c.nextWorking(day + r.Days)).Add(c.closing())
	}
}

// Deadline is Due with the rule checked: an invalid rule is an *Error.
func (c *Calendar) Deadline(received time.Time, r Rule) (time.Time, error) {
	if err := r.Validate(); err != nil {
		return time.Time{}, err
	}
	return c.Due(received, r), nil
}
