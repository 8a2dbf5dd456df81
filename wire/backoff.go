package wire

import "time"

// Default backoff: quick enough that machines started a moment apart find
// each other at once, capped so a peer that is down for long costs one
// attempt a second.
const (
	DefaultBackoffInitial = 20 * time.Millisecond
	DefaultBackoffMax     = time.Second
)

// Backoff is the wait between connection attempts: Initial, doubling after
// every failed attempt, never more than Max. Zero fields take the defaults
// (a default Initial never exceeds a given Max).
type Backoff struct {
	Initial, Max time.Duration
}

// Delay returns the wait after the given failed attempt (0 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	initial, limit := b.Initial, b.Max
	if limit <= 0 {
		limit = max(DefaultBackoffMax, initial)
	}
	if initial <= 0 {
		initial = min(DefaultBackoffInitial, limit)
	}
	// An explicit Initial above Max wins: the caller asked for that wait.
	limit = max(limit, initial)
	d := initial
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
