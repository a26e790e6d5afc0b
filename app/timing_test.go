package app_test

import (
	"testing"
	"time"

	"xaso/app"
)

func TestTimingOf(t *testing.T) {
	due := vn(2026, 5, 20, 17, 0)
	for _, tc := range []struct {
		name string
		at   time.Time
		due  time.Time
		want app.Timing
		vi   string
	}{
		{"a day before", vn(2026, 5, 19, 16, 0), due, app.TimingEarly, "Trước hạn"},
		{"late the day before", vn(2026, 5, 19, 23, 59), due, app.TimingEarly, "Trước hạn"},
		{"the due day, morning", vn(2026, 5, 20, 8, 0), due, app.TimingOnTime, "Đúng hạn"},
		{"at the due time", due, due, app.TimingOnTime, "Đúng hạn"},
		{"a minute after", due.Add(time.Minute), due, app.TimingLate, "Quá hạn"},
		{"the next day", vn(2026, 5, 21, 8, 0), due, app.TimingLate, "Quá hạn"},
		// 23:30 UTC on the 19th is 06:30 on the 20th in Vietnam: the due day there.
		{"day in Vietnam, not UTC", time.Date(2026, 5, 19, 23, 30, 0, 0, time.UTC), due, app.TimingOnTime, "Đúng hạn"},
		{"no due date", vn(2030, 1, 1, 0, 0), time.Time{}, app.TimingOnTime, "Đúng hạn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := app.TimingOf(tc.at, tc.due); got != tc.want {
				t.Errorf("TimingOf(%v, %v) = %q, want %q", tc.at, tc.due, got, tc.want)
			}
			if got := tc.want.Vi(); got != tc.vi {
				t.Errorf("%q.Vi() = %q, want %q", tc.want, got, tc.vi)
			}
		})
	}
	if got := app.Timing("").Vi(); got != "" {
		t.Errorf(`Timing("").Vi() = %q, want ""`, got)
	}
}
