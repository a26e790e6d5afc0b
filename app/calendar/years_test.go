package calendar

import (
	"errors"
	"testing"
)

// A year the province published replaces the built-in official year: its
// days apply, the built-in days it leaves out do not; the commune's
// overrides still win day by day.
func TestPublishedYears(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Years = []Official{{Year: 2026, Source: "test", Days: []Override{
		{Date: "2026-01-05", Off: true, Name: "moved"},
		{Date: "2026-01-17", Off: false, Name: "worked back"},
	}}, {Year: 2027, Source: "test", Days: []Override{{Date: "2027-01-09", Off: false}}}}
	cfg.Overrides = []Override{{Date: "2026-01-17", Off: true}}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		y, m, d int
		working bool
	}{
		{"built-in 2026 day off left out: Friday 2 January works", 2026, 1, 2, true},
		{"built-in 2026 Saturday 10 January no longer worked", 2026, 1, 10, false},
		{"published day off: Monday 5 January", 2026, 1, 5, false},
		{"commune override wins over the published year", 2026, 1, 17, false},
		{"a published later year: Saturday 9 January 2027 worked", 2027, 1, 9, true},
		{"a year not published keeps its built-in days", 2025, 1, 27, false},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(date(tt.y, tt.m, tt.d)); got != tt.working {
			t.Errorf("%s: working = %v, want %v", tt.name, got, tt.working)
		}
	}
}

func TestPublishedYearsRefused(t *testing.T) {
	tests := []struct {
		name  string
		years []Official
		field string
	}{
		{"a day of another year", []Official{{Year: 2026, Days: []Override{{Date: "2027-01-01", Off: true}}}}, "years[0].days"},
		{"a year twice", []Official{{Year: 2026}, {Year: 2026}}, "years[1].year"},
		{"a bad date", []Official{{Year: 2026, Days: []Override{{Date: "2026-02-30", Off: true}}}}, "years[0].days[0].date"},
		{"a year out of range", []Official{{Year: 10}}, "years[0].year"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.Years = tt.years
		_, err := New(cfg)
		var e *Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: err %v, want field %s", tt.name, err, tt.field)
		}
	}
}
