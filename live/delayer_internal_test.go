package live

import (
	"slices"
	"sync"
	"testing"
	"time"

	"lamport/core"
)

// The delayer of one machine holds each message for its delay and no
// less, keeps every link FIFO even when a later message draws a shorter
// delay, and at close hands over what it still holds, in order.
func TestDelayerHoldsEachMessageAndKeepsLinksFIFO(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := core.NewFakeClock(start)
	type sent struct {
		to  core.MachineID
		msg core.Message
		at  time.Time
	}
	var (
		mu  sync.Mutex
		out []sent
	)
	d := newDelayer(func(to core.MachineID, m core.Message) error {
		mu.Lock()
		out = append(out, sent{to, m, clock.Now()})
		mu.Unlock()
		return nil
	}, clock)
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(out)
	}

	// 400 messages to 4 targets with seeded delays of 0 to 100 ms, one
	// pushed every 0.25 ms of clock; due times follow the FIFO rule.
	rng := core.NewRNG(9, 1)
	due := map[core.Message]time.Time{}
	last := map[core.MachineID]time.Time{}
	pushed := map[core.MachineID][]core.Message{}
	for i := range 400 {
		to := core.MachineID(rng.Between(1, 4))
		m := core.Message{From: 7, Seq: uint64(i + 1), Clock: uint64(i)}
		delay := time.Duration(rng.Between(0, 100)) * time.Millisecond
		at := clock.Now().Add(delay)
		if at.Before(last[to]) {
			at = last[to]
		}
		due[m], last[to] = at, at
		pushed[to] = append(pushed[to], m)
		d.push(to, m, delay)
		clock.Advance(250 * time.Microsecond)
	}
	// Step the clock on; after each step exactly the messages due by then
	// have gone, never one early.
	for step := 0; step < 60; step++ {
		clock.Advance(5 * time.Millisecond)
		want := 0
		for _, at := range due {
			if !at.After(clock.Now()) {
				want++
			}
		}
		for deadline := time.Now().Add(10 * time.Second); count() < want; {
			if time.Now().After(deadline) {
				t.Fatalf("at %v: %d messages sent, %d due", clock.Now().Sub(start), count(), want)
			}
			time.Sleep(time.Millisecond)
		}
		if got := count(); got != want {
			t.Fatalf("at %v: %d messages sent, only %d due", clock.Now().Sub(start), got, want)
		}
	}
	// Two more held for a minute go out at close, in order.
	d.push(2, core.Message{From: 7, Seq: 401}, time.Minute)
	d.push(2, core.Message{From: 7, Seq: 402}, time.Second)
	pushed[2] = append(pushed[2], core.Message{From: 7, Seq: 401}, core.Message{From: 7, Seq: 402})
	d.close()

	mu.Lock()
	defer mu.Unlock()
	byLink := map[core.MachineID][]core.Message{}
	for _, s := range out {
		if at, ok := due[s.msg]; ok && s.at.Before(at) {
			t.Errorf("message %s to %d sent at %v, due at %v", s.msg.ID(), s.to, s.at.Sub(start), at.Sub(start))
		}
		byLink[s.to] = append(byLink[s.to], s.msg)
	}
	for to, msgs := range pushed {
		if !slices.Equal(byLink[to], msgs) {
			t.Errorf("link to %d: sent %v, queued %v", to, byLink[to], msgs)
		}
	}
}
