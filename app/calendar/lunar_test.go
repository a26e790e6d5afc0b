package calendar

import (
	"fmt"
	"testing"
	"time"
)

type ymd struct{ y, m, d int }

func (d ymd) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }

// Lunar New Year (mùng 1 Tết) in Vietnam, from published Vietnamese calendars.
// 1968, 1985, 2007 and 2030 differ from the Chinese calendar (UTC+8): in 2030
// the new moon is at 23:07 on 2 February in UTC+7 (00:07 on 3 February in
// UTC+8), so Vietnam celebrates a day earlier than China.
var tetDates = []struct {
	year int
	date ymd
}{
	{1968, ymd{1968, 1, 29}},
	{1985, ymd{1985, 1, 21}},
	{1990, ymd{1990, 1, 27}},
	{1999, ymd{1999, 2, 16}},
	{2000, ymd{2000, 2, 5}},
	{2007, ymd{2007, 2, 17}},
	{2010, ymd{2010, 2, 14}},
	{2015, ymd{2015, 2, 19}},
	{2019, ymd{2019, 2, 5}},
	{2020, ymd{2020, 1, 25}},
	{2021, ymd{2021, 2, 12}},
	{2022, ymd{2022, 2, 1}},
	{2023, ymd{2023, 1, 22}},
	{2024, ymd{2024, 2, 10}},
	{2025, ymd{2025, 1, 29}},
	{2026, ymd{2026, 2, 17}},
	{2027, ymd{2027, 2, 6}},
	{2028, ymd{2028, 1, 26}},
	{2029, ymd{2029, 2, 13}},
	{2030, ymd{2030, 2, 2}},
}

func TestLunarNewYear(t *testing.T) {
	for _, tc := range tetDates {
		t.Run(fmt.Sprint(tc.year), func(t *testing.T) {
			y, m, d := LunarToSolar(Lunar{Day: 1, Month: 1, Year: tc.year})
			if got := (ymd{y, m, d}); got != tc.date {
				t.Errorf("LunarToSolar(1/1/%d) = %v, want %v", tc.year, got, tc.date)
			}
			if got, want := SolarToLunar(tc.date.y, tc.date.m, tc.date.d), (Lunar{1, 1, tc.year, false}); got != want {
				t.Errorf("SolarToLunar(%v) = %+v, want %+v", tc.date, got, want)
			}
			// The day before is the last day (29 or 30) of month 12 of the year before.
			eve := SolarToLunar(tc.date.y, tc.date.m, tc.date.d-1)
			if eve.Month != 12 || eve.Leap || eve.Year != tc.year-1 || eve.Day < 29 {
				t.Errorf("day before Tết %d is %+v, want the last day of month 12 of %d", tc.year, eve, tc.year-1)
			}
		})
	}
}

func TestLunarKnownDates(t *testing.T) {
	tests := []struct {
		name  string
		solar ymd
		lunar Lunar
	}{
		{"Hùng Kings 2019", ymd{2019, 4, 14}, Lunar{10, 3, 2019, false}},
		{"Hùng Kings 2020", ymd{2020, 4, 2}, Lunar{10, 3, 2020, false}},
		{"Hùng Kings 2022", ymd{2022, 4, 10}, Lunar{10, 3, 2022, false}},
		{"Hùng Kings 2023", ymd{2023, 4, 29}, Lunar{10, 3, 2023, false}},
		{"Hùng Kings 2024", ymd{2024, 4, 18}, Lunar{10, 3, 2024, false}},
		{"Hùng Kings 2025", ymd{2025, 4, 7}, Lunar{10, 3, 2025, false}},
		{"Hùng Kings 2026", ymd{2026, 4, 26}, Lunar{10, 3, 2026, false}},
		{"Mid-Autumn 2023", ymd{2023, 9, 29}, Lunar{15, 8, 2023, false}},
		{"Mid-Autumn 2024", ymd{2024, 9, 17}, Lunar{15, 8, 2024, false}},
		{"Mid-Autumn 2025", ymd{2025, 10, 6}, Lunar{15, 8, 2025, false}},
		{"leap 4th month 2020 starts", ymd{2020, 5, 23}, Lunar{1, 4, 2020, true}},
		{"leap 2nd month 2023 starts", ymd{2023, 3, 22}, Lunar{1, 2, 2023, true}},
		{"leap 6th month 2025 starts", ymd{2025, 7, 25}, Lunar{1, 6, 2025, true}},
		{"month 11 of 2025 (lunar year 2025, solar 2026)", ymd{2026, 1, 1}, Lunar{13, 11, 2025, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SolarToLunar(tc.solar.y, tc.solar.m, tc.solar.d); got != tc.lunar {
				t.Errorf("SolarToLunar(%v) = %+v, want %+v", tc.solar, got, tc.lunar)
			}
			y, m, d := LunarToSolar(tc.lunar)
			if got := (ymd{y, m, d}); got != tc.solar {
				t.Errorf("LunarToSolar(%+v) = %v, want %v", tc.lunar, got, tc.solar)
			}
		})
	}
}

func TestLeapMonth(t *testing.T) {
	tests := []struct{ year, leap int }{
		{2012, 4}, {2014, 9}, {2017, 6}, {2018, 0}, {2020, 4}, {2021, 0},
		{2023, 2}, {2024, 0}, {2025, 6}, {2026, 0}, {2028, 5}, {2033, 11},
	}
	for _, tc := range tests {
		if got := LeapMonth(tc.year); got != tc.leap {
			t.Errorf("LeapMonth(%d) = %d, want %d", tc.year, got, tc.leap)
		}
	}
}

// TestLunarRoundTrip converts every day of 1990–2050 to the lunar calendar and
// back, and checks that consecutive days make a well-formed calendar: each
// month has 29 or 30 days, months follow each other, a leap month repeats the
// month before it, and the lunar year changes at month 1.
func TestLunarRoundTrip(t *testing.T) {
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := SolarToLunar(1989, 12, 31)
	leapYears := map[int]int{}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		y, m, dd := d.Date()
		l := SolarToLunar(y, int(m), dd)
		if by, bm, bd := LunarToSolar(l); by != y || bm != int(m) || bd != dd {
			t.Fatalf("%s → %+v → %04d-%02d-%02d", d.Format(time.DateOnly), l, by, bm, bd)
		}
		switch {
		case l.Day == prev.Day+1:
			if l.Month != prev.Month || l.Leap != prev.Leap || l.Year != prev.Year {
				t.Fatalf("%s: %+v does not follow %+v", d.Format(time.DateOnly), l, prev)
			}
		case l.Day == 1:
			if prev.Day < 29 || prev.Day > 30 {
				t.Fatalf("%s: month before %+v has %d days", d.Format(time.DateOnly), l, prev.Day)
			}
			wantMonth, wantYear := prev.Month%12+1, prev.Year
			if wantMonth == 1 {
				wantYear++
			}
			if l.Leap {
				wantMonth, wantYear = prev.Month, prev.Year
				leapYears[l.Year]++
			}
			if l.Month != wantMonth || l.Year != wantYear || (l.Leap && prev.Leap) {
				t.Fatalf("%s: month %+v does not follow %+v", d.Format(time.DateOnly), l, prev)
			}
		default:
			t.Fatalf("%s: %+v does not follow %+v", d.Format(time.DateOnly), l, prev)
		}
		prev = l
	}
	// 7 leap months in every 19 years: 1990–2050 holds 22 or 23 of them.
	n := 0
	for y, c := range leapYears {
		if c != 1 {
			t.Errorf("lunar year %d has %d leap months", y, c)
		}
		n += c
	}
	if n < 22 || n > 23 {
		t.Errorf("%d leap months in 1990–2050, want 22 or 23", n)
	}
}

func TestLunarToSolarInvalid(t *testing.T) {
	tests := []Lunar{
		{0, 1, 2026, false},
		{31, 1, 2026, false},
		{1, 0, 2026, false},
		{1, 13, 2026, false},
		{1, 5, 2026, true}, // 2026 has no leap month
		{1, 5, 2025, true}, // 2025's leap month is the 6th
	}
	for _, l := range tests {
		if y, m, d := LunarToSolar(l); y != 0 || m != 0 || d != 0 {
			t.Errorf("LunarToSolar(%+v) = %d-%d-%d, want 0-0-0", l, y, m, d)
		}
	}
	// Day 30 exists exactly in the months that have 30 days.
	for m := 1; m <= 12; m++ {
		y, mm, d := LunarToSolar(Lunar{29, m, 2026, false})
		next := SolarToLunar(y, mm, d+1)
		y30, _, _ := LunarToSolar(Lunar{30, m, 2026, false})
		if has30 := next.Day == 30; has30 != (y30 != 0) {
			t.Errorf("month %d of 2026: day after 29 is %+v, but LunarToSolar(30/%d) gives year %d", m, next, m, y30)
		}
	}
}

func TestSolarToLunarNormalises(t *testing.T) {
	if got, want := SolarToLunar(2026, 2, 31), SolarToLunar(2026, 3, 3); got != want {
		t.Errorf("SolarToLunar(2026-02-31) = %+v, want that of 2026-03-03 %+v", got, want)
	}
}

func BenchmarkSolarToLunar(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		SolarToLunar(2026, 1+i%12, 1+i%28)
	}
}
