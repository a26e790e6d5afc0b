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

func loadCalendar(dir string) (*calendar.Calendar, error) {
	raw, err := os.ReadFile(filepath.Join(dir, CalendarFile))
	if errors.Is(err, fs.ErrNotExist) {
		return calendar.Default(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", CalendarFile, err)
	}
	var cfg calendar.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", CalendarFile, err)
	}
	c, err := calendar.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", CalendarFile, err)
	}
	return c, nil
}
