package ssh

import (
	"sync"
	"time"
)

// Default login throttling, in the spirit of IOS `login block-for 60
// attempts 5 within 60`: IOS has no default; an appliance reachable over
// SSH should not accept unbounded guessing.
const (
	DefaultAttempts = 5
	DefaultWithin   = 60 * time.Second
	DefaultBlockFor = 60 * time.Second
)

// Throttle refuses logins from an address after too many failures: after
// Attempts failures within Within, every login from it is refused for
// BlockFor.
type Throttle struct {
	Attempts         int
	Within, BlockFor time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
	blocked  map[string]time.Time
}

// NewThrottle returns a throttle with the default limits.
func NewThrottle() *Throttle {
	return &Throttle{Attempts: DefaultAttempts, Within: DefaultWithin, BlockFor: DefaultBlockFor}
}

// Configure sets the limits, keeping the failures and blocks recorded so
// far.
func (t *Throttle) Configure(attempts int, within, blockFor time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.Attempts, t.Within, t.BlockFor = attempts, within, blockFor
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Blocked reports whether logins from addr are refused now, and until
// when.
func (t *Throttle) Blocked(addr string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	until, ok := t.blocked[addr]
	if ok && !t.now().Before(until) {
		delete(t.blocked, addr)
		return time.Time{}, false
	}
	return until, ok
}

// Fail records a failed login from addr and reports whether the address
// is now blocked.
func (t *Throttle) Fail(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.failures == nil {
		t.failures = map[string][]time.Time{}
		t.blocked = map[string]time.Time{}
	}
	recent := t.failures[addr][:0]
	for _, f := range t.failures[addr] {
		if now.Sub(f) < t.Within {
			recent = append(recent, f)
		}
	}
	recent = append(recent, now)
	if len(recent) < t.Attempts {
		t.failures[addr] = recent
		return false
	}
	delete(t.failures, addr)
	t.blocked[addr] = now.Add(t.BlockFor)
	return true
}

// Succeed forgets the failures of addr after a successful login.
func (t *Throttle) Succeed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, addr)
}
