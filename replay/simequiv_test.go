package replay

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"lamport/core"
)

// loggedEntry is one entry a sink saw, with its machine; To is copied.
type loggedEntry struct {
	id core.MachineID
	e  core.Entry
}

func logSink(log *[]loggedEntry) func(core.MachineID, *core.Entry) {
	return func(id core.MachineID, e *core.Entry) {
		c := *e
		if e.Event.To != nil {
			c.Event.To = slices.Clone(e.Event.To)
		}
		*log = append(*log, loggedEntry{id, c})
	}
}

// digestSink folds every entry, every field and its machine, in the order
// the sink saw them, into h: for runs too big to keep.
func digestSink(h *[]byte) func(core.MachineID, *core.Entry) {
	d := sha256.New()
	var b []byte
	return func(id core.MachineID, e *core.Entry) {
		u := func(v uint64) { b = binary.AppendUvarint(b, v) }
		b = b[:0]
		u(uint64(id))
		u(uint64(e.At))
		if e.Arrival {
			u(1)
		} else {
			u(0)
		}
		u(uint64(e.Msg.From))
		u(e.Msg.Seq)
		u(e.Msg.Clock)
		ev := &e.Event
		u(ev.Index)
		u(ev.Tick)
		u(uint64(ev.Kind))
		u(uint64(ev.Die))
		u(ev.Clock)
		u(uint64(ev.Queue))
		if ev.To == nil {
			u(0)
		} else {
			u(uint64(len(ev.To)) + 1)
		}
		for _, to := range ev.To {
			u(uint64(to))
		}
		u(ev.FirstSeq)
		u(uint64(ev.Msg.From))
		u(ev.Msg.Seq)
		u(ev.Msg.Clock)
		f := &e.Fault
		u(uint64(f.Kind))
		u(uint64(f.To))
		u(uint64(f.Reason))
		u(uint64(f.QueueLost))
		u(f.Missed)
		if f.ResetClock {
			u(1)
		} else {
			u(0)
		}
		u(f.SeqSkip)
		d.Write(b)
		*h = d.Sum((*h)[:0])
	}
}

type equivCase struct {
	name string
	spec SimSpec
}

func equivCases(t *testing.T) []equivCase {
	lat := func(s string) Latency {
		l, err := ParseLatency(s)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ring := func(n int) []core.MachineID { return core.RingConfig(n, "sim", 0).IDs() }
	odd := []core.MachineID{90, 3, 17, 1000, 4, 250_000}
	faults := []struct {
		name string
		f    func(ids []core.MachineID) core.Faults
	}{
		{"none", func([]core.MachineID) core.Faults { return core.Faults{} }},
		{"drop", func([]core.MachineID) core.Faults { return core.Faults{Drop: 0.2} }},
		{"dup", func([]core.MachineID) core.Faults { return core.Faults{Dup: 0.3} }},
		{"spike", func([]core.MachineID) core.Faults {
			return core.Faults{Spike: core.Spike{P: 0.2, Extra: 700 * time.Millisecond}}
		}},
		{"partitions", func(ids []core.MachineID) core.Faults {
			return core.Faults{Partitions: []core.Partition{
				{A: ids[0], B: ids[1], From: 5 * time.Second, To: 20 * time.Second},
				{A: ids[len(ids)-1], B: ids[0], OneWay: true, From: 0, To: 30 * time.Second}}}
		}},
		{"clog", func([]core.MachineID) core.Faults {
			return core.Faults{Clog: core.Clog{Every: 3 * time.Second, For: time.Second}}
		}},
		{"crash keep", func(ids []core.MachineID) core.Faults {
			return core.Faults{Crashes: []core.Crash{{ID: ids[1], From: 10 * time.Second, To: 25 * time.Second}}}
		}},
		{"crash reset", func(ids []core.MachineID) core.Faults {
			return core.Faults{ResetClock: true, Crashes: []core.Crash{
				{ID: ids[1], From: 10 * time.Second, To: 25 * time.Second},
				{ID: ids[0], From: 0, To: time.Second},
				{ID: ids[1], From: 30 * time.Second, To: 31 * time.Second}}}
		}},
		{"random crashes", func([]core.MachineID) core.Faults {
			return core.Faults{RandomCrashes: core.Clog{Every: 8 * time.Second, For: 2 * time.Second}}
		}},
		{"everything", func(ids []core.MachineID) core.Faults {
			return core.Faults{Drop: 0.05, Dup: 0.1, Spike: core.Spike{P: 0.05, Extra: 300 * time.Millisecond},
				Partitions:    []core.Partition{{A: ids[1], B: ids[0], From: 10 * time.Second, To: 15 * time.Second}},
				Clog:          core.Clog{Every: 4 * time.Second, For: 500 * time.Millisecond},
				Crashes:       []core.Crash{{ID: ids[0], From: 20 * time.Second, To: 22 * time.Second}},
				RandomCrashes: core.Clog{Every: 5 * time.Second, For: 3 * time.Second}, ResetClock: true}
		}},
	}
	var cases []equivCase
	add := func(name string, ids []core.MachineID, p core.Params, d time.Duration, l string, f core.Faults) {
		cases = append(cases, equivCase{name, SimSpec{Machines: ids, Params: p, Duration: d, Latency: lat(l), Faults: f}})
	}
	for _, fc := range faults {
		for _, seed := range []uint64{1, 7, 42} {
			for _, n := range []int{2, 3, 5} {
				ids := ring(n)
				add(fmt.Sprintf("%s/seed%d/%dm", fc.name, seed, n), ids, core.DefaultParams(seed), time.Minute, "exp:5ms", fc.f(ids))
			}
			add(fmt.Sprintf("%s/seed%d/odd-ids", fc.name, seed), odd, core.DefaultParams(seed), time.Minute, "uniform:0s-3ms", fc.f(slices.Sorted(slices.Values(odd))))
		}
		// Ties: constant latencies that land on other machines' ticks.
		for _, l := range []string{"constant:0s", "constant:1ms", "constant:500ms", "uniform:0s-2ns", "exp:200ms"} {
			ids := ring(6)
			p := core.DefaultParams(3)
			p.MinRate, p.MaxRate, p.Actions = 1, 4, 3
			add(fmt.Sprintf("%s/%s", fc.name, l), ids, p, 40*time.Second, l, fc.f(ids))
		}
	}
	fast := core.DefaultParams(11)
	fast.MinRate, fast.MaxRate, fast.Actions = 999_990, 1_000_000, 2
	add("fast rates", ring(4), fast, 20*time.Millisecond, "exp:3us", core.Faults{Dup: 0.1})
	one := core.DefaultParams(5)
	one.Actions = 1
	add("actions 1", ring(3), one, time.Minute, "exp:1ms", core.Faults{})
	add("zero duration", ring(3), core.DefaultParams(5), 0, "exp:1ms", core.Faults{})
	add("short duration", ring(40), core.DefaultParams(5), 700*time.Millisecond, "exp:1ms", core.Faults{})
	add("100 machines", ring(100), core.DefaultParams(7), 2*time.Minute, "exp:1ms", core.Faults{})
	add("1500 machines", ring(1500), core.DefaultParams(9), 2*time.Second, "exp:1ms", core.Faults{Dup: 0.01, Drop: 0.01})
	// Outliers crowd sortRun's buckets; a 3-hour spike is past its keys.
	add("300 machines spikes", ring(300), core.DefaultParams(9), 5*time.Second, "exp:1ms", core.Faults{Spike: core.Spike{P: 0.05, Extra: time.Second}})
	add("300 machines long spikes", ring(300), core.DefaultParams(9), 5*time.Second, "exp:1ms", core.Faults{Spike: core.Spike{P: 0.01, Extra: 3 * time.Hour}})
	return cases
}

// TestSimMatchesReference: the simulator emits exactly the entries of the
// reference implementation (simref_test.go), in the same order, with the
// same counts and trace hash, for every kind of fault and many shapes of
// run.
func TestSimMatchesReference(t *testing.T) {
	for _, c := range equivCases(t) {
		var want, got []loggedEntry
		wres, werr := referenceSimulate(c.spec, logSink(&want))
		gres, gerr := Simulate(c.spec, logSink(&got))
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("%s: error %v, reference %v", c.name, gerr, werr)
		}
		for i := range min(len(want), len(got)) {
			if !reflect.DeepEqual(want[i], got[i]) {
				t.Fatalf("%s: entry %d differs:\n got  %d %+v\n want %d %+v", c.name, i, got[i].id, got[i].e, want[i].id, want[i].e)
			}
		}
		if len(want) != len(got) {
			t.Fatalf("%s: %d entries, reference %d", c.name, len(got), len(want))
		}
		if !reflect.DeepEqual(wres, gres) {
			t.Fatalf("%s: result\n got  %+v\n want %+v", c.name, gres, wres)
		}
		// Without a sink too: the hash and counts must not depend on it.
		nres, err := Simulate(c.spec, nil)
		if err != nil || !reflect.DeepEqual(nres, gres) {
			t.Fatalf("%s: without a sink %+v (%v), with one %+v", c.name, nres, err, gres)
		}
	}
}

// TestSimMatchesReferenceAtScale: the million-event run of
// TestMillionEventSimIsDeterministic (shortened), faults on, compared with
// the reference through a digest of every entry in emit order.
func TestSimMatchesReferenceAtScale(t *testing.T) {
	lat, err := ParseLatency("exp:2ms")
	if err != nil {
		t.Fatal(err)
	}
	d := 10 * time.Minute
	if testing.Short() {
		d = time.Minute
	}
	spec := SimSpec{Machines: core.RingConfig(100, "sim", 0).IDs(), Params: core.DefaultParams(7), Duration: d,
		Latency: lat, Faults: core.Faults{Drop: 0.01, Dup: 0.01, Clog: core.Clog{Every: 10 * time.Minute, For: time.Second},
			Spike: core.Spike{P: 0.01, Extra: 20 * time.Millisecond}, RandomCrashes: core.Clog{Every: 5 * time.Minute, For: 10 * time.Second}}}
	var want, got []byte
	wres, werr := referenceSimulate(spec, digestSink(&want))
	gres, gerr := Simulate(spec, digestSink(&got))
	if werr != nil || gerr != nil {
		t.Fatal(werr, gerr)
	}
	if string(want) != string(got) || !reflect.DeepEqual(wres, gres) {
		t.Fatalf("differs from the reference: %x vs %x\n got  %+v\n want %+v", got, want, gres, wres)
	}
}

// TestSimStopMatchesReference: a simulation stopped by SimSpec.Stop stops
// at the same step, with the same error, as the reference.
func TestSimStopMatchesReference(t *testing.T) {
	spec := equivCases(t)[0].spec
	spec.Machines = core.RingConfig(30, "sim", 0).IDs()
	spec.Duration = time.Hour
	for _, after := range []int{1, 2, 5} {
		stopAfter := func() func() bool {
			n := 0
			return func() bool { n++; return n >= after }
		}
		var want, got []loggedEntry
		spec.Stop = stopAfter()
		wres, werr := referenceSimulate(spec, logSink(&want))
		spec.Stop = stopAfter()
		gres, gerr := Simulate(spec, logSink(&got))
		if !errors.Is(gerr, ErrStopped) || fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("stop after %d: %v, reference %v", after, gerr, werr)
		}
		if !reflect.DeepEqual(want, got) || !reflect.DeepEqual(wres, gres) {
			t.Fatalf("stop after %d: %d entries (%+v), reference %d (%+v)", after, len(got), gres, len(want), wres)
		}
	}
}

// TestRunTargetsOffTheRing: a run whose targets are not a window of the
// ring lists them, and delivers each message to its own target, in due
// order.
func TestRunTargetsOffTheRing(t *testing.T) {
	q := &eventQueue{}
	q.addGroup(time.Hour, []pendingTick{{at: time.Hour, order: q.order()}})
	r := q.newRun(2, 100, 9, 3, 3, 5)
	q.arrive(r, 10, 3, 0) // the window's first
	q.arrive(r, 5, 1, 1)  // off it: the window says 4
	q.arrive(r, 7, 0, 2)  // the window says 0
	q.arrive(r, 5, 1, 1)  // a duplicate, later in order
	if !q.startRun(r, 0) {
		t.Fatal("a run of 4 was not started")
	}
	type got struct {
		at      time.Duration
		to, seq uint64
	}
	var out []got
	for q.top().kind == simArrival {
		at := q.top().at
		to, from, seq, clock, _ := q.arrival()
		if from != 2 || clock != 9 {
			t.Fatalf("from %d clock %d", from, clock)
		}
		out = append(out, got{at, uint64(to), seq})
	}
	want := []got{{5, 1, 101}, {5, 1, 101}, {7, 0, 102}, {10, 3, 100}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %v, want %v", out, want)
	}
}
