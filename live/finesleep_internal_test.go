package live

import (
	"context"
	"slices"
	"testing"
	"time"

	"lamport/core"
)

// preciseFake is a clock whose time moves only when waited on: a timer
// fires at once and moves it by its duration, a precise sleep moves it by
// its own. It notes how each wait was spent.
type preciseFake struct {
	now            time.Time
	timers, sleeps []time.Duration
}

func (c *preciseFake) Now() time.Time { return c.now }
func (c *preciseFake) sleepPrecisely(d time.Duration) {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
}
func (c *preciseFake) NewTimer(d time.Duration) core.Timer {
	c.timers = append(c.timers, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return firedTimer(ch)
}

// firedTimer is a timer that has fired already.
type firedTimer chan time.Time

func (t firedTimer) C() <-chan time.Time { return t }
func (t firedTimer) Stop() bool          { return false }

// A clock that sleeps precisely spends the last fineSleepUnder of a wait
// in a precise sleep and the rest on a timer, and ends exactly at due.
func TestWaitUntilSleepsTheLastStretchPrecisely(t *testing.T) {
	start := time.Unix(100, 0)
	for _, tc := range []struct {
		wait           time.Duration
		timers, sleeps []time.Duration
	}{
		{10 * time.Millisecond, []time.Duration{8 * time.Millisecond}, []time.Duration{2 * time.Millisecond}},
		{fineSleepUnder, nil, []time.Duration{fineSleepUnder}},
		{300 * time.Microsecond, nil, []time.Duration{300 * time.Microsecond}},
		{0, nil, nil},
	} {
		c := &preciseFake{now: start}
		due := start.Add(tc.wait)
		if !waitUntil(context.Background(), c, due, true) {
			t.Errorf("wait %v: not done", tc.wait)
		}
		if !c.now.Equal(due) {
			t.Errorf("wait %v: ended at %v, due %v", tc.wait, c.now.Sub(start), tc.wait)
		}
		if !slices.Equal(c.timers, tc.timers) || !slices.Equal(c.sleeps, tc.sleeps) {
			t.Errorf("wait %v: timers %v and precise sleeps %v, want %v and %v", tc.wait, c.timers, c.sleeps, tc.timers, tc.sleeps)
		}
	}
}

// A slow machine's wait (precise false) stays on its timer.
func TestWaitUntilKeepsTimersForSlowMachines(t *testing.T) {
	c := &preciseFake{now: time.Unix(100, 0)}
	due := c.now.Add(10 * time.Millisecond)
	if !waitUntil(context.Background(), c, due, false) || !c.now.Equal(due) {
		t.Fatalf("not done at due: at %v", c.now)
	}
	if len(c.sleeps) != 0 || !slices.Equal(c.timers, []time.Duration{10 * time.Millisecond}) {
		t.Errorf("timers %v, precise sleeps %v: want one timer for the whole wait", c.timers, c.sleeps)
	}
}

// An ended context stops a wait before any sleep, precise or not.
func TestWaitUntilStopsOnAnEndedContext(t *testing.T) {
	c := &preciseFake{now: time.Unix(100, 0)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if waitUntil(ctx, c, c.now.Add(time.Millisecond), true) {
		t.Error("a wait under an ended context reported its due time came")
	}
	if len(c.sleeps) != 0 {
		t.Errorf("slept %v under an ended context", c.sleeps)
	}
}
