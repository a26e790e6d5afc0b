package calendar

import (
	"errors"
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	c := Default()
	sameDay := Rule{Kind: SameDay}
	hours := func(n int) Rule { return Rule{Kind: WorkingHours, Hours: n} }
	days := func(n int) Rule { return Rule{Kind: CalendarDays, Days: n} }
	tests := []struct {
		name     string
		received time.Time
		rule     Rule
		want     time.Time
	}{
		// same_day
		{"same day: Friday 16:00 is due next Monday", at(2026, 3, 6, 16, 0), sameDay, at(2026, 3, 9, 17, 0)},
		{"same day: at the cut-off", at(2026, 3, 6, 15, 0), sameDay, at(2026, 3, 6, 17, 0)},
		{"same day: a second after the cut-off", at(2026, 3, 6, 15, 0).Add(time.Second), sameDay, at(2026, 3, 9, 17, 0)},
		{"same day: before opening", at(2026, 3, 2, 6, 0), sameDay, at(2026, 3, 2, 17, 0)},
		{"same day: lunch break", at(2026, 3, 2, 12, 0), sameDay, at(2026, 3, 2, 17, 0)},
		{"same day: after closing", at(2026, 3, 2, 18, 0), sameDay, at(2026, 3, 3, 17, 0)},
		{"same day: Saturday morning", at(2026, 3, 7, 8, 0), sameDay, at(2026, 3, 9, 17, 0)},
		{"same day: during Tết", at(2026, 2, 18, 9, 0), sameDay, at(2026, 2, 23, 17, 0)},
		{"same day: Friday before a compensation Monday", at(2026, 4, 24, 16, 0), sameDay, at(2026, 4, 28, 17, 0)},
		// working_hours
		{"hours: lunch break counts from 13:30", at(2026, 3, 2, 12, 0), hours(2), at(2026, 3, 2, 15, 30)},
		{"hours: half a day from the lunch break", at(2026, 3, 2, 12, 0), hours(4), at(2026, 3, 3, 7, 30)},
		{"hours: one day from the morning", at(2026, 3, 2, 9, 0), hours(8), at(2026, 3, 3, 9, 0)},
		{"hours: one day after closing ends at 17:00", at(2026, 3, 2, 18, 0), hours(8), at(2026, 3, 3, 17, 0)},
		{"hours: before opening", at(2026, 3, 2, 6, 0), hours(1), at(2026, 3, 2, 8, 0)},
		{"hours: 3 working days over Tết 2026", at(2026, 2, 13, 9, 0), hours(24), at(2026, 2, 25, 9, 0)},
		{"hours: over the compensation day", at(2026, 4, 24, 14, 0), hours(16), at(2026, 4, 29, 14, 0)},
		{"hours: over 30 April and 1 May", at(2026, 4, 29, 9, 0), hours(16), at(2026, 5, 5, 9, 0)},
		// calendar_days
		{"days: on a working day", at(2026, 3, 2, 10, 0), days(4), at(2026, 3, 6, 17, 0)},
		{"days: lands on Saturday", at(2026, 3, 2, 10, 0), days(5), at(2026, 3, 9, 17, 0)},
		{"days: lands in Tết", at(2026, 2, 10, 10, 0), days(7), at(2026, 2, 23, 17, 0)},
		{"days: lands on 1 September", at(2026, 8, 27, 10, 0), days(5), at(2026, 9, 3, 17, 0)},
		{"days: received after hours counts from the date", at(2026, 3, 2, 22, 0), days(1), at(2026, 3, 3, 17, 0)},
		{"days: received on a Sunday", at(2026, 3, 8, 10, 0), days(1), at(2026, 3, 9, 17, 0)},
		// the date is taken in VN: 20:00 UTC on Thursday is Friday 03:00 in VN.
		{"received in UTC", time.Date(2026, 3, 5, 20, 0, 0, 0, time.UTC), sameDay, at(2026, 3, 6, 17, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Due(tc.received, tc.rule)
			if !got.Equal(tc.want) || got.Location() != vn {
				t.Errorf("Due(%v, %+v) = %v, want %v", tc.received, tc.rule, got, tc.want)
			}
			if d, err := c.Deadline(tc.received, tc.rule); err != nil || !d.Equal(got) {
				t.Errorf("Deadline = %v, %v; want %v", d, err, got)
			}
		})
	}
}

// TestSupplementPause: while the office waits for a supplement the clock
// stops, so the due date moves by the working time paused.
func TestSupplementPause(t *testing.T) {
	c := Default()
	tests := []struct {
		name            string
		received        time.Time
		hours           int
		due             time.Time
		paused, resumed time.Time
		pausedFor       time.Duration
		newDue          time.Time
	}{
		{
			name:     "two and a half days",
			received: at(2026, 3, 2, 9, 0), hours: 40, due: at(2026, 3, 9, 9, 0),
			paused: at(2026, 3, 4, 10, 0), resumed: at(2026, 3, 6, 15, 0), pausedFor: 19 * time.Hour,
			newDue: at(2026, 3, 11, 14, 0),
		},
		{
			name:     "over 30 April and 1 May",
			received: at(2026, 4, 28, 9, 0), hours: 24, due: at(2026, 5, 5, 9, 0),
			paused: at(2026, 4, 29, 10, 0), resumed: at(2026, 5, 4, 8, 0), pausedFor: 6 * time.Hour,
			newDue: at(2026, 5, 5, 17, 0), // ends at closing and stays there
		},
		{
			name:     "paused and resumed out of hours",
			received: at(2026, 3, 2, 9, 0), hours: 8, due: at(2026, 3, 3, 9, 0),
			paused: at(2026, 3, 2, 17, 30), resumed: at(2026, 3, 3, 6, 45), pausedFor: 0,
			newDue: at(2026, 3, 3, 9, 0),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			due := c.Due(tc.received, Rule{Kind: WorkingHours, Hours: tc.hours})
			if !due.Equal(tc.due) {
				t.Fatalf("due = %v, want %v", due, tc.due)
			}
			pause := c.WorkingBetween(tc.paused, tc.resumed)
			if pause != tc.pausedFor {
				t.Errorf("paused for %v, want %v", pause, tc.pausedFor)
			}
			if got := c.AddWorking(due, pause); !got.Equal(tc.newDue) {
				t.Errorf("new due = %v, want %v", got, tc.newDue)
			}
		})
	}
}

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		rule  Rule
		field string // "" for a valid rule
	}{
		{Rule{Kind: SameDay}, ""},
		{Rule{Kind: WorkingHours, Hours: 4}, ""},
		{Rule{Kind: WorkingHours, Hours: MaxRuleHours}, ""},
		{Rule{Kind: CalendarDays, Days: 30}, ""},
		{Rule{Kind: SameDay, Hours: 8}, "rule"},
		{Rule{Kind: WorkingHours}, "rule.hours"},
		{Rule{Kind: WorkingHours, Hours: -8}, "rule.hours"},
		{Rule{Kind: WorkingHours, Hours: MaxRuleHours + 1}, "rule.hours"},
		{Rule{Kind: WorkingHours, Hours: 8, Days: 1}, "rule.days"},
		{Rule{Kind: CalendarDays}, "rule.days"},
		{Rule{Kind: CalendarDays, Days: MaxRuleDays + 1}, "rule.days"},
		{Rule{Kind: CalendarDays, Days: 3, Hours: 1}, "rule.hours"},
		{Rule{Kind: "working_days", Days: 3}, "rule.kind"},
		{Rule{}, "rule.kind"},
	}
	c := Default()
	for _, tc := range tests {
		err := tc.rule.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: unexpected error %v", tc.rule, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalid || e.Field != tc.field || e.Message == "" {
			t.Errorf("%+v: error %#v, want code %q field %q", tc.rule, err, CodeInvalid, tc.field)
		}
		if got := c.Due(at(2026, 3, 2, 9, 0), tc.rule); !got.IsZero() {
			t.Errorf("%+v: Due = %v, want the zero time", tc.rule, got)
		}
		if _, err := c.Deadline(at(2026, 3, 2, 9, 0), tc.rule); !errors.As(err, &e) {
			t.Errorf("%+v: Deadline error %v, want *Error", tc.rule, err)
		}
	}
}

// FuzzDue checks what must hold for any instant and rule: the due date is
// after receipt, at an instant inside office hours of a working day, in VN;
// a working_hours due date is exactly Hours of working time after the next
// opening; a same-day one is on the day received or the next working day.
func FuzzDue(f *testing.F) {
	f.Add(int64(0), uint8(0), uint16(0))
	f.Add(int64(1_771_000_000), uint8(1), uint16(24))
	f.Add(int64(1_772_000_000), uint8(2), uint16(7))
	f.Add(int64(1_790_000_000), uint8(1), uint16(3))
	c := Default()
	from := date(2000, 1, 1).Unix()
	span := date(2100, 1, 1).Unix() - from
	f.Fuzz(func(t *testing.T, sec int64, kind uint8, n uint16) {
		received := time.Unix(from+((sec%span)+span)%span, 0)
		var r Rule
		switch kind % 3 {
		case 0:
			r = Rule{Kind: SameDay}
		case 1:
			r = Rule{Kind: WorkingHours, Hours: 1 + int(n)%400}
		default:
			r = Rule{Kind: CalendarDays, Days: 1 + int(n)%400}
		}
		due := c.Due(received, r)
		if !due.After(received) || due.Location() != vn {
			t.Fatalf("Due(%v, %+v) = %v: not after receipt in VN", received, r, due)
		}
		if !c.IsWorkingDay(due) || c.WorkingBetween(due.Add(-time.Second), due) != time.Second {
			t.Fatalf("Due(%v, %+v) = %v: not inside office hours of a working day", received, r, due)
		}
		switch r.Kind {
		case WorkingHours:
			if w := c.WorkingBetween(c.NextOpening(received), due); w != time.Duration(r.Hours)*time.Hour {
				t.Fatalf("Due(%v, %+v) = %v: %v of working time", received, r, due, w)
			}
		case SameDay:
			if c.WorkingBetween(received, due) > 8*time.Hour+time.Duration(c.cutoff) {
				t.Fatalf("Due(%v, same day) = %v: more than a working day later", received, due)
			}
		}
	})
}

func BenchmarkDue(b *testing.B) {
	c := Default()
	rules := []Rule{{Kind: SameDay}, {Kind: WorkingHours, Hours: 24}, {Kind: WorkingHours, Hours: 120}, {Kind: CalendarDays, Days: 15}}
	base := at(2026, 1, 1, 0, 0)
	for i := 0; b.Loop(); i++ {
		c.Due(base.Add(time.Duration(i%(365*24))*time.Hour+17*time.Minute), rules[i%len(rules)])
	}
}
