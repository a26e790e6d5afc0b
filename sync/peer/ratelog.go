package peer

import (
	"log/slog"
	"sync"
	"time"
)

// RateLog logs a repeated failure at most once per interval, counting the
// ones it kept quiet about: junk on the peer port (a failed TLS handshake
// from a port scanner, a PC of another office, a stranger), wrong join-code
// proofs, a merge that cannot enrol. A flood cannot fill the disk of an
// old PC with log lines.
type RateLog struct {
	log      *slog.Logger
	msg      string
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// rateInterval is how often a RateLog logs at most.
const rateInterval = time.Minute

// NewRateLog logs msg to log, at most one line a minute.
func NewRateLog(log *slog.Logger, msg string) *RateLog {
	return &RateLog{log: log, msg: msg, interval: rateInterval}
}

// Failed records one failure with remote (an address or a node ID).
func (j *RateLog) Failed(remote string, err error) {
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
	j.log.Warn(j.msg, "remote", remote, "err", err, "not_logged_since_last", n)
}
