package core_test

import (
	"slices"
	"testing"

	"lamport/core"
)

var three = []core.MachineID{1, 2, 3}

func newMachine(t *testing.T, id core.MachineID, ids []core.MachineID, p core.Params) *core.Machine {
	t.Helper()
	m, err := core.NewMachine(id, ids, p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The die's meaning, from DESIGN.md: 1 first peer, 2 second peer, 3 all
// peers, anything else internal. Every empty-queue tick of many seeds is
// checked against this table, and every die value must turn up.
func TestEveryDieValueActionAndClock(t *testing.T) {
	type want struct {
		kind core.Kind
		to   []core.MachineID
	}
	table := map[int]want{
		1: {core.KindSend, []core.MachineID{3}},
		2: {core.KindSend, []core.MachineID{1}},
		3: {core.KindSend, []core.MachineID{3, 1}},
	}
	for d := 4; d <= core.DefaultActions; d++ {
		table[d] = want{kind: core.KindInternal}
	}
	seen := map[int]int{}
	for seed := uint64(0); seed < 50; seed++ {
		m := newMachine(t, 2, three, core.DefaultParams(seed))
		for range 40 {
			before, lastSeq := m.Clock(), m.LastSeq()
			ev := m.Tick()
			w, ok := table[ev.Die]
			if !ok {
				t.Fatalf("seed %d: die %d outside 1..%d", seed, ev.Die, core.DefaultActions)
			}
			seen[ev.Die]++
			if ev.Kind != w.kind || !slices.Equal(ev.To, w.to) {
				t.Fatalf("seed %d die %d: got %v to %v, want %v to %v", seed, ev.Die, ev.Kind, ev.To, w.kind, w.to)
			}
			if ev.Clock != before+1 || m.Clock() != ev.Clock {
				t.Fatalf("seed %d die %d: clock %d -> %d, want +1", seed, ev.Die, before, ev.Clock)
			}
			if ev.Queue != 0 {
				t.Fatalf("seed %d: a %v reports queue %d on an empty queue", seed, ev.Kind, ev.Queue)
			}
			if ev.Kind == core.KindSend {
				if ev.FirstSeq != lastSeq+1 || m.LastSeq() != lastSeq+uint64(len(w.to)) {
					t.Fatalf("seed %d: send of %d messages moved seq %d -> %d with first %d", seed, len(w.to), lastSeq, m.LastSeq(), ev.FirstSeq)
				}
			}
		}
	}
	for d := 1; d <= core.DefaultActions; d++ {
		if seen[d] == 0 {
			t.Errorf("die value %d never came up in 2000 rolls", d)
		}
	}
}

// The die values come from the documented stream: the first draw is the
// rate, then one Between(1, actions) per empty-queue tick.
func TestDecisionsFollowTheDocumentedStream(t *testing.T) {
	p := core.Params{Seed: 99, Actions: 7, MinRate: 2, MaxRate: 5}
	m := newMachine(t, 5, []core.MachineID{5, 9, 12}, p)
	r := core.NewRNG(99, 5)
	if want := r.Between(2, 5); m.Rate() != want {
		t.Fatalf("rate %d, want first draw %d", m.Rate(), want)
	}
	if core.Rate(p, 5) != m.Rate() {
		t.Fatalf("core.Rate disagrees with the machine: %d vs %d", core.Rate(p, 5), m.Rate())
	}
	for i := range 200 {
		if ev, want := m.Tick(), r.Between(1, 7); ev.Die != want {
			t.Fatalf("tick %d: die %d, want %d", i+1, ev.Die, want)
		}
	}
}

func TestReceiveTakesExactlyOneMessage(t *testing.T) {
	cases := []struct {
		name       string
		local      uint64 // clock reached by internal-only ticks first
		msgClocks  []uint64
		wantClocks []uint64
	}{
		{"message ahead", 0, []uint64{10, 3, 20}, []uint64{11, 12, 21}},
		{"local ahead", 0, []uint64{0, 0}, []uint64{1, 2}},
		{"equal", 0, []uint64{5, 6}, []uint64{6, 7}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMachine(t, 1, three, core.DefaultParams(1))
			for i, mc := range c.msgClocks {
				m.Deliver(core.Message{From: 2, Seq: uint64(i + 1), Clock: mc})
			}
			for i, want := range c.wantClocks {
				ev := m.Tick()
				if ev.Kind != core.KindRecv {
					t.Fatalf("tick %d: %v with a non-empty queue", i+1, ev.Kind)
				}
				if ev.Msg.Seq != uint64(i+1) {
					t.Fatalf("tick %d took message %s, want FIFO seq %d", i+1, ev.Msg.ID(), i+1)
				}
				if ev.Clock != want {
					t.Fatalf("tick %d: clock %d, want max(local, %d)+1 = %d", i+1, ev.Clock, ev.Msg.Clock, want)
				}
				if left := len(c.msgClocks) - i - 1; ev.Queue != left || m.QueueLen() != left {
					t.Fatalf("tick %d: queue %d (machine says %d), want %d", i+1, ev.Queue, m.QueueLen(), left)
				}
				if ev.Die != 0 {
					t.Fatalf("a receive drew die %d", ev.Die)
				}
			}
		})
	}
}

func TestReceiveDoesNotConsumeRandomness(t *testing.T) {
	a := newMachine(t, 1, three, core.DefaultParams(5))
	b := newMachine(t, 1, three, core.DefaultParams(5))
	for i := range 10 {
		b.Deliver(core.Message{From: 3, Seq: uint64(i + 1), Clock: 1})
	}
	for range 10 {
		b.Tick()
	}
	for i := range 50 {
		if x, y := a.Tick(), b.Tick(); x.Die != y.Die {
			t.Fatalf("roll %d differs after receives: %d vs %d", i+1, x.Die, y.Die)
		}
	}
}

func TestSendToAllIsOneEvent(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		m := newMachine(t, 1, []core.MachineID{1, 2, 3, 4}, core.DefaultParams(seed))
		for range 30 {
			events := m.Ticks()
			ev := m.Tick()
			if m.Ticks() != events+1 || ev.Index != m.Ticks() {
				t.Fatalf("one tick made %d events", m.Ticks()-events)
			}
			if ev.Die != 3 {
				continue
			}
			sent := ev.Sent(1)
			if len(sent) != 3 {
				t.Fatalf("send to all of 3 peers produced %d messages", len(sent))
			}
			for i, msg := range sent {
				if msg.Clock != ev.Clock || msg.Seq != ev.FirstSeq+uint64(i) || msg.From != 1 {
					t.Fatalf("message %d of a send to all: %+v, event clock %d first seq %d", i, msg, ev.Clock, ev.FirstSeq)
				}
			}
			return
		}
	}
	t.Fatal("no send to all in 6000 ticks")
}

func TestTwoMachinesSecondPeerWraps(t *testing.T) {
	for seed := uint64(0); seed < 100; seed++ {
		m := newMachine(t, 1, []core.MachineID{1, 2}, core.DefaultParams(seed))
		for range 30 {
			ev := m.Tick()
			if ev.Kind == core.KindSend && ev.Die != 3 && !slices.Equal(ev.To, []core.MachineID{2}) {
				t.Fatalf("die %d sent to %v, want [2]", ev.Die, ev.To)
			}
		}
	}
}

func TestSmallerActionsMeansFewerInternalEvents(t *testing.T) {
	internal := func(actions int) int {
		n := 0
		m := newMachine(t, 1, three, core.Params{Seed: 1, Actions: actions, MinRate: 1, MaxRate: 6})
		for range 3000 {
			if m.Tick().Kind == core.KindInternal {
				n++
			}
		}
		return n
	}
	if a, b := internal(10), internal(4); b >= a {
		t.Fatalf("actions=4 gave %d internal events, actions=10 gave %d", b, a)
	}
	if n := internal(3); n != 0 {
		t.Fatalf("actions=3 gave %d internal events, want 0", n)
	}
}

func TestRatesAreDrawnInRange(t *testing.T) {
	seen := map[int]bool{}
	for seed := uint64(0); seed < 300; seed++ {
		r := core.Rate(core.DefaultParams(seed), 1)
		if r < 1 || r > 6 {
			t.Fatalf("seed %d: rate %d outside 1..6", seed, r)
		}
		seen[r] = true
	}
	if len(seen) != 6 {
		t.Fatalf("rates drawn over 300 seeds: %v, want all of 1..6", seen)
	}
}

func TestNewMachineRejectsBadParams(t *testing.T) {
	for _, p := range []core.Params{
		{Actions: 0, MinRate: 1, MaxRate: 6},
		{Actions: 10, MinRate: 0, MaxRate: 6},
		{Actions: 10, MinRate: 4, MaxRate: 3},
		{Actions: 10, MinRate: 1, MaxRate: core.MaxRateLimit + 1},
	} {
		if _, err := core.NewMachine(1, three, p); err == nil {
			t.Errorf("NewMachine accepted %+v", p)
		}
	}
}
