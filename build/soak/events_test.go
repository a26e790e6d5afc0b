package soak

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"time"
)

// events is the run's log a person reads when a check fails: every fault
// injected and healed, every process started and stopped, every request
// that failed, and the checks. One line each:
//
//	+00:41.203 [sim 2026-02-11] pc 3 (14701/2)  fault power_cut: unsynced writes dropped, process killed
type events struct {
	mu    sync.Mutex
	start time.Time
	sim   func(time.Time) time.Time // the run's calendar: real time → simulated date
	f     *os.File
	w     *bufio.Writer
	path  string
}

func openEvents(path string, start time.Time, sim func(time.Time) time.Time) (*events, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	return &events{start: start, sim: sim, f: f, w: bufio.NewWriter(f), path: path}, nil
}

// add writes one event by who (a process or "driver").
func (e *events) add(who, format string, args ...any) {
	now := time.Now()
	d := now.Sub(e.start)
	line := fmt.Sprintf("+%02d:%06.3f [sim %s] %-16s %s\n", int(d.Minutes()), d.Seconds()-60*float64(int(d.Minutes())),
		e.sim(now).Format("2006-01-02"), who, fmt.Sprintf(format, args...))
	e.mu.Lock()
	defer e.mu.Unlock()
	e.w.WriteString(line)
}

// flush writes what is buffered to the file.
func (e *events) flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.w.Flush()
}

func (e *events) close() error {
	e.flush()
	return e.f.Close()
}
