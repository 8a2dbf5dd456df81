package replay_test

import (
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// TestMachineWithNoLogReplaysAsAnEmptyCutLog: a live machine process
// killed before its first commit leaves its machine in the run's metadata
// and no log. Its messages that the others recorded arriving are its
// unrecorded tail, so an interrupted run replays identical with them
// counted; a complete run with the same hole is a divergence.
func TestMachineWithNoLogReplaysAsAnEmptyCutLog(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "whole", 3, core.DefaultParams(11), 20*time.Second, "exp:1ms")
	noMachine2 := func(id core.MachineID, _ *core.Entry) bool { return id != 2 }
	copyRun(t, st, "whole", "early", record.StatusInterrupted, noMachine2)
	copyRun(t, st, "whole", "hole", record.StatusComplete, noMachine2)

	from2 := 0
	for id, es := range entriesOf(t, st, "early") {
		if id == 2 {
			t.Fatalf("the copy kept %d entries of machine 2", len(es))
		}
		for _, e := range es {
			if e.Arrival && e.Msg.From == 2 {
				from2++
			}
		}
	}
	if from2 == 0 {
		t.Fatal("no arrival from machine 2 in the others' logs; the test needs some")
	}

	res, err := replay.Run(st, "early", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Identical() || res.Machines != 3 || res.Unverified != uint64(from2) {
		t.Fatalf("interrupted run without machine 2's log: identical %v (%+v), %d machines, %d unverified; want identical, 3 machines, %d unverified",
			res.Identical(), res.First, res.Machines, res.Unverified, from2)
	}
	res, err = replay.Run(st, "hole", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identical() {
		t.Fatal("a complete run without machine 2's log replayed identical")
	}
}

// TestForgedTailMessagesDiverge: a message taken from a dead machine's
// unrecorded tail is checked against what that machine could have sent. A
// number far past what its rate allows, a clock at or below the one it had
// already reached, two arrivals of one message, and clocks that go down as
// the numbers go up are each a divergence; the honest cut replays
// identical (TestCutTailOfAKilledMachine).
func TestForgedTailMessagesDiverge(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "whole", 3, core.DefaultParams(5), time.Minute, "exp:1ms")
	const cut = 30 * time.Second
	all := entriesOf(t, st, "whole")

	// Machine 2's last recorded send and clock before the cut, and its
	// tail messages that machine 1 and 3 received, in arrival order.
	var lastSeq, lastClock uint64
	for _, e := range all[2] {
		if e.At > cut || !e.IsTick() {
			continue
		}
		lastClock = e.Event.Clock
		if n := len(e.Event.To); n > 0 {
			lastSeq = e.Event.Message(2, n-1).Seq
		}
	}
	// The tail messages machines 1 and 3 received, in arrival order, each
	// with the clock its receiver already had when it took it, if that
	// clock was above the message's (and so alone set the receive's clock:
	// the message's clock can then change without changing any output).
	type arrival struct {
		to  core.MachineID
		msg core.Message
		own uint64 // 0: not known to be above the message's clock
	}
	var tail []arrival
	for _, id := range []core.MachineID{1, 3} {
		for _, e := range all[id] {
			if e.Arrival && e.Msg.From == 2 && e.Msg.Seq > lastSeq {
				tail = append(tail, arrival{to: id, msg: e.Msg})
			}
			if e.IsTick() && e.Event.Kind == core.KindRecv {
				for i := range tail {
					if tail[i].to == id && tail[i].msg == e.Event.Msg && e.Event.Clock-1 > e.Event.Msg.Clock {
						tail[i].own = e.Event.Clock - 1
					}
				}
			}
		}
	}
	// first returns the index of the first tail arrival ok accepts.
	first := func(what string, ok func(a arrival) bool) int {
		for i, a := range tail {
			if ok(a) {
				return i
			}
		}
		t.Fatalf("machine 2's tail after %v (%d arrivals in the others' logs) has no %s; the test needs one", cut, len(tail), what)
		return 0
	}
	dominated := first("message whose receiver's clock was above it", func(a arrival) bool { return a.own > 0 })
	// lo is a tail message below a dominated one, both from machine 2:
	// the dominated one can take lo's identity, or a clock under lo's.
	lo := first("message numbered below a dominated one", func(a arrival) bool {
		d := tail[dominated]
		return a.msg.Seq < d.msg.Seq && a.msg.Clock <= d.msg.Clock && a.msg.Clock >= lastClock+2
	})

	// forge copies the run with machine 2 cut at the cut and the i-th tail
	// message replaced by m, in its arrival and in its receive event,
	// as a receiver that took a forged message would have recorded it.
	forge := func(name string, i int, m core.Message) {
		copyRun(t, st, "whole", name, record.StatusInterrupted, func(id core.MachineID, e *core.Entry) bool {
			if id == 2 {
				return e.At <= cut
			}
			if id == tail[i].to && e.Arrival && e.Msg == tail[i].msg {
				e.Msg = m
			}
			if id == tail[i].to && e.IsTick() && e.Event.Kind == core.KindRecv && e.Event.Msg == tail[i].msg {
				e.Event.Msg = m
			}
			return true
		})
	}
	with := func(m core.Message, change func(*core.Message)) core.Message {
		change(&m)
		return m
	}
	d := tail[dominated]
	cases := []struct {
		name   string
		i      int
		msg    core.Message
		reason string
	}{
		{"far-seq", dominated, with(d.msg, func(m *core.Message) { m.Seq = 1_000_000 }), "numbered past anything machine 2 could have sent"},
		{"low-clock", dominated, with(d.msg, func(m *core.Message) { m.Clock = lastClock }), "not above the"},
		{"twice", dominated, tail[lo].msg, "arrived twice"},
		{"clock-order", dominated, with(d.msg, func(m *core.Message) { m.Clock = tail[lo].msg.Clock - 1 }), "of its"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forge(c.name, c.i, c.msg)
			res, err := replay.Run(st, c.name, replay.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Identical() {
				t.Fatalf("forged tail message replayed identical (%d unverified)", res.Unverified)
			}
			if !strings.Contains(res.First.Reason, c.reason) {
				t.Fatalf("first divergence %q; want it to say %q", res.First.Reason, c.reason)
			}
		})
	}
}
