package server

import (
	"sync"
	"time"
)

// Clock is the server's time. A test clock (--test-clock) can be moved
// forward through the admin API, so that expiries and SLAs can be checked
// end to end without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	// still, when set, is where a stopped clock stands (NewStoppedClock).
	still time.Time
}

// NewStoppedClock is a clock that stands at start and moves only by
// Advance: tests of exact durations (MTTR, SLAs) use it.
func NewStoppedClock(start time.Time) *Clock { return &Clock{still: start.UTC()} }

// Now is the wall clock plus the offset (a stopped clock's start plus the
// offset).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.still.IsZero() {
		return c.still.Add(c.offset)
	}
	return time.Now().Add(c.offset).UTC()
}

// Advance moves the clock forward by d (never back).
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	if d > 0 {
		c.offset += d
	}
	c.mu.Unlock()
	return c.Now()
}
