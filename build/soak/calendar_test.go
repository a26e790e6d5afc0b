package soak

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"xaso/app"
	"xaso/app/calendar"
	"xaso/build/testkit"
)

// year is the run's calendar: the working days of 2026 (Vietnam's
// calendar with its holidays, app/calendar) laid end to end over the
// loaded part of the run, office hours only: nights, weekends and holidays
// take no real time. The desks' pace follows the day: busier mornings, a
// peak in the ten working days before Tết, a backlog just after it.
type year struct {
	start time.Time
	span  time.Duration // the loaded part of the run
	days  []time.Time   // the working days, at 00:00 in Vietnam
	tet   time.Time     // the first day of the Tết holiday
}

func newYear(start time.Time, span time.Duration) *year {
	cal := calendar.Default()
	y := &year{start: start, span: span}
	for d := time.Date(2026, 1, 1, 0, 0, 0, 0, app.VN()); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d.Add(9 * time.Hour)) {
			y.days = append(y.days, d)
		} else if y.tet.IsZero() && d.Month() <= time.February && d.Day() > 1 && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && d.After(time.Date(2026, 1, 10, 0, 0, 0, 0, app.VN())) {
			y.tet = d
		}
	}
	return y
}

// at is the simulated moment of real time t: a working day and an hour
// of its office hours (7:30–11:30, 13:30–17:00).
func (y *year) at(t time.Time) time.Time {
	f := float64(t.Sub(y.start)) / float64(y.span)
	f = min(max(f, 0), 0.999999)
	pos := f * float64(len(y.days))
	day := y.days[int(pos)]
	work := time.Duration((pos - float64(int(pos))) * float64(7*time.Hour+30*time.Minute))
	if work < 4*time.Hour {
		return day.Add(7*time.Hour + 30*time.Minute + work)
	}
	return day.Add(13*time.Hour + 30*time.Minute + work - 4*time.Hour)
}

// pace is how busy the desk is at simulated moment s, 1 for an ordinary
// afternoon.
func (y *year) pace(s time.Time) float64 {
	p := 1.0
	if s.Hour() < 10 {
		p = 1.5 // the morning queue
	}
	if !y.tet.IsZero() {
		switch before := y.tet.Sub(s); {
		case before > 0 && before < 14*24*time.Hour:
			p *= 3 // everyone wants papers before Tết
		case before < 0 && before > -14*24*time.Hour:
			p *= 2 // the backlog after the holiday
		}
	}
	if s.Day() >= 26 {
		p *= 1.2 // month-end reports and payments
	}
	return p
}

// procedure is a row of ../shared/domain/procedures.csv the desk receives.
type procedure struct {
	code, name string
	weight     int
	register   bool // a civil-status procedure whose resolution makes a register entry
}

// procedures reads the commune desk's procedures from the shared domain
// file (SOAK_PROCEDURES, or ../shared/domain/procedures.csv beside the
// module or its worktree), weighted as a commune desk sees them (births,
// certified copies and marital status confirmations most). Where the file
// is not at hand (a checkout without the shared folder) the built-in
// catalog, which was made from it, gives the codes. It returns where the
// codes came from.
func procedures() ([]procedure, string, error) {
	root, err := testkit.Root()
	if err != nil {
		return nil, "", err
	}
	var codes [][2]string
	src := ""
	for _, path := range []string{os.Getenv("SOAK_PROCEDURES"), filepath.Join(root, "..", "shared", "domain", "procedures.csv"),
		filepath.Join(root, "..", "..", "shared", "domain", "procedures.csv")} {
		if path == "" {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		for _, r := range rows[1:] {
			if len(r) >= 2 && r[0] != "" { // a row without a national code cannot be received
				codes = append(codes, [2]string{r[0], r[1]})
			}
		}
		src = path
		break
	}
	if src == "" {
		cat, err := app.DefaultCatalog()
		if err != nil {
			return nil, "", err
		}
		for _, p := range cat.Procedures {
			codes = append(codes, [2]string{p.Code, p.Name})
		}
		src = "the built-in catalog (no procedures.csv found)"
	}
	weights := map[string]int{"1.001193": 20, "2.000815": 25, "1.004873": 15, "2.000884": 12, "2.000635": 8, "1.000656": 4, "1.000894": 4}
	var out []procedure
	for _, c := range codes {
		w := weights[c[0]]
		if w == 0 {
			w = 2
		}
		out = append(out, procedure{code: c[0], name: c[1], weight: w, register: c[0] == "1.001193"})
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("no procedure in %s", src)
	}
	return out, src, nil
}

func communeCodes() []string {
	var out []string
	for _, c := range app.Communes() {
		out = append(out, c.Code)
	}
	return out
}
