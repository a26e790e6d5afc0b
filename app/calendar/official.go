package calendar

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
)

// Official is one year's calendar as the government decided it: the days
// off and the swapped working Saturdays that the rules of Labour Code 2019
// art. 112 cannot compute. The known years are built into the binary
// (official/*.json); the province pushes later years and corrections as the
// commune's overrides, which win day by day. docs/calendar.md says how.
type Official struct {
	Year   int        `json:"year"`
	Source string     `json:"source"`
	Days   []Override `json:"days"`
}

//go:embed official/*.json
var officialFS embed.FS

// OfficialYears returns the calendars built into the binary, by year.
func OfficialYears() ([]Official, error) {
	names, err := officialFS.ReadDir("official")
	if err != nil {
		return nil, fmt.Errorf("official calendars: %w", err)
	}
	out := make([]Official, 0, len(names))
	for _, n := range names {
		b, err := officialFS.ReadFile(path.Join("official", n.Name()))
		if err != nil {
			return nil, fmt.Errorf("official calendar %s: %w", n.Name(), err)
		}
		var o Official
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, fmt.Errorf("official calendar %s: %w", n.Name(), err)
		}
		if want := fmt.Sprintf("%d.json", o.Year); n.Name() != want || o.Source == "" {
			return nil, fmt.Errorf("official calendar %s: year %d and a source are required (file %s)", n.Name(), o.Year, want)
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Official) int { return a.Year - b.Year })
	return out, nil
}

// officialOverrides validates the built-in years as overrides would be, each
// day in its own year.
func officialOverrides() (map[int][]dayOverride, error) {
	years, err := OfficialYears()
	if err != nil {
		return nil, err
	}
	var days []Override
	for _, y := range years {
		days = append(days, y.Days...)
	}
	cfg := DefaultConfig()
	cfg.Overrides = days
	ch, err := check(cfg)
	if err != nil {
		return nil, fmt.Errorf("official calendars: %w", err)
	}
	for y := range ch.overrides {
		if !slices.ContainsFunc(years, func(o Official) bool { return o.Year == y }) {
			return nil, fmt.Errorf("official calendars: a day of %d is filed under another year", y)
		}
	}
	return ch.overrides, nil
}

// mergeOverrides returns the official days of a year with the commune's
// overrides laid over them: a day the commune sets is the commune's.
func mergeOverrides(official, commune []dayOverride) []dayOverride {
	if len(official) == 0 {
		return commune
	}
	out := make([]dayOverride, 0, len(official)+len(commune))
	for _, o := range official {
		if !slices.ContainsFunc(commune, func(c dayOverride) bool { return c.day == o.day }) {
			out = append(out, o)
		}
	}
	return append(out, commune...)
}
