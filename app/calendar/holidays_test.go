package calendar

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// at returns a VN instant; tests write dates as they appear on a receipt.
func at(y, m, d, hh, mm int) time.Time {
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, vn)
}

func date(y, m, d int) time.Time { return at(y, m, d, 0, 0) }

type holidayWant struct {
	date ymd
	comp bool
	name string // a part of the name
}

func checkHolidays(t *testing.T, got []Holiday, want []holidayWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d holidays, want %d:\n%v", len(got), len(want), got)
	}
	for i := 0; i < min(len(got), len(want)); i++ {
		g, w := got[i], want[i]
		y, m, d := g.Date.Date()
		if (ymd{y, int(m), d}) != w.date || g.Compensation != w.comp || !strings.Contains(g.Name, w.name) {
			t.Errorf("holiday %d = %v (compensation %v), want %v %q (compensation %v)", i, g, g.Compensation, w.date, w.name, w.comp)
		}
		if g.Date.Location() != vn || g.Date.Hour() != 0 || g.Date.Minute() != 0 {
			t.Errorf("holiday %d date %v is not midnight in VN", i, g.Date)
		}
	}
}

// rulesOnly is the default calendar without the built-in official years:
// the rules of Labour Code 2019 art. 112 alone.
func rulesOnly(t *testing.T, cfg Config) *Calendar {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.official = nil
	return c
}

func TestHolidays2026(t *testing.T) {
	// 2026 out of the box (Ministry of Home Affairs' notices, domain/README):
	// Friday 2 January off (worked back on Saturday 10 January); Tết Mon 16 –
	// Fri 20 Feb; Hùng Kings day on Sunday 26 April is compensated on Monday
	// 27; the National Day break 29 August – 2 September.
	checkHolidays(t, Default().Holidays(2026), []holidayWant{
		{ymd{2026, 1, 1}, false, "Tết Dương lịch"},
		{ymd{2026, 1, 2}, false, "hoán đổi với thứ Bảy 10/01"},
		{ymd{2026, 2, 16}, false, "Tết Nguyên đán"},
		{ymd{2026, 2, 17}, false, "mùng 1"},
		{ymd{2026, 2, 18}, false, "mùng 2"},
		{ymd{2026, 2, 19}, false, "mùng 3"},
		{ymd{2026, 2, 20}, false, "mùng 4"},
		{ymd{2026, 4, 26}, false, "Hùng Vương"},
		{ymd{2026, 4, 27}, true, "Nghỉ bù Giỗ Tổ Hùng Vương"},
		{ymd{2026, 4, 30}, false, "Chiến thắng"},
		{ymd{2026, 5, 1}, false, "lao động"},
		{ymd{2026, 8, 31}, false, "Quốc khánh"},
		{ymd{2026, 9, 1}, false, "Quốc khánh"},
		{ymd{2026, 9, 2}, false, "Quốc khánh"},
	})
	if !Default().IsWorkingDay(at(2026, 1, 10, 9, 0)) {
		t.Error("Saturday 10 January 2026 is a working day (swapped with Friday 2 January)")
	}
}

func TestCompensation(t *testing.T) {
	tests := []struct {
		name string
		year int
		want []ymd // the compensation days of the year, in order
	}{
		// 1 January Sunday; Tết Sat 21 – Wed 25 January; Hùng Kings day
		// Saturday 29 April, 30 April Sunday, 1 May Monday (off 29 April to
		// 3 May, as the government decided); 2 September Saturday (off 1–4
		// September, as decided).
		{"2023", 2023, []ymd{{2023, 1, 2}, {2023, 1, 26}, {2023, 1, 27}, {2023, 5, 2}, {2023, 5, 3}, {2023, 9, 4}}},
		// Tết Fri 9 – Tue 13 February; 1 September Sunday (off 2–3 September, as decided).
		{"2024", 2024, []ymd{{2024, 2, 14}, {2024, 2, 15}, {2024, 9, 3}}},
		// Tết Tue 28 January – Sat 1 February.
		{"2025", 2025, []ymd{{2025, 2, 3}}},
		{"2026", 2026, []ymd{{2026, 4, 27}}},
		// Tết Fri 5 – Tue 9 February with its weekend inside; 1 May Saturday.
		{"2027", 2027, []ymd{{2027, 2, 10}, {2027, 2, 11}, {2027, 5, 3}}},
		// 1 January Saturday; Tết Tue 25 – Sat 29 January; 30 April Sunday
		// with 1 May Monday; 2 September Saturday.
		{"2028", 2028, []ymd{{2028, 1, 3}, {2028, 1, 31}, {2028, 5, 2}, {2028, 9, 4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []ymd
			for _, h := range rulesOnly(t, DefaultConfig()).Holidays(tc.year) {
				if h.Compensation {
					y, m, d := h.Date.Date()
					got = append(got, ymd{y, int(m), d})
					if !strings.HasPrefix(h.Name, "Nghỉ bù ") {
						t.Errorf("compensation %v is not named Nghỉ bù …", h)
					}
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("compensation days %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("compensation days %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"ordinary Monday", at(2026, 3, 2, 10, 0), true},
		{"Friday", at(2026, 3, 6, 23, 59), true},
		{"Saturday", at(2026, 3, 7, 10, 0), false},
		{"Sunday", at(2026, 3, 8, 10, 0), false},
		{"new year", at(2026, 1, 1, 10, 0), false},
		{"Tết eve", at(2026, 2, 16, 10, 0), false},
		{"Tết day 4", at(2026, 2, 20, 10, 0), false},
		{"after Tết", at(2026, 2, 23, 0, 0), true},
		{"compensation", at(2026, 4, 27, 10, 0), false},
		{"national day", at(2026, 9, 2, 10, 0), false},
		{"day after national day", at(2026, 9, 3, 10, 0), true},
		// The date is taken in VN: 18:00 UTC on Sunday 15 February is Tết eve in VN.
		{"UTC evening is next day in VN", time.Date(2026, 2, 15, 18, 0, 0, 0, time.UTC), false},
		{"UTC evening before a working day", time.Date(2026, 2, 22, 17, 0, 0, 0, time.UTC), true},
		{"UTC 16:59 is still Sunday in VN", time.Date(2026, 2, 22, 16, 59, 0, 0, time.UTC), false},
	}
	for _, tc := range tests {
		if got := c.IsWorkingDay(tc.t); got != tc.want {
			t.Errorf("%s: IsWorkingDay(%v) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
}

func TestOverrides(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Overrides = []Override{
		{Date: "2026-02-13", Off: true, Name: "Nghỉ Tết (hoán đổi)"}, // a Friday before Tết
		{Date: "2026-02-28", Off: false, Name: "Làm bù"},             // a swapped Saturday
		{Date: "2026-09-01", Off: false},                             // the government chose 2–3 September
		{Date: "2026-09-03", Off: true, Name: "Quốc khánh (ngày liền kề)"},
		{Date: "2026-04-27", Off: true, Name: "Nghỉ bù Giỗ Tổ (theo quyết định)"}, // same as computed
		{Date: "2026-06-15", Off: true},                                           // no name
		{Date: "2027-01-01", Off: false},                                          // even a rule holiday
	}
	c := rulesOnly(t, cfg)
	checkHolidays(t, c.Holidays(2026), []holidayWant{
		{ymd{2026, 1, 1}, false, "Tết Dương lịch"},
		{ymd{2026, 2, 13}, false, "Nghỉ Tết (hoán đổi)"},
		{ymd{2026, 2, 16}, false, "Tết Nguyên đán"},
		{ymd{2026, 2, 17}, false, "mùng 1"},
		{ymd{2026, 2, 18}, false, "mùng 2"},
		{ymd{2026, 2, 19}, false, "mùng 3"},
		{ymd{2026, 2, 20}, false, "mùng 4"},
		{ymd{2026, 4, 26}, false, "Hùng Vương"},
		{ymd{2026, 4, 27}, true, "Nghỉ bù Giỗ Tổ (theo quyết định)"}, // not pushed to the 28th
		{ymd{2026, 4, 30}, false, "Chiến thắng"},
		{ymd{2026, 5, 1}, false, "lao động"},
		{ymd{2026, 6, 15}, false, nameOverrideOff},
		{ymd{2026, 9, 2}, false, "Quốc khánh"},
		{ymd{2026, 9, 3}, false, "Quốc khánh (ngày liền kề)"},
	})
	tests := []struct {
		t    time.Time
		want bool
	}{
		{at(2026, 2, 13, 9, 0), false},
		{at(2026, 2, 28, 9, 0), true},
		{at(2026, 3, 1, 9, 0), false}, // the Sunday after stays off
		{at(2026, 9, 1, 9, 0), true},
		{at(2026, 9, 3, 9, 0), false},
		{at(2026, 4, 28, 9, 0), true},
		{at(2027, 1, 1, 9, 0), true},
		{at(2027, 2, 8, 9, 0), false}, // Tết 2027 untouched
	}
	for _, tc := range tests {
		if got := c.IsWorkingDay(tc.t); got != tc.want {
			t.Errorf("IsWorkingDay(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	// A swapped Saturday is worked like any day: Friday 27 Feb 16:00 plus 4 h
	// ends on Saturday 28 at 10:00, not on Monday.
	if got, want := c.AddWorking(at(2026, 2, 27, 16, 0), 4*time.Hour), at(2026, 2, 28, 10, 0); !got.Equal(want) {
		t.Errorf("AddWorking over the swapped Saturday = %v, want %v", got, want)
	}
	// The default calendar is not touched by another calendar's overrides.
	if !Default().IsWorkingDay(at(2026, 2, 13, 9, 0)) {
		t.Error("default calendar sees another calendar's override")
	}
}

func TestHolidaysReturnsACopy(t *testing.T) {
	c := Default()
	h := c.Holidays(2026)
	h[0].Name = "changed"
	if c.Holidays(2026)[0].Name == "changed" {
		t.Error("Holidays returned the cached slice itself")
	}
}

// TestConcurrentUse runs readers of one calendar in parallel; with -race it
// checks the per-year cache's locking.
func TestConcurrentUse(t *testing.T) {
	c := Default()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y := 2020; y < 2030; y++ {
				if len(c.Holidays(y+g%3)) < 11 {
					t.Errorf("year %d: too few holidays", y+g%3)
				}
				c.IsWorkingDay(date(y, 2, 1+g))
			}
		}()
	}
	wg.Wait()
}

func BenchmarkHolidays(b *testing.B) {
	c := Default()
	for i := 0; b.Loop(); i++ {
		c.Holidays(2020 + i%10)
	}
}

// BenchmarkHolidaysUncached measures the first computation of a year.
func BenchmarkHolidaysUncached(b *testing.B) {
	for b.Loop() {
		Default().Holidays(2026)
	}
}
