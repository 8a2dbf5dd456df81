package live

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// slowestSpeed is 1e9 / 2^63, worked out by hand: at rate 1 and this
// speed a tick comes every 2^63 ns, one past the longest Duration.
const slowestSpeed = 1.0842021724855044e-10

func TestCheckSpeedAtTheEdges(t *testing.T) {
	cases := []struct {
		speed            float64
		minRate, maxRate int
		ok               bool
	}{
		{1, 1, 6, true},
		{MaxSpeed, 1, 6, true},                    // the cap, inside
		{MaxSpeed * (1 + 1e-12), 1, 6, false},     // just past the cap
		{1000, 1, 1_000_000, true},                // 1s/(1e6*1000) = 1ns exactly
		{1000 * (1 + 1e-12), 1, 1_000_000, false}, // rounds below 1ns
		{slowestSpeed * (1 + 1e-9), 1, 6, true},   // just under 2^63 ns at rate 1
		{slowestSpeed * (1 - 1e-9), 1, 6, false},  // just over
		{slowestSpeed * (1 - 1e-9), 2, 6, true},   // rate 2 halves the interval
		{1e-12, 1, 6, false},
		{0, 1, 6, false},
		{-1, 1, 6, false},
		{math.NaN(), 1, 6, false},
		{math.Inf(1), 1, 6, false},
		{math.Inf(-1), 1, 6, false},
	}
	for _, c := range cases {
		err := CheckSpeed(c.speed, c.minRate, c.maxRate)
		if (err == nil) != c.ok {
			t.Errorf("CheckSpeed(%v, rates %d..%d) = %v, want ok=%v", c.speed, c.minRate, c.maxRate, err, c.ok)
			continue
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "speed must be between ") || strings.Contains(err.Error(), "\n")) {
			t.Errorf("CheckSpeed(%v): %q is not one line naming the range", c.speed, err)
		}
		if !c.ok {
			continue
		}
		// Every accepted speed gives every rate an interval in [1ns, max].
		for _, r := range []int{c.minRate, c.maxRate} {
			if d := tickInterval(r, c.speed); d < time.Nanosecond {
				t.Errorf("tickInterval(%d, %v) = %v", r, c.speed, d)
			}
		}
	}
	if lo, hi := SpeedRange(1, 6); lo != slowestSpeed || hi != MaxSpeed {
		t.Errorf("SpeedRange(1, 6) = %v, %v; want %v, %v", lo, hi, slowestSpeed, float64(MaxSpeed))
	}
	if _, hi := SpeedRange(1, 1_000_000); hi != 1000 {
		t.Errorf("SpeedRange(1, 1e6) fastest = %v, want 1000", hi)
	}
}

func TestTickIntervalNeitherOverflowsNorReachesZero(t *testing.T) {
	if d := tickInterval(5, 20); d != 10*time.Millisecond {
		t.Errorf("tickInterval(5, 20) = %v, want 10ms", d)
	}
	for _, speed := range []float64{1e-12, slowestSpeed, math.SmallestNonzeroFloat64, 1e300, math.Inf(1)} {
		d := tickInterval(1, speed)
		if d < time.Nanosecond {
			t.Errorf("tickInterval(1, %v) = %v, want at least 1ns", speed, d)
		}
		if speed < slowestSpeed && d != math.MaxInt64 {
			t.Errorf("tickInterval(1, %v) = %v, want the longest Duration", speed, d)
		}
	}
}

// A machine whose first tick is due after the run's end never ticks, and
// its loop ends: with the interval overflowing into 1ns (what it did), a
// one-hour run took billions of ticks.
func TestTickLoopAtTheSlowestSpeedsEnds(t *testing.T) {
	for _, speed := range []float64{slowestSpeed * (1 + 1e-9), 1e-12} {
		st, err := record.Open(filepath.Join(t.TempDir(), "t.db"), record.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := core.DefaultParams(5)
		p.Actions = 1 << 30 // no sends: the loop runs without a network
		if err := st.BeginRun(record.RunMeta{ID: "slow", Seed: 5, Mode: "live", Params: p, Status: record.StatusRunning}); err != nil {
			t.Fatal(err)
		}
		rec, err := st.NewRecorder("slow", record.RecorderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		n, err := newNode(1, []core.MachineID{1, 2}, p, "slow", "fp", core.NewFakeClock(start), start)
		if err != nil {
			t.Fatal(err)
		}
		n.rec = rec
		done := make(chan struct{})
		go func() {
			defer close(done)
			n.tickLoop(context.Background(), speed, start, start.Add(time.Hour))
		}()
		select {
		case <-done:
		case <-time.After(time.Minute): // a hang guard, not a speed figure
			t.Fatalf("speed %v: the tick loop of a one-hour run did not end (%d ticks so far)", speed, n.machine.Ticks())
		}
		if got := n.machine.Ticks(); got != 0 {
			t.Errorf("speed %v: %d ticks in an hour, want 0", speed, got)
		}
		rec.Close()
		st.Close()
	}
}
