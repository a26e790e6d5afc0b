package cluster

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Old office PCs keep wrong time. Every info answer carries the peer's wall
// clock; the node compares it with its own (half the round trip added) and
// keeps the latest reading per peer, so the UI can warn the official that
// this PC's clock is off. Nothing here changes a timestamp: the hybrid
// logical clock already keeps command times moving forward.

const (
	clockFresh   = 2 * time.Minute        // readings older than this are forgotten
	clockMaxRTT  = 500 * time.Millisecond // a slower answer says too little about the time
	clockRecheck = 15 * time.Second       // how often each member is asked
)

type clockReading struct {
	offset time.Duration // the peer's clock minus ours
	at     time.Time     // our clock when it was taken
}

// clockView holds the latest reading of each peer's clock.
type clockView struct {
	mu       sync.Mutex
	readings map[string]clockReading
	asked    map[string]time.Time // when each peer was last asked (due)
	// answered: whether each peer answered the last time it was asked; a
	// peer that did not is off (or cut off) as far as this PC can tell.
	answered map[string]bool
}

func newClockView() *clockView {
	return &clockView{readings: map[string]clockReading{}, asked: map[string]time.Time{}, answered: map[string]bool{}}
}

// reached records whether peer answered when it was last asked.
func (v *clockView) reached(peer string, ok bool) {
	v.mu.Lock()
	v.answered[peer] = ok
	v.mu.Unlock()
}

// off reports whether peer did not answer the last time it was asked
// (false for a peer not asked yet).
func (v *clockView) off(peer string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	ok, asked := v.answered[peer]
	return asked && !ok
}

// due reports whether peer should be asked for its clock at now (never
// asked, or not for clockRecheck) and, if so, notes that it is being asked:
// a PC that is off is retried every clockRecheck, not on every tick.
func (v *clockView) due(peer string, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if last, ok := v.asked[peer]; ok && now.Sub(last) < clockRecheck && now.Sub(last) > -clockRecheck {
		return false
	}
	v.asked[peer] = now
	return true
}

// observe records peer's clock as read from an answer sent between sent
// and got (our clock) that says the peer's time was theirs.
func (v *clockView) observe(peer string, sent, got, theirs time.Time) {
	rtt := got.Sub(sent)
	if rtt < 0 || rtt > clockMaxRTT || theirs.IsZero() {
		return
	}
	off := theirs.Add(rtt / 2).Sub(got)
	v.mu.Lock()
	v.readings[peer] = clockReading{offset: off, at: got}
	v.mu.Unlock()
}

// offset is how far the office's clock runs ahead of ours at now, judged
// from the fresh readings of the given peers with our own clock counted
// among them (at 0): the median, or the mean of the middle two. So one
// wrong PC in three is told it is wrong and the two right ones are not;
// with two PCs, each is told half the difference. It returns the offset
// and the number of peers read; with none, 0, 0.
func (v *clockView) offset(now time.Time, peers []string) (time.Duration, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	offs := []time.Duration{0}
	for _, p := range peers {
		r, ok := v.readings[p]
		if !ok {
			continue
		}
		if age := now.Sub(r.at); age < -clockFresh || age > clockFresh {
			continue
		}
		offs = append(offs, r.offset)
	}
	if len(offs) == 1 {
		return 0, 0
	}
	slices.Sort(offs)
	m := offs[len(offs)/2]
	if len(offs)%2 == 0 {
		m = (offs[len(offs)/2-1] + m) / 2
	}
	return m, len(offs) - 1
}

// ClockOffset is how far the office's clocks run ahead of this PC's
// (negative: behind), from the fresh readings of the other members (see
// clockView.offset), and the number of members read. A large value means
// this PC's clock is wrong.
func (c *Cluster) ClockOffset() (time.Duration, int) {
	return c.clocks.offset(c.cfg.Now(), c.otherMembers())
}

// runClocks reads the members' clocks as they fall due, apart from
// maintain, so that a PC that is off never delays joining or leasing.
func (c *Cluster) runClocks(ctx context.Context) {
	every(ctx, time.Second, func() { c.readClocks(ctx) })
}

// readClocks asks the other members whose clock is due for a reading for
// their info, which carries it (gossip reads only the leader's).
func (c *Cluster) readClocks(ctx context.Context) {
	for _, id := range c.otherMembers() {
		if c.clocks.due(id, c.cfg.Now()) {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := c.infoOfNode(cctx, id)
			cancel()
			if ctx.Err() == nil {
				c.clocks.reached(id, err == nil)
			}
		}
	}
}
