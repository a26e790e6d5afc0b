package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"xaso/app/calendar"
)

// CalendarFile is the working calendar of the commune in its data folder:
// office hours, the same-day cut-off and the year's days off and swapped
// working Saturdays as the government announces them (calendar.Config as
// JSON). Without it the built-in rules apply.
const CalendarFile = "calendar.json"

// The years the province publishes (app/publish.go) lie under this file:
// its days, years and office hours win.

// loadCalendar returns the data folder's calendar configuration as written
// (zero fields: not set, the built-in or published ones apply), checked.
func loadCalendar(dir string) (calendar.Config, error) {
	raw, err := os.ReadFile(filepath.Join(dir, CalendarFile))
	if errors.Is(err, fs.ErrNotExist) {
		return calendar.Config{}, nil
	}
	if err != nil {
		return calendar.Config{}, fmt.Errorf("read %s: %w", CalendarFile, err)
	}
	var cfg calendar.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return calendar.Config{}, fmt.Errorf("%s: %w", CalendarFile, err)
	}
	if _, err := calendar.New(cfg); err != nil {
		return calendar.Config{}, fmt.Errorf("%s: %w", CalendarFile, err)
	}
	return cfg, nil
}
