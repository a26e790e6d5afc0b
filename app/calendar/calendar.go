// Package calendar is a commune's working calendar: office hours, working
// days and public holidays in Vietnam, and the legal due dates of dossiers
// computed from them.
//
// Working days are Monday to Friday minus public holidays (Labour Code 2019
// art. 112, computed from the rules with the Vietnamese lunar calendar) and
// their compensation days; the province's overrides, pushed each year from
// the government's decision, win over the rules. Working time is counted in
// office hours: with the default hours, 8 h make one working day.
//
// A Calendar is safe for concurrent use. It caches each year's holidays.
package calendar

import (
	"sync"
	"time"
)

// Calendar answers questions about working time. Build it with New.
type Calendar struct {
	cfg       Config
	spans     []span
	cutoff    time.Duration
	overrides map[int][]dayOverride // by Gregorian year
	official  map[int][]dayOverride // the built-in official calendars, under overrides

	mu    sync.Mutex
	years map[int]*yearDays // computed holidays, by Gregorian year
}

// New validates cfg and returns its calendar. Office hours must be valid
// times of day, each span starting before it ends, in order and without
// overlapping; the same-day cut-off must be no later than closing time;
// override dates must be real dates (YYYY-MM-DD), at most one per day. The
// error is an *Error naming the field at fault. The official calendars built
// into the binary (OfficialYears) lie under the overrides.
func New(cfg Config) (*Calendar, error) {
	ch, err := check(cfg)
	if err != nil {
		return nil, err
	}
	official, err := officialOverrides()
	if err != nil {
		return nil, err // a bug in the built-in data; its test catches it
	}
	for y, days := range ch.years { // a published year replaces the built-in one
		official[y] = days
	}
	return &Calendar{
		cfg:       ch.cfg,
		spans:     ch.spans,
		cutoff:    ch.cutoff,
		overrides: ch.overrides,
		official:  official,
		years:     map[int]*yearDays{},
	}, nil
}

// Default returns a new calendar with DefaultConfig.
func Default() *Calendar {
	c, err := New(DefaultConfig())
	if err != nil {
		panic("calendar: default config is invalid: " + err.Error()) // a bug in DefaultConfig
	}
	return c
}

// Config returns the calendar's configuration, with defaults filled in.
func (c *Calendar) Config() Config {
	cfg := c.cfg
	cfg.Hours = append([]Span(nil), cfg.Hours...)
	cfg.Overrides = append([]Override{}, cfg.Overrides...)
	cfg.Years = append([]Official(nil), cfg.Years...)
	return cfg
}

// Days are local (VN) Julian day numbers; offsets are times from midnight.

const day24 = 24 * time.Hour

func dayOf(t time.Time) int {
	return int(floorDiv(t.Unix()+7*3600, 86400)) + unixJDN
}

func startOf(day int) time.Time {
	return time.Unix(int64(day-unixJDN)*86400-7*3600, 0).In(vn)
}

func weekday(day int) time.Weekday {
	return time.Weekday(((day+1)%7 + 7) % 7)
}

func weekend(day int) bool {
	wd := weekday(day)
	return wd == time.Saturday || wd == time.Sunday
}

func yearOf(day int) int {
	y, _, _ := dateOfJDN(day)
	return y
}

// working reports whether local day number day is a working day.
func (c *Calendar) working(day int) bool {
	if off, ok := c.year(yearOf(day)).status[day]; ok {
		return !off
	}
	return !weekend(day)
}

func (c *Calendar) closing() time.Duration { return c.spans[len(c.spans)-1].to }

// nextWorking returns the first working day on or after day.
func (c *Calendar) nextWorking(day int) int {
	for !c.working(day) {
		day++
	}
	return day
}

// IsWorkingDay reports whether the date of t in VN is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.working(dayOf(t))
}

// NextOpening returns t if it is inside office hours of a working day, else
// the next instant the office opens. Span ends are outside: at 11:30 the next
// opening is 13:30, at 17:00 the next working day's 07:00.
func (c *Calendar) NextOpening(t time.Time) time.Time {
	t = t.In(vn)
	day := dayOf(t)
	pos := t.Sub(startOf(day))
	for {
		if c.working(day) {
			for _, s := range c.spans {
				if pos < s.from {
					return startOf(day).Add(s.from)
				}
				if pos < s.to {
					return t
				}
			}
		}
		day++
		pos = 0
		t = startOf(day)
	}
}

// AddWorking returns the instant at which d of working time has passed since
// t. Time outside office hours does not count. A result that falls exactly on
// the end of a span stays there (11:30, 17:00) rather than moving to the next
// opening. A negative d counts backwards, and a result exactly on the start
// of a span stays there (07:00, 13:30). AddWorking(t, 0) is t.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) time.Time {
	t = t.In(vn)
	switch {
	case d == 0:
		return t
	case d < 0:
		if d == minDuration {
			d++ // -d would overflow; a nanosecond in three centuries does not matter
		}
		return c.subWorking(t, -d)
	}
	day := dayOf(t)
	pos := t.Sub(startOf(day))
	for {
		if c.working(day) {
			for _, s := range c.spans {
				if pos >= s.to {
					continue
				}
				from := max(pos, s.from)
				if avail := s.to - from; d > avail {
					d -= avail
					pos = s.to
					continue
				}
				return startOf(day).Add(from + d)
			}
		}
		day++
		pos = 0
	}
}

const minDuration = time.Duration(-1 << 63)

func (c *Calendar) subWorking(t time.Time, d time.Duration) time.Time {
	day := dayOf(t)
	pos := t.Sub(startOf(day))
	for {
		if c.working(day) {
			for i := len(c.spans) - 1; i >= 0; i-- {
				s := c.spans[i]
				if pos <= s.from {
					continue
				}
				to := min(pos, s.to)
				if avail := to - s.from; d > avail {
					d -= avail
					pos = s.from
					continue
				}
				return startOf(day).Add(to - d)
			}
		}
		day--
		pos = day24
	}
}

// WorkingBetween returns the working time in [from, to): the office hours of
// working days between the two instants. It is 0 if to is not after from.
// For u inside office hours (after a span's start, up to its end) and t < u,
// AddWorking(t, WorkingBetween(t, u)) == u.
func (c *Calendar) WorkingBetween(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	d0, d1 := dayOf(from), dayOf(to)
	lo0 := from.Sub(startOf(d0))
	hi1 := to.Sub(startOf(d1))
	var sum time.Duration
	for day := d0; day <= d1; day++ {
		if !c.working(day) {
			continue
		}
		lo, hi := time.Duration(0), day24
		if day == d0 {
			lo = lo0
		}
		if day == d1 {
			hi = hi1
		}
		for _, s := range c.spans {
			if a, b := max(lo, s.from), min(hi, s.to); b > a {
				sum += b - a
			}
		}
	}
	return sum
}
