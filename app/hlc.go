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
type Clock struct {
	Now  func() time.Time
	mu   sync.Mutex
	last HLC
}

// NewClock returns a clock that never issues a reading at or below floor
// (the largest reading this node has stored).
func NewClock(now func() time.Time, floor HLC) *Clock {
	return &Clock{Now: now, last: floor}
}

// Next returns a reading greater than every reading issued or observed.
func (c *Clock) Next() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := MakeHLC(c.Now().UnixMilli(), 0)
	if wall > c.last {
		c.last = wall
	} else {
		c.last++
	}
	return c.last
}

// Observe moves the clock past a reading seen from a peer.
func (c *Clock) Observe(h HLC) {
	c.mu.Lock()
	if h > c.last {
		c.last = h
	}
	c.mu.Unlock()
}
