package core_test

import (
	"math"
	"strings"
	"testing"

	"lamport/core"
)

// A forged clock cannot wrap a machine's clock: whatever a message carries,
// the clock after the receive is at least the message's clock and at least
// the clock before it, and so is every clock after that.
func TestAHugeMessageClockCannotWrapTheClock(t *testing.T) {
	for _, forged := range []uint64{math.MaxUint64, math.MaxUint64 - 1, core.MaxClock + 1, 1 << 63} {
		m := newMachine(t, 2, three, core.DefaultParams(1))
		m.Deliver(core.Message{From: 1, Seq: 1, Clock: 5})
		m.Tick()
		before := m.Clock()
		m.Deliver(core.Message{From: 1, Seq: 2, Clock: forged})
		ev := m.Tick()
		if ev.Kind != core.KindRecv {
			t.Fatalf("clock %d: tick was a %v, want the receive", forged, ev.Kind)
		}
		if ev.Clock < forged || ev.Clock < before {
			t.Fatalf("clock %d: receive set the clock to %d (was %d): it wrapped", forged, ev.Clock, before)
		}
		prev := ev.Clock
		// Sends and internal events after it, and receives of small clocks,
		// keep it where it is or above.
		m.Deliver(core.Message{From: 3, Seq: 1, Clock: 1})
		for i := range 20 {
			ev := m.Tick()
			if ev.Clock < prev {
				t.Fatalf("clock %d: event %d after the receive has clock %d, below %d", forged, i+1, ev.Clock, prev)
			}
			prev = ev.Clock
		}
	}
}

// CheckMessageBounds accepts every clock and sequence number up to the
// bounds and refuses each one above, naming the field.
func TestCheckMessageBounds(t *testing.T) {
	ok := []core.Message{
		{From: 1, Seq: 1, Clock: 1},
		{From: 1, Seq: core.MaxSeq, Clock: core.MaxClock},
	}
	for _, m := range ok {
		if err := core.CheckMessageBounds(m); err != nil {
			t.Errorf("%+v refused: %v", m, err)
		}
	}
	bad := []struct {
		m    core.Message
		want string
	}{
		{core.Message{From: 1, Seq: 1, Clock: core.MaxClock + 1}, "clock"},
		{core.Message{From: 1, Seq: 1, Clock: math.MaxUint64}, "clock"},
		{core.Message{From: 1, Seq: core.MaxSeq + 1, Clock: 1}, "sequence"},
		{core.Message{From: 1, Seq: 1 << 60, Clock: 1}, "sequence"},
	}
	for _, tc := range bad {
		err := core.CheckMessageBounds(tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error naming the %s", tc.m, err, tc.want)
		}
	}
}
