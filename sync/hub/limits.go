package hub

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"xaso/app"
)

// window counts events per key (a user name, a client address) over a
// sliding span; a key with max events within span is held back until the
// oldest leaves it. The table is bounded: past 10,000 keys, those with no
// recent event are forgotten.
type window struct {
	max  int
	span time.Duration
	mu   sync.Mutex
	at   map[string][]time.Time
}

func (w *window) recent(key string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range w.at[key] {
		if now.Sub(t) < w.span && !t.After(now) {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		delete(w.at, key)
	} else {
		w.at[key] = keep
	}
	return keep
}

// blocked reports whether key reached max events within the span.
func (w *window) blocked(key string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.recent(key, now)) >= w.max
}

// add records an event of key at now.
func (w *window) add(key string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.at == nil {
		w.at = map[string][]time.Time{}
	}
	if len(w.at) > 10000 {
		for k := range w.at {
			w.recent(k, now) // drops k when none is recent
		}
	}
	w.at[key] = append(w.recent(key, now), now)
}

// take records an event of key unless it is blocked; false when blocked.
func (w *window) take(key string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.at == nil {
		w.at = map[string][]time.Time{}
	}
	r := w.recent(key, now)
	if len(r) >= w.max {
		return false
	}
	if len(w.at) > 10000 {
		for k := range w.at {
			w.recent(k, now)
		}
	}
	w.at[key] = append(r, now)
	return true
}

// Limits per client address on the uplink's unauthenticated doors: the
// enrolment (a token is 100 bits, but each guess costs the hub a storage
// read) and the signed endpoints (a signature check each). Offices that
// work fail rarely; an address that keeps failing is held back.
const (
	enrolFailures  = 10 // refused enrolments per address …
	uplinkFailures = 30 // refused signed requests per address …
	failSpan       = 15 * time.Minute
	callsPerMinute = 120 // enrolments and nonces asked per address per minute
)

type limits struct {
	enrolFail  window
	uplinkFail window
	calls      window
}

func newLimits() *limits {
	return &limits{enrolFail: window{max: enrolFailures, span: failSpan},
		uplinkFail: window{max: uplinkFailures, span: failSpan},
		calls:      window{max: callsPerMinute, span: time.Minute}}
}

// clientAddr is the address a request came from (its TCP peer: behind a
// reverse proxy every office shares the proxy's, see docs/province.md).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func errTooMany(span time.Duration) error {
	return app.Errorf(app.ETooMany, "", "Quá nhiều yêu cầu không hợp lệ từ địa chỉ này; vui lòng thử lại sau %d phút.",
		"too many refused requests from this address: try again in %d minutes", int(span.Minutes()))
}

// holdBack answers 429 with Retry-After.
func (h *Hub) holdBack(w http.ResponseWriter, r *http.Request, span time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(span.Seconds())))
	h.fail(w, r, errTooMany(span))
}
