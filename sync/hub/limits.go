package hub

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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

// clientAddr is the address a request came from: its TCP peer, or behind
// a trusted reverse proxy the last address of X-Forwarded-For that is not
// one (docs/province.md).
func (h *Hub) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !h.trusted(host) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, a := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(a))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hopAddr(hops[i])
		if !ok {
			return host // a malformed header: count the proxy itself
		}
		if !h.trusted(a.String()) {
			return a.String()
		}
	}
	return host
}

// hopAddr parses an X-Forwarded-For entry: an address, with or without a
// port ("1.2.3.4:5678", "[2001:db8::1]:443") or brackets ("[::1]"), as
// proxies write them.
func hopAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func (h *Hub) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
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
