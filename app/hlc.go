package app

import (
	"strconv"
	"sync"
	"time"
)

// HLC is a hybrid logical clock reading: milliseconds since the Unix epoch in
// the high 48 bits and a logical counter in the low 16. Readings from one node
// only grow, even when the wall clock is set back, and a node that sees a
// reading from a peer moves past it, so causality survives wrong PC clocks.
type HLC uint64

const hlcLogicalBits = 16

// MakeHLC builds a reading from wall milliseconds and a logical counter.
func MakeHLC(ms int64, logical uint16) HLC {
	return HLC(uint64(ms)<<hlcLogicalBits | uint64(logical))
}

// Millis is the wall-clock part in milliseconds since the epoch.
func (h HLC) Millis() int64 { return int64(uint64(h) >> hlcLogicalBits) }

// Time is the wall-clock part as a time in the given location.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Millis()) }

func (h HLC) String() string {
	return strconv.FormatInt(h.Millis(), 10) + "." + strconv.FormatUint(uint64(h)&0xffff, 10)
}

// Clock issues HLC readings. It is safe for concurrent use.
//
// Readings order the commands of each entity; their wall part is also the
// legal time of what the command records (a receipt, an action). So a
// reading never runs more than MaxAhead ahead of this PC's wall clock: a
// peer's reading further ahead (a PC whose clock is wrong by days) is not
// taken over, and when this PC's clock is set back by more than MaxAhead
// (a wrong date corrected) the readings follow it. A command about an
// entity is stamped after that entity's last command (NextAfter), so each
// dossier's history stays in order whatever the clocks say.
type Clock struct {
	Now  func() time.Time
	mu   sync.Mutex
	last HLC
}

// MaxAhead bounds how far a reading may run ahead of the wall clock: small
// setbacks of the clock and peers a little ahead are absorbed (readings
// keep growing), larger ones are not.
const MaxAhead = 2 * time.Minute

// NewClock returns a clock that never issues a reading at or below floor
// (the largest reading this node has stored), unless floor is more than
// MaxAhead ahead of the wall clock.
func NewClock(now func() time.Time, floor HLC) *Clock {
	return &Clock{Now: now, last: floor}
}

// limit is the largest reading allowed at wall time ms.
func limit(ms int64) HLC { return MakeHLC(ms+MaxAhead.Milliseconds(), 0xffff) }

// Next returns a reading greater than every reading issued or observed
// within MaxAhead of the wall clock.
func (c *Clock) Next() HLC { return c.NextAfter(0) }

// NextAfter is Next for a command about an entity whose last command was
// stamped after: the reading is also greater than after, even when after
// runs further ahead than MaxAhead (the clock itself does not follow it).
func (c *Clock) NextAfter(after HLC) HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	ms := c.Now().UnixMilli()
	wall := MakeHLC(ms, 0)
	if c.last > limit(ms) {
		c.last = 0 // the clock was set back, or the floor came from a wrong clock
	}
	if wall > c.last {
		c.last = wall
	} else {
		c.last++
	}
	if after >= c.last {
		if after+1 <= limit(ms) {
			c.last = after + 1
		} else {
			return after + 1
		}
	}
	return c.last
}

// Observe moves the clock past a reading seen from a peer, unless that
// reading is more than MaxAhead ahead of this PC's wall clock.
func (c *Clock) Observe(h HLC) {
	c.mu.Lock()
	if h > c.last && h <= limit(c.Now().UnixMilli()) {
		c.last = h
	}
	c.mu.Unlock()
}
