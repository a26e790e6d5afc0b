package calendar

import (
	"testing"
	"time"
)

// The official calendars built into the binary (issue 12, point 4). Sources:
// Labour Code 2019 art. 112 (the holidays; the Prime Minister decides the
// swaps each year); the notices of the Ministry of Labour (2025) and of Home
// Affairs (2026) on the days off of civil servants, as reported in the press
// (domain/README "Deadlines").
func TestOfficialCalendars(t *testing.T) {
	c := Default()
	tests := []struct {
		name    string
		day     time.Time
		working bool
	}{
		{"2025: Monday 27 January off, swapped", date(2025, 1, 27), false},
		{"2025: Saturday 8 February worked back", date(2025, 2, 8), true},
		{"2025: Monday 3 February works (Tết fell inside 25/01–02/02)", date(2025, 2, 3), true},
		{"2025: Friday 2 May off, swapped", date(2025, 5, 2), false},
		{"2025: Saturday 26 April worked back", date(2025, 4, 26), true},
		{"2025: Monday 1 September, the day next to National Day", date(2025, 9, 1), false},
		{"2026: Friday 2 January off, swapped", date(2026, 1, 2), false},
		{"2026: Saturday 10 January worked back", date(2026, 1, 10), true},
		{"2026: Monday 27 April, Hùng Kings compensated", date(2026, 4, 27), false},
		{"2026: Monday 31 August, National Day break", date(2026, 8, 31), false},
		{"2026: Thursday 3 September works", date(2026, 9, 3), true},
		{"2027: no official data, the rules only: Saturday 9 January", date(2027, 1, 9), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkingDay(tt.day); got != tt.working {
				t.Fatalf("IsWorkingDay(%s) = %v, want %v", tt.day.Format(time.DateOnly), got, tt.working)
			}
		})
	}
}

// Same-day procedures received after 15:00 are due the next working day
// (Decree 61/2018 art. 19(1)); over the 2026 New Year that is Monday 5 January.
func TestOfficialDue(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		received time.Time
		rule     Rule
		want     time.Time
	}{
		{"31/12/2025 16:00 same-day → 05/01/2026", at(2025, 12, 31, 16, 0), Rule{Kind: SameDay}, at(2026, 1, 5, 17, 0)},
		{"31/12/2025 14:00 same-day → the same day", at(2025, 12, 31, 14, 0), Rule{Kind: SameDay}, at(2025, 12, 31, 17, 0)},
		{"3 working days from Wednesday 31/12/2025 07:00 skip 1–4 January", at(2025, 12, 31, 7, 0), Rule{Kind: WorkingHours, Hours: 24},
			at(2026, 1, 6, 17, 0)},
		{"same-day Friday 24/01/2025 16:00 → Monday 03/02/2025", at(2025, 1, 24, 16, 0), Rule{Kind: SameDay}, at(2025, 2, 3, 17, 0)},
		{"same-day Friday 09/01/2026 16:00 → Saturday 10/01/2026 (worked back)", at(2026, 1, 9, 16, 0), Rule{Kind: SameDay}, at(2026, 1, 10, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Due(tt.received, tt.rule); !got.Equal(tt.want) {
				t.Fatalf("Due = %s, want %s", got.Format(time.DateTime), tt.want.Format(time.DateTime))
			}
		})
	}
}

// A commune's override wins over the built-in year, day by day.
func TestOverrideWinsOverOfficial(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Overrides = []Override{{Date: "2026-01-02", Off: false, Name: "Làm việc"}, {Date: "2026-01-10", Off: true}}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsWorkingDay(date(2026, 1, 2)) || c.IsWorkingDay(date(2026, 1, 10)) {
		t.Fatal("the commune's overrides must win over the official calendar")
	}
	if c.IsWorkingDay(date(2026, 8, 31)) {
		t.Fatal("official days the commune does not touch stay")
	}
}

func TestOfficialYearsLoad(t *testing.T) {
	years, err := OfficialYears()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) < 2 || years[0].Year != 2025 || years[1].Year != 2026 {
		t.Fatalf("built-in years %+v, want 2025 and 2026 in order", years)
	}
	for _, y := range years {
		for _, d := range y.Days {
			if d.Name == "" || d.Date[:4] != time.Date(y.Year, 1, 1, 0, 0, 0, 0, vn).Format("2006") {
				t.Errorf("%d: day %+v needs a name and a date in its year", y.Year, d)
			}
		}
	}
	if _, err := officialOverrides(); err != nil {
		t.Fatal(err)
	}
}
