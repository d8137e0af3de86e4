package auth

import (
	"sync"
	"time"
)

// FailureLimiter blocks an address after too many failed authentications
// within a window, so that tokens cannot be guessed at speed (they cannot
// be guessed at all with 256 bits, but a flood of bad tokens still costs
// database lookups).
type FailureLimiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu   sync.Mutex
	seen map[string]*failures
}

type failures struct {
	start time.Time
	n     int
}

// maxTracked bounds the memory an address flood can take.
const maxTracked = 65536

func (l *FailureLimiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Fail records a failure from addr.
func (l *FailureLimiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.seen == nil {
		l.seen = map[string]*failures{}
	}
	f := l.seen[addr]
	if f == nil || now.Sub(f.start) > l.Window {
		if len(l.seen) >= maxTracked {
			l.prune(now)
		}
		f = &failures{start: now}
		l.seen[addr] = f
	}
	f.n++
}

// Blocked reports whether addr has failed too often lately.
func (l *FailureLimiter) Blocked(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.seen[addr]
	return f != nil && l.now().Sub(f.start) <= l.Window && f.n >= l.Max
}

func (l *FailureLimiter) prune(now time.Time) {
	for k, f := range l.seen {
		if now.Sub(f.start) > l.Window {
			delete(l.seen, k)
		}
	}
	if len(l.seen) >= maxTracked {
		clear(l.seen)
	}
}
