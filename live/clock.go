package live

import (
	"fmt"
	"os"
	"time"

	"lamport/core"
)

// SystemClock is the real core.Clock. It is the one place a live run reads
// the wall clock; core never does.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) NewTimer(d time.Duration) core.Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// ClockSkewEnv names the environment variable that sets a skew on this
// process's clock, as a Go duration ("3s", "-250ms"): a way for tests to
// give one process of a run a wrong wall clock, as a host whose clock is
// off has, and check that the run's time axis corrects it. Only the live
// driver's default clock reads it.
const ClockSkewEnv = "LAMPORT_TEST_CLOCK_SKEW"

// skewedClock is the system clock off by skew. Its readings keep the
// monotonic clock, so timers and durations are unaffected; only the wall
// time differs, as on a host whose clock is wrong.
type skewedClock struct {
	SystemClock
	skew time.Duration
}

func (c skewedClock) Now() time.Time { return time.Now().Add(c.skew) }

// DefaultClock is the clock a run uses when its Spec gives none: the
// system clock, skewed by ClockSkewEnv when that is set.
func DefaultClock() (core.Clock, error) {
	v := os.Getenv(ClockSkewEnv)
	if v == "" {
		return SystemClock{}, nil
	}
	skew, err := time.ParseDuration(v)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: not a duration: %w", ClockSkewEnv, v, err)
	}
	return skewedClock{skew: skew}, nil
}
