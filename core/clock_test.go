package core_test

import (
	"testing"
	"time"

	"lamport/core"
)

func TestFakeClockFiresTimersInOrderOnlyWhenDue(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := core.NewFakeClock(start)
	late := c.NewTimer(3 * time.Second)
	early := c.NewTimer(time.Second)
	stopped := c.NewTimer(2 * time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report pending once")
	}
	c.Advance(999 * time.Millisecond)
	select {
	case <-early.C():
		t.Fatal("timer fired before its deadline")
	default:
	}
	c.Advance(time.Millisecond)
	if at := <-early.C(); !at.Equal(start.Add(time.Second)) {
		t.Fatalf("early fired at %v", at)
	}
	c.Advance(5 * time.Second)
	if at := <-late.C(); !at.Equal(start.Add(3 * time.Second)) {
		t.Fatalf("late fired at %v", at)
	}
	select {
	case <-stopped.C():
		t.Fatal("a stopped timer fired")
	default:
	}
	if c.Pending() != 0 || !c.Now().Equal(start.Add(6*time.Second)) {
		t.Fatalf("pending %d now %v", c.Pending(), c.Now())
	}
}
