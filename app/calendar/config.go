package calendar

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// vn is immutable: a fixed zone holds no state that could change.
var vn = time.FixedZone("ICT", 7*3600)

// VN returns the time zone of Vietnam (Asia/Ho_Chi_Minh: UTC+7, no daylight
// saving). It is a fixed zone so that the calendar needs no tzdata, which
// Windows PCs lack. All results of the calendar are in this location.
func VN() *time.Location { return vn }

// Clock is a time of day in VN, written "07:00" in JSON. "24:00" is allowed as
// the end of a span that runs to midnight.
type Clock struct{ Hour, Minute int }

// ParseClock parses "HH:MM" (or "H:MM") between 00:00 and 24:00.
func ParseClock(s string) (Clock, error) {
	bad := func() (Clock, error) {
		return Clock{}, errorf("", "Giờ %q không hợp lệ: cần dạng HH:MM, từ 00:00 đến 24:00.",
			"time of day %q is not valid: want HH:MM between 00:00 and 24:00", s)
	}
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return bad()
	}
	c := Clock{Hour: atoi(h), Minute: atoi(m)}
	if !c.valid() {
		return bad()
	}
	return c, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func (c Clock) valid() bool {
	return c.Hour >= 0 && c.Minute >= 0 && c.Minute < 60 && (c.Hour < 24 || c.Hour == 24 && c.Minute == 0)
}

// offset is the time from midnight.
func (c Clock) offset() time.Duration {
	return time.Duration(c.Hour)*time.Hour + time.Duration(c.Minute)*time.Minute
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// MarshalText writes "HH:MM".
func (c Clock) MarshalText() ([]byte, error) {
	if !c.valid() {
		return nil, errorf("", "Giờ %d:%d không hợp lệ.", "time of day %d:%d is not valid", c.Hour, c.Minute)
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads "HH:MM".
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Span is a period of office hours within a day, [From, To).
type Span struct {
	From Clock `json:"from"`
	To   Clock `json:"to"`
}

// Override is one day of the calendar the province pushes each year from the
// government's decision: a day off (Off) or a working day (a swapped
// Saturday, or a computed holiday the government moved). Overrides win over
// the rules.
type Override struct {
	Date string `json:"date"` // "2026-02-16", in VN
	Off  bool   `json:"off"`  // true: a day off; false: a working day
	Name string `json:"name,omitempty"`
}

// Config is a commune's working calendar. Zero fields take the defaults:
// no Hours means the default office hours, and a SameDayCutoff of 00:00
// means 15:00.
type Config struct {
	Hours         []Span     `json:"hours"`
	SameDayCutoff Clock      `json:"same_day_cutoff"`
	Overrides     []Override `json:"overrides"`
	// Years are official calendars the province published: each replaces
	// the built-in official calendar of its year (the overrides still win
	// over it day by day). At most one per year.
	Years []Official `json:"years,omitempty"`
}

// DefaultConfig returns the common office hours 07:00–11:30 and 13:30–17:00
// (8 h a day), the 15:00 same-day cut-off and no overrides.
func DefaultConfig() Config {
	return Config{
		Hours:         []Span{{Clock{7, 0}, Clock{11, 30}}, {Clock{13, 30}, Clock{17, 0}}},
		SameDayCutoff: Clock{15, 0},
		Overrides:     []Override{},
	}
}

// Limits on overrides, so bad data cannot make the calendar absurd.
const (
	minYear      = 1900
	maxYear      = 2199
	maxNameRunes = 200
)

// span is a Span as offsets from midnight.
type span struct{ from, to time.Duration }

// dayOverride is a validated Override.
type dayOverride struct {
	day  int // local day number (JDN)
	off  bool
	name string
}

// checked is a validated, normalised Config.
type checked struct {
	cfg       Config
	spans     []span
	cutoff    time.Duration
	overrides map[int][]dayOverride // by Gregorian year
	years     map[int][]dayOverride // the published official years (Config.Years)
}

func check(cfg Config) (checked, error) {
	def := DefaultConfig()
	if len(cfg.Hours) == 0 {
		cfg.Hours = def.Hours
	}
	if cfg.SameDayCutoff == (Clock{}) {
		cfg.SameDayCutoff = def.SameDayCutoff
	}
	out := checked{overrides: map[int][]dayOverride{}}
	for i, s := range cfg.Hours {
		field := fmt.Sprintf("hours[%d]", i)
		if !s.From.valid() || !s.To.valid() {
			return checked{}, errorf(field, "Giờ làm việc %s–%s không hợp lệ.",
				"office hours %s–%s are not a valid time of day", s.From, s.To)
		}
		if s.From.offset() >= s.To.offset() {
			return checked{}, errorf(field, "Giờ làm việc %s–%s: giờ bắt đầu phải trước giờ kết thúc.",
				"office hours %s–%s: the start must be before the end", s.From, s.To)
		}
		if i > 0 && s.From.offset() < cfg.Hours[i-1].To.offset() {
			return checked{}, errorf(field, "Giờ làm việc %s–%s phải sau khoảng %s–%s, không chồng lên nhau.",
				"office hours %s–%s must come after %s–%s without overlapping",
				s.From, s.To, cfg.Hours[i-1].From, cfg.Hours[i-1].To)
		}
		out.spans = append(out.spans, span{s.From.offset(), s.To.offset()})
	}
	closing := out.spans[len(out.spans)-1].to
	if !cfg.SameDayCutoff.valid() || cfg.SameDayCutoff.offset() > closing {
		return checked{}, errorf("same_day_cutoff", "Giờ chốt nhận hồ sơ trong ngày %s phải là giờ hợp lệ, không muộn hơn giờ đóng cửa %s.",
			"same-day cut-off %s must be a valid time no later than closing time %s",
			cfg.SameDayCutoff, cfg.Hours[len(cfg.Hours)-1].To)
	}
	out.cutoff = cfg.SameDayCutoff.offset()
	seen := map[int]int{}
	for i, o := range cfg.Overrides {
		field := fmt.Sprintf("overrides[%d]", i)
		t, err := time.ParseInLocation(time.DateOnly, o.Date, vn)
		if err != nil || t.Year() < minYear || t.Year() > maxYear {
			e := errorf(field+".date", "Ngày %q không hợp lệ: cần dạng YYYY-MM-DD, từ năm %d đến %d.",
				"date %q is not valid: want YYYY-MM-DD between years %d and %d", o.Date, minYear, maxYear)
			e.Err = err
			return checked{}, e
		}
		y, m, d := t.Date()
		day := jdnOf(y, int(m), d)
		if j, dup := seen[day]; dup {
			return checked{}, errorf(field+".date", "Ngày %s đã được điều chỉnh ở mục %d; mỗi ngày chỉ một lần.",
				"date %s is already overridden by entry %d; one override per day", o.Date, j)
		}
		seen[day] = i
		name := strings.TrimSpace(o.Name)
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameRunes {
			return checked{}, errorf(field+".name", "Tên ngày nghỉ phải là chữ hợp lệ, tối đa %d ký tự.",
				"name must be valid text of at most %d characters", maxNameRunes)
		}
		out.overrides[t.Year()] = append(out.overrides[t.Year()], dayOverride{day: day, off: o.Off, name: name})
	}
	years, err := checkYears(cfg.Years)
	if err != nil {
		return checked{}, err
	}
	out.years = years
	// Keep a private copy: the caller's slices must not change the calendar.
	cfg.Hours = append([]Span(nil), cfg.Hours...)
	cfg.Overrides = append([]Override{}, cfg.Overrides...)
	cfg.Years = append([]Official(nil), cfg.Years...)
	out.cfg = cfg
	return out, nil
}

// checkYears validates published official years: a year once, each day a
// real date of its own year, one entry per day.
func checkYears(years []Official) (map[int][]dayOverride, error) {
	out := map[int][]dayOverride{}
	for i, y := range years {
		field := fmt.Sprintf("years[%d]", i)
		if y.Year < minYear || y.Year > maxYear {
			return nil, errorf(field+".year", "Năm %d không hợp lệ (từ %d đến %d).",
				"year %d is not valid (between %d and %d)", y.Year, minYear, maxYear)
		}
		if _, dup := out[y.Year]; dup {
			return nil, errorf(field+".year", "Lịch năm %d có hai lần; mỗi năm chỉ một.",
				"the calendar of %d is given twice; one per year", y.Year)
		}
		ch, err := check(Config{Overrides: y.Days})
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Field = field + "." + strings.Replace(e.Field, "overrides", "days", 1)
			}
			return nil, err
		}
		for other := range ch.overrides {
			if other != y.Year {
				return nil, errorf(field+".days", "Lịch năm %d có ngày của năm %d.",
					"the calendar of %d holds a day of %d", y.Year, other)
			}
		}
		out[y.Year] = ch.overrides[y.Year]
		if out[y.Year] == nil {
			out[y.Year] = []dayOverride{}
		}
	}
	return out, nil
}

// CodeInvalid is the error code of every calendar error: bad input.
const CodeInvalid = "invalid"

// Error is bad input to the calendar: a stable English code, a Vietnamese
// message for the official, an English message, and the input field at
// fault ("hours[1]", "overrides[0].date", "rule.hours"). It has the shape of
// the domain errors, so the API can report it as
// {"error":{"code","message","field"}}.
type Error struct {
	Code    string
	Message string // Vietnamese
	English string
	Field   string
	Err     error // cause, if any
}

func (e *Error) Error() string {
	s := "calendar: " + e.Code
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	s += ": " + e.English
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(field, vi, en string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(vi, args...), English: fmt.Sprintf(en, args...)}
}
