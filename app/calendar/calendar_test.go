package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// March 2026 has no holiday: Monday 2 to Friday 6, Monday 9 to Friday 13.

func TestNextOpening(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"before opening", at(2026, 3, 2, 6, 0), at(2026, 3, 2, 7, 0)},
		{"at opening", at(2026, 3, 2, 7, 0), at(2026, 3, 2, 7, 0)},
		{"morning", at(2026, 3, 2, 9, 17), at(2026, 3, 2, 9, 17)},
		{"last minute of the morning", at(2026, 3, 2, 11, 29), at(2026, 3, 2, 11, 29)},
		{"lunch starts", at(2026, 3, 2, 11, 30), at(2026, 3, 2, 13, 30)},
		{"lunch break", at(2026, 3, 2, 12, 0), at(2026, 3, 2, 13, 30)},
		{"afternoon opening", at(2026, 3, 2, 13, 30), at(2026, 3, 2, 13, 30)},
		{"closing", at(2026, 3, 2, 17, 0), at(2026, 3, 3, 7, 0)},
		{"Friday evening", at(2026, 3, 6, 18, 0), at(2026, 3, 9, 7, 0)},
		{"Saturday", at(2026, 3, 7, 9, 0), at(2026, 3, 9, 7, 0)},
		{"before Tết", at(2026, 2, 13, 17, 30), at(2026, 2, 23, 7, 0)},
		{"UTC input", time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC), at(2026, 3, 2, 13, 30)},
	}
	for _, tc := range tests {
		got := c.NextOpening(tc.in)
		if !got.Equal(tc.want) || got.Location() != vn {
			t.Errorf("%s: NextOpening(%v) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestAddWorking(t *testing.T) {
	c := Default()
	h := time.Hour
	tests := []struct {
		name string
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"zero", at(2026, 3, 7, 9, 0), 0, at(2026, 3, 7, 9, 0)},
		{"within the morning", at(2026, 3, 2, 8, 0), 2 * h, at(2026, 3, 2, 10, 0)},
		{"ends at lunch: stays at 11:30", at(2026, 3, 2, 7, 0), 4*h + 30*time.Minute, at(2026, 3, 2, 11, 30)},
		{"over lunch", at(2026, 3, 2, 11, 0), h, at(2026, 3, 2, 14, 0)},
		{"ends at closing: stays at 17:00", at(2026, 3, 2, 7, 0), 8 * h, at(2026, 3, 2, 17, 0)},
		{"from the lunch break", at(2026, 3, 2, 12, 0), 2 * h, at(2026, 3, 2, 15, 30)},
		{"from the evening", at(2026, 3, 2, 20, 0), h, at(2026, 3, 3, 8, 0)},
		{"over the weekend", at(2026, 3, 6, 16, 0), 2 * h, at(2026, 3, 9, 8, 0)},
		{"a working week", at(2026, 3, 2, 7, 0), 40 * h, at(2026, 3, 6, 17, 0)},
		{"seconds count", at(2026, 3, 2, 11, 29), 90 * time.Second, at(2026, 3, 2, 13, 30).Add(30 * time.Second)},
		{"over Tết", at(2026, 2, 13, 16, 0), 2 * h, at(2026, 2, 23, 8, 0)},
		{"back within the morning", at(2026, 3, 2, 10, 0), -2 * h, at(2026, 3, 2, 8, 0)},
		{"back to the opening: stays at 07:00", at(2026, 3, 2, 8, 0), -h, at(2026, 3, 2, 7, 0)},
		{"back to 13:30 stays", at(2026, 3, 2, 14, 30), -h, at(2026, 3, 2, 13, 30)},
		{"back over lunch", at(2026, 3, 2, 14, 0), -h, at(2026, 3, 2, 11, 0)},
		{"back over the weekend", at(2026, 3, 9, 8, 0), -2 * h, at(2026, 3, 6, 16, 0)},
		{"back over Tết", at(2026, 2, 23, 8, 0), -2 * h, at(2026, 2, 13, 16, 0)},
	}
	for _, tc := range tests {
		got := c.AddWorking(tc.from, tc.d)
		if !got.Equal(tc.want) || got.Location() != vn {
			t.Errorf("%s: AddWorking(%v, %v) = %v, want %v", tc.name, tc.from, tc.d, got, tc.want)
		}
	}
}

func TestWorkingBetween(t *testing.T) {
	c := Default()
	h := time.Hour
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"empty", at(2026, 3, 2, 9, 0), at(2026, 3, 2, 9, 0), 0},
		{"reversed", at(2026, 3, 2, 10, 0), at(2026, 3, 2, 9, 0), 0},
		{"within the morning", at(2026, 3, 2, 9, 0), at(2026, 3, 2, 10, 30), 90 * time.Minute},
		{"over lunch", at(2026, 3, 2, 11, 0), at(2026, 3, 2, 14, 0), h},
		{"lunch only", at(2026, 3, 2, 11, 30), at(2026, 3, 2, 13, 30), 0},
		{"a day", at(2026, 3, 2, 0, 0), at(2026, 3, 3, 0, 0), 8 * h},
		{"a week", at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0), 40 * h},
		{"weekend", at(2026, 3, 6, 17, 0), at(2026, 3, 9, 7, 0), 0},
		{"Tết week", at(2026, 2, 14, 0, 0), at(2026, 2, 23, 0, 0), 0},
		{"Friday to Monday across Tết", at(2026, 2, 13, 16, 0), at(2026, 2, 23, 8, 0), 2 * h},
		{"UTC bounds", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), 3 * h},
	}
	for _, tc := range tests {
		if got := c.WorkingBetween(tc.from, tc.to); got != tc.want {
			t.Errorf("%s: WorkingBetween(%v, %v) = %v, want %v", tc.name, tc.from, tc.to, got, tc.want)
		}
	}
}

// randomInstant returns an instant of 2025–2027 at a random second.
func randomInstant(r *rand.Rand) time.Time {
	base := date(2025, 1, 1)
	return base.Add(time.Duration(r.Int64N(3*365*24*3600)) * time.Second)
}

// randomOfficeInstant returns an instant inside office hours of a working
// day: after a span's start, up to and including its end.
func randomOfficeInstant(c *Calendar, r *rand.Rand) time.Time {
	for {
		t := randomInstant(r)
		if !c.IsWorkingDay(t) {
			continue
		}
		s := c.spans[r.IntN(len(c.spans))]
		off := s.from + time.Duration(1+r.Int64N(int64((s.to-s.from)/time.Second)))*time.Second
		return startOf(dayOf(t)).Add(off)
	}
}

// TestAddWorkingInvertsWorkingBetween is a property over random instants:
// counting the working time between t and u and adding it to t gives u back
// (u inside office hours), subtracting it from u gives t back (t inside
// office hours), and working time adds up over consecutive intervals.
func TestAddWorkingInvertsWorkingBetween(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Overrides = []Override{{Date: "2026-02-28", Off: false}, {Date: "2025-07-15", Off: true}}
	custom, err := New(Config{Hours: []Span{{Clock{0, 0}, Clock{6, 0}}, {Clock{8, 0}, Clock{24, 0}}}})
	if err != nil {
		t.Fatal(err)
	}
	overridden, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Calendar{"default": Default(), "overrides": overridden, "to midnight": custom} {
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 500; i++ {
			u := randomOfficeInstant(c, r)
			from := u.Add(-time.Duration(1+r.Int64N(60*24*3600)) * time.Second)
			w := c.WorkingBetween(from, u)
			if got := c.AddWorking(from, w); !got.Equal(u) {
				t.Fatalf("%s: AddWorking(%v, WorkingBetween(…, %v) = %v) = %v", name, from, u, w, got)
			}
			// Backwards: from an instant inside office hours [start, end).
			t0 := c.NextOpening(from)
			if t0.Before(u) {
				if got := c.AddWorking(u, -c.WorkingBetween(t0, u)); !got.Equal(t0) {
					t.Fatalf("%s: AddWorking(%v, -WorkingBetween(%v, …)) = %v", name, u, t0, got)
				}
			}
			mid := from.Add(u.Sub(from) / 3)
			if a, b := c.WorkingBetween(from, mid), c.WorkingBetween(mid, u); a+b != w {
				t.Fatalf("%s: WorkingBetween does not add up: %v + %v != %v", name, a, b, w)
			}
		}
	}
}

func TestCustomHours(t *testing.T) {
	// A commune open 07:30–11:30 and 13:00–17:00, receiving until 16:00.
	c, err := New(Config{
		Hours:         []Span{{Clock{7, 30}, Clock{11, 30}}, {Clock{13, 0}, Clock{17, 0}}},
		SameDayCutoff: Clock{16, 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.NextOpening(at(2026, 3, 2, 12, 0)), at(2026, 3, 2, 13, 0); !got.Equal(want) {
		t.Errorf("NextOpening in lunch = %v, want %v", got, want)
	}
	if got, want := c.Due(at(2026, 3, 2, 15, 30), Rule{Kind: SameDay}), at(2026, 3, 2, 17, 0); !got.Equal(want) {
		t.Errorf("same-day at 15:30 with a 16:00 cut-off = %v, want %v", got, want)
	}
	if got, want := c.Due(at(2026, 3, 2, 7, 0), Rule{Kind: WorkingHours, Hours: 8}), at(2026, 3, 2, 17, 0); !got.Equal(want) {
		t.Errorf("8 h from 07:00 (opening 07:30) = %v, want %v", got, want)
	}
}

func TestHoursFromMidnight(t *testing.T) {
	// Open round the clock but 06:00–08:00: the first span starts at midnight.
	c, err := New(Config{Hours: []Span{{Clock{0, 0}, Clock{6, 0}}, {Clock{8, 0}, Clock{24, 0}}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in, want time.Time
	}{
		{"Saturday to Monday midnight", at(2026, 3, 7, 9, 0), at(2026, 3, 9, 0, 0)},
		{"gap", at(2026, 3, 2, 7, 0), at(2026, 3, 2, 8, 0)},
		{"Friday night", at(2026, 3, 6, 23, 0), at(2026, 3, 6, 23, 0)},
	}
	for _, tc := range tests {
		if got := c.NextOpening(tc.in); !got.Equal(tc.want) {
			t.Errorf("%s: NextOpening(%v) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
	// Ending exactly at 24:00 stays at the end of that day.
	if got, want := c.AddWorking(at(2026, 3, 6, 23, 0), time.Hour), at(2026, 3, 7, 0, 0); !got.Equal(want) {
		t.Errorf("AddWorking to midnight = %v, want %v", got, want)
	}
	if got, want := c.AddWorking(at(2026, 3, 6, 23, 0), 2*time.Hour), at(2026, 3, 9, 1, 0); !got.Equal(want) {
		t.Errorf("AddWorking over the weekend = %v, want %v", got, want)
	}
}
