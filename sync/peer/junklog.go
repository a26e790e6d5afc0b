package peer

import (
	"log/slog"
	"sync"
	"time"
)

// RefusalLog logs connections or requests refused before any request (a failed TLS
// handshake: a port scanner, a PC of another office, a stranger) at most
// once per interval, counting the ones it kept quiet about, so that a
// flood of junk cannot fill the disk of an old PC with log lines.
type RefusalLog struct {
	log      *slog.Logger
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// junkInterval is how often a refused connection is logged at most.
const junkInterval = time.Minute

// NewRefusalLog logs refusals to log, at most one line a minute.
func NewRefusalLog(log *slog.Logger) *RefusalLog {
	return &RefusalLog{log: log, interval: junkInterval}
}

// Refused records one refusal of remote.
func (j *RefusalLog) Refused(remote string, err error) {
	now := time.Now()
	j.mu.Lock()
	if !j.last.IsZero() && now.Sub(j.last) < j.interval {
		j.suppressed++
		j.mu.Unlock()
		return
	}
	n := j.suppressed
	j.last, j.suppressed = now, 0
	j.mu.Unlock()
	j.log.Warn("peer refused", "remote", remote, "err", err, "not_logged_since_last", n)
}
