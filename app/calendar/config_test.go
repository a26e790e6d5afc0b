package calendar

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadConfig(t *testing.T) {
	hours := func(s ...Span) Config { return Config{Hours: s} }
	sp := func(h1, m1, h2, m2 int) Span { return Span{Clock{h1, m1}, Clock{h2, m2}} }
	withOverrides := func(o ...Override) Config { return Config{Overrides: o} }
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"start after end", hours(sp(11, 30, 7, 0)), "hours[0]"},
		{"empty span", hours(sp(7, 0, 7, 0)), "hours[0]"},
		{"overlapping", hours(sp(7, 0, 12, 0), sp(11, 30, 17, 0)), "hours[1]"},
		{"out of order", hours(sp(13, 30, 17, 0), sp(7, 0, 11, 30)), "hours[1]"},
		{"hour 25", hours(sp(7, 0, 25, 0)), "hours[0]"},
		{"past midnight", hours(sp(7, 0, 24, 30)), "hours[0]"},
		{"minute 60", hours(sp(7, 60, 11, 0)), "hours[0]"},
		{"negative", hours(sp(-1, 0, 11, 0)), "hours[0]"},
		{"cut-off after closing", Config{SameDayCutoff: Clock{17, 30}}, "same_day_cutoff"},
		{"cut-off invalid", Config{SameDayCutoff: Clock{15, 75}}, "same_day_cutoff"},
		{"date without zeros", withOverrides(Override{Date: "2026-2-16", Off: true}), "overrides[0].date"},
		{"no such day", withOverrides(Override{Date: "2026-02-30", Off: true}), "overrides[0].date"},
		{"empty date", withOverrides(Override{Off: true}), "overrides[0].date"},
		{"date with time", withOverrides(Override{Date: "2026-02-16T00:00:00+07:00", Off: true}), "overrides[0].date"},
		{"year out of range", withOverrides(Override{Date: "1800-01-01", Off: true}), "overrides[0].date"},
		{"same day twice", withOverrides(Override{Date: "2026-02-13", Off: true}, Override{Date: "2026-02-13", Off: false}), "overrides[1].date"},
		{"name too long", withOverrides(Override{Date: "2026-02-13", Off: true, Name: strings.Repeat("ngày ", 50)}), "overrides[0].name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("New = %v, %v; want an *Error", c, err)
			}
			if c != nil || e.Code != CodeInvalid || e.Field != tc.field || e.Message == "" || e.English == "" {
				t.Errorf("error %+v, want code %q on field %q with messages", e, CodeInvalid, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error text %q does not name field %q", err, tc.field)
			}
		})
	}
}

func TestConfigJSON(t *testing.T) {
	b, err := json.Marshal(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"hours":[{"from":"07:00","to":"11:30"},{"from":"13:30","to":"17:00"}],"same_day_cutoff":"15:00","overrides":[]}`
	if string(b) != want {
		t.Errorf("DefaultConfig JSON\n got %s\nwant %s", b, want)
	}

	// What the province pushes: its own hours, a cut-off and the year's overrides.
	in := `{"hours":[{"from":"7:30","to":"11:30"},{"from":"13:00","to":"16:30"}],
		"same_day_cutoff":"14:30",
		"overrides":[{"date":"2026-02-13","off":true,"name":"Nghỉ Tết"},{"date":"2026-02-28","off":false}]}`
	var cfg Config
	if err := json.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Config(); got.Hours[0].From != (Clock{7, 30}) || got.SameDayCutoff != (Clock{14, 30}) || len(got.Overrides) != 2 {
		t.Errorf("Config() = %+v", got)
	}
	if got, want := c.Due(at(2026, 3, 2, 14, 45), Rule{Kind: SameDay}), at(2026, 3, 3, 16, 30); !got.Equal(want) {
		t.Errorf("same-day after a 14:30 cut-off = %v, want %v", got, want)
	}
	if c.IsWorkingDay(at(2026, 2, 13, 9, 0)) || !c.IsWorkingDay(at(2026, 2, 28, 9, 0)) {
		t.Error("pushed overrides not applied")
	}

	for _, bad := range []string{`"7h00"`, `"07:0"`, `"0700"`, `"25:00"`, `"24:01"`, `"07:00:00"`, `""`, `" 7:00"`, `7`} {
		var c Clock
		err := json.Unmarshal([]byte(bad), &c)
		var e *Error
		if err == nil || (strings.HasPrefix(bad, `"`) && !errors.As(err, &e)) {
			t.Errorf("Clock from %s: error %v, want an *Error", bad, err)
		}
	}
	for s, want := range map[string]Clock{"00:00": {0, 0}, "7:05": {7, 5}, "23:59": {23, 59}, "24:00": {24, 0}} {
		if got, err := ParseClock(s); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := json.Marshal(Clock{25, 0}); err == nil {
		t.Error("an invalid Clock marshals")
	}
}

func TestConfigDefaultsAndCopies(t *testing.T) {
	// A config with only overrides keeps the default hours and cut-off.
	cfg := Config{Overrides: []Override{{Date: "2026-03-02", Off: true, Name: "Bầu cử"}}}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config()
	if def := DefaultConfig(); len(got.Hours) != 2 || got.Hours[1] != def.Hours[1] || got.SameDayCutoff != def.SameDayCutoff {
		t.Errorf("defaults not filled in: %+v", got)
	}
	// Changing the caller's slices after New changes nothing.
	cfg.Overrides[0].Date = "2026-03-03"
	got.Overrides[0].Off = false
	if c.IsWorkingDay(at(2026, 3, 2, 9, 0)) || !c.IsWorkingDay(at(2026, 3, 3, 9, 0)) {
		t.Error("the calendar changed with its caller's slices")
	}
	if VN().String() != "ICT" {
		t.Errorf("VN() = %v", VN())
	}
	if _, off := time.Date(2026, 7, 1, 0, 0, 0, 0, VN()).Zone(); off != 7*3600 {
		t.Errorf("VN offset %d, want 7 h", off)
	}
}
