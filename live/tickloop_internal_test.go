package live

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// With a fake clock the tick loop's schedule is exact: a machine of rate r
// at speed s ticks r*s times per second of clock, no more, no less, and
// each tick is recorded at its due offset.
func TestTickLoopFollowsTheClock(t *testing.T) {
	st, err := record.Open(filepath.Join(t.TempDir(), "t.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := core.DefaultParams(5)
	// A die this large (seeded, so fixed) never rolls 1..3 in these ticks:
	// the loop is tested without a network.
	p.Actions = 1 << 30
	if err := st.BeginRun(record.RunMeta{ID: "fake", Seed: 5, Mode: "live", Params: p, Status: record.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder("fake", record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := core.NewFakeClock(start)
	n, err := newNode(1, []core.MachineID{1, 2}, p, "fake", "fp", clock, start)
	if err != nil {
		t.Fatal(err)
	}
	n.rec = rec
	const speed = 2.0
	until := start.Add(10 * time.Second)

	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("tick loop panicked (a send reached a nil link?): %v", r)
			}
		}()
		n.tickLoop(context.Background(), speed, start, until)
	}()
	interval := time.Duration(float64(time.Second) / (float64(n.machine.Rate()) * speed))
	for i := 0; ; i++ {
		select {
		case <-done:
			goto finished
		default:
		}
		waitPending(t, clock, done)
		clock.Advance(interval)
		if i > 10000 {
			t.Fatal("tick loop did not finish")
		}
	}
finished:
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	want := uint64(10 * time.Second / interval)
	if n.machine.Ticks() != want {
		t.Fatalf("rate %d at speed %v over 10s: %d ticks, want %d", n.machine.Rate(), speed, n.machine.Ticks(), want)
	}
	var k int64
	err = st.Scan("fake", 1, func(e core.Entry) error {
		k++
		if e.At != time.Duration(k)*interval {
			t.Fatalf("tick %d recorded at %v, due at %v", k, e.At, time.Duration(k)*interval)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitPending waits until the loop sleeps on the fake clock or ends.
func waitPending(t *testing.T, c *core.FakeClock, done <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Pending() == 0 {
		select {
		case <-done:
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("tick loop never waited on the clock")
		}
		time.Sleep(time.Millisecond)
	}
}
