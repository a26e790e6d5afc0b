package calendar

import (
	"fmt"
	"sort"
	"time"
)

// Holiday is a day off other than an ordinary weekend: a public holiday, a
// compensation day (Compensation) for one that fell on a weekend, or a day
// off pushed by the province. Date is midnight in VN; Name is Vietnamese.
type Holiday struct {
	Date         time.Time
	Name         string
	Compensation bool
}

// Holiday names (Vietnamese, as in Labour Code 2019 art. 112).
const (
	nameNewYear      = "Tết Dương lịch"
	nameTet          = "Tết Nguyên đán"
	nameHung         = "Giỗ Tổ Hùng Vương (10/3 âm lịch)"
	nameVictory      = "Ngày Chiến thắng (30/4)"
	nameLabour       = "Ngày Quốc tế lao động (1/5)"
	nameNational     = "Quốc khánh (2/9)"
	nameNationalNext = "Quốc khánh (ngày liền kề)"
	prefixComp       = "Nghỉ bù "
	nameOverrideOff  = "Ngày nghỉ theo quyết định của cơ quan có thẩm quyền"
)

// yearDays is one Gregorian year's computed calendar.
type yearDays struct {
	holidays []Holiday    // sorted by date
	status   map[int]bool // local day number → true: off, false: working (overrides a weekend)
}

type dayName struct {
	day  int
	name string
}

// ruleHolidays returns the public holidays of year y by the rules of Labour
// Code 2019 art. 112, sorted. The day next to 2 September is 1 September
// (the government picks it each year; overrides correct it).
func ruleHolidays(y int) []dayName {
	tet := lunarDay(Lunar{Day: 1, Month: 1, Year: y})
	hung := lunarDay(Lunar{Day: 10, Month: 3, Year: y})
	return []dayName{
		{jdnOf(y, 1, 1), nameNewYear},
		{tet - 1, nameTet + " (ngày cuối năm âm lịch)"},
		{tet, nameTet + " (mùng 1)"},
		{tet + 1, nameTet + " (mùng 2)"},
		{tet + 2, nameTet + " (mùng 3)"},
		{tet + 3, nameTet + " (mùng 4)"},
		{hung, nameHung},
		{jdnOf(y, 4, 30), nameVictory},
		{jdnOf(y, 5, 1), nameLabour},
		{jdnOf(y, 9, 1), nameNationalNext},
		{jdnOf(y, 9, 2), nameNational},
	}
}

// lunarDay returns the day number of a lunar date that exists (1/1, 10/3).
func lunarDay(l Lunar) int {
	y, m, d := LunarToSolar(l)
	return jdnOf(y, m, d)
}

// year returns the cached calendar of year y, computing it on first use.
func (c *Calendar) year(y int) *yearDays {
	c.mu.Lock()
	defer c.mu.Unlock()
	yd, ok := c.years[y]
	if !ok {
		yd = c.computeYear(y)
		c.years[y] = yd
	}
	return yd
}

// computeYear applies, in order: the rules; compensation of holidays on a
// weekend, each by the next Monday-to-Friday day that is neither a holiday
// nor an earlier compensation day; then the built-in official calendar of
// the year and the overrides (which win over it), over everything. Compensation looks at the rules only: the province usually
// pushes the government's whole list of days off, compensation days
// included, and a day pushed off must not push the compensation further.
// A computed compensation day the government did not grant is removed by an
// override that makes it a working day.
func (c *Calendar) computeYear(y int) *yearDays {
	overrides := mergeOverrides(c.official[y], c.overrides[y])
	rules := ruleHolidays(y)
	sort.Slice(rules, func(i, j int) bool { return rules[i].day < rules[j].day })
	byDay := map[int]Holiday{}
	for _, h := range rules {
		byDay[h.day] = Holiday{Date: startOf(h.day), Name: h.name}
	}
	for _, h := range rules {
		if !weekend(h.day) {
			continue
		}
		d := h.day + 1
		for {
			_, taken := byDay[d]
			if !weekend(d) && !taken {
				break
			}
			d++
		}
		byDay[d] = Holiday{Date: startOf(d), Name: prefixComp + h.name, Compensation: true}
	}
	status := map[int]bool{}
	for _, o := range overrides {
		status[o.day] = o.off
		if !o.off {
			delete(byDay, o.day)
			continue
		}
		h, ok := byDay[o.day]
		if !ok {
			h = Holiday{Date: startOf(o.day), Name: nameOverrideOff}
		}
		if o.name != "" {
			h.Name = o.name
		}
		byDay[o.day] = h
	}
	yd := &yearDays{status: status, holidays: make([]Holiday, 0, len(byDay))}
	for d, h := range byDay {
		if _, ok := status[d]; !ok {
			status[d] = true
		}
		yd.holidays = append(yd.holidays, h)
	}
	sort.Slice(yd.holidays, func(i, j int) bool { return yd.holidays[i].Date.Before(yd.holidays[j].Date) })
	return yd
}

// Holidays returns the days off of year y other than ordinary weekends,
// sorted by date: the public holidays by the rules (also those on a weekend),
// their compensation days, and the overrides' days off; days made working by
// an override are left out. The result is computed once per year and copied.
func (c *Calendar) Holidays(year int) []Holiday {
	return append([]Holiday(nil), c.year(year).holidays...)
}

// String formats a holiday as "2026-04-27 Nghỉ bù Giỗ Tổ Hùng Vương …".
func (h Holiday) String() string {
	return fmt.Sprintf("%s %s", h.Date.Format(time.DateOnly), h.Name)
}
