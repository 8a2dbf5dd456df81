package core_test

import (
	"strings"
	"testing"

	"lamport/core"
)

// QueueAtTick is the queue length when the tick came, counted here by hand
// from the deliveries and receives the test itself makes, never from the
// machine's own queue.
func TestQueueAtTickCountsTheQueueBeforeTheTick(t *testing.T) {
	ids := []core.MachineID{1, 2}
	m := newMachine(t, 1, ids, core.DefaultParams(3))
	sched := core.NewRNG(3, 0)
	waiting, seq, sawBusy := 0, uint64(0), false
	for range 5000 {
		if sched.Below(2) == 0 {
			seq++
			m.Deliver(core.Message{From: 2, Seq: seq, Clock: seq})
			waiting++
			continue
		}
		atTick := waiting
		ev := m.Tick()
		if ev.Kind == core.KindRecv {
			waiting--
		}
		if got := ev.QueueAtTick(); got != atTick {
			t.Fatalf("event %d (%v): QueueAtTick %d, the queue held %d when the tick came", ev.Index, ev.Kind, got, atTick)
		}
		if ev.Queue != waiting {
			t.Fatalf("event %d (%v): Queue %d, %d messages left after it", ev.Index, ev.Kind, ev.Queue, waiting)
		}
		if ev.Kind == core.KindRecv && ev.QueueAtTick() < 1 {
			t.Fatalf("event %d: a receive with queue %d at its tick", ev.Index, ev.QueueAtTick())
		}
		sawBusy = sawBusy || atTick > 1
	}
	if !sawBusy {
		t.Fatal("the schedule never queued two messages: the test checks nothing")
	}
}

// The text form: queue= is the length when the tick came; a receive adds
// left=, one less, right after it; a send or internal event has no left=.
func TestEventTextGivesQueueAtTickAndLeft(t *testing.T) {
	for _, c := range []struct {
		ev   core.Event
		want string
	}{
		{core.Event{Kind: core.KindRecv, Clock: 14, Queue: 0, Msg: core.Message{From: 1, Seq: 2, Clock: 13}},
			"recv     clock=14 queue=1 left=0 from=1 msg=1:2 msg_clock=13"},
		{core.Event{Kind: core.KindRecv, Clock: 9, Queue: 4, Msg: core.Message{From: 3, Seq: 7, Clock: 2}},
			"recv     clock=9 queue=5 left=4 from=3 msg=3:7 msg_clock=2"},
		{core.Event{Kind: core.KindSend, Clock: 10, To: []core.MachineID{3}, FirstSeq: 6},
			"send     clock=10 queue=0 to=3 msgs=2:6"},
		{core.Event{Kind: core.KindInternal, Clock: 11},
			"internal clock=11 queue=0"},
	} {
		got := string(c.ev.AppendDetails(nil, 2))
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if c.ev.Kind != core.KindRecv && strings.Contains(got, "left=") {
			t.Errorf("%q: only a receive has left=", got)
		}
	}
}
