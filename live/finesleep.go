package live

import (
	"context"
	"time"

	"lamport/core"
)

// fineSleepUnder is the longest wait a tick loop sleeps precisely (see
// fineSleeper); a longer one waits on a timer until this much is left.
const fineSleepUnder = 2 * time.Millisecond

// fineSleepInterval is the tick interval below which a tick loop sleeps
// precisely: there a timer's millisecond is over 5 % of a tick. Slower
// machines keep their timers, which cost no thread and no CPU; the
// precise sleeps of 3 machines at --speed 1000 take about a third of a
// core more (see docs/PERFORMANCE.md).
const fineSleepInterval = 20 * time.Millisecond

// fineSleeper is a clock that can sleep a short while precisely. Go's
// timers may fire up to about a millisecond late (the runtime waits for
// them with a millisecond's resolution), which at --speed 1000 is a whole
// tick interval; a precise sleep holds its OS thread for at most
// fineSleepUnder instead.
type fineSleeper interface {
	sleepPrecisely(d time.Duration)
}

// waitUntil waits on clock until due or until ctx ends, and reports
// whether due came. With precise, a clock that can sleeps the last
// fineSleepUnder of the wait precisely.
func waitUntil(ctx context.Context, clock core.Clock, due time.Time, precise bool) bool {
	fine, can := clock.(fineSleeper)
	precise = precise && can
	for {
		wait := due.Sub(clock.Now())
		if wait <= 0 {
			return ctx.Err() == nil
		}
		if precise && wait <= fineSleepUnder {
			if ctx.Err() != nil {
				return false
			}
			fine.sleepPrecisely(wait)
			return true
		}
		if precise {
			wait -= fineSleepUnder
		}
		t := clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C():
		}
		if !precise {
			return true
		}
	}
}
