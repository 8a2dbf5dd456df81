package replay_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// recordFaultySim records a sim run with faults and returns its result.
func recordFaultySim(t testing.TB, st *record.Store, id string, machines int, seed uint64, d time.Duration, latency string, f core.Faults) replay.SimResult {
	t.Helper()
	res, err := replay.RecordSim(st, replay.SimRun{
		RunID: id, Config: core.RingConfig(machines, "sim", 0), Started: epoch,
		Spec: replay.SimSpec{Params: core.DefaultParams(seed), Duration: d, Latency: mustLatency(t, latency), Faults: f},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustPartition(t testing.TB, s string) core.Partition {
	t.Helper()
	p, err := core.ParsePartition(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var faultCases = []struct {
	name   string
	faults core.Faults
}{
	{"drop", core.Faults{Drop: 0.2}},
	{"dup", core.Faults{Dup: 0.2}},
	{"spike", core.Faults{Spike: core.Spike{P: 0.1, Extra: 700 * time.Millisecond}}},
	{"partitions", core.Faults{Partitions: []core.Partition{
		{A: 1, B: 2, From: 5 * time.Second, To: 20 * time.Second},
		{A: 3, B: 4, OneWay: true, From: 0, To: 30 * time.Second}}}},
	{"clog", core.Faults{Clog: core.Clog{Every: 5 * time.Second, For: time.Second}}},
	{"crash keep", core.Faults{Crashes: []core.Crash{{ID: 2, From: 10 * time.Second, To: 25 * time.Second}}}},
	{"crash reset", core.Faults{ResetClock: true, Crashes: []core.Crash{{ID: 2, From: 10 * time.Second, To: 25 * time.Second}}}},
	{"random crashes", core.Faults{RandomCrashes: core.Clog{Every: 8 * time.Second, For: 2 * time.Second}}},
	{"everything", core.Faults{Drop: 0.05, Dup: 0.05, Spike: core.Spike{P: 0.05, Extra: 300 * time.Millisecond},
		Partitions: []core.Partition{{A: 2, B: 3, From: 10 * time.Second, To: 15 * time.Second}},
		Clog:       core.Clog{Every: 10 * time.Second, For: 500 * time.Millisecond},
		Crashes:    []core.Crash{{ID: 1, From: 20 * time.Second, To: 22 * time.Second}},
		// Overlaps the planned crash of machine 1 now and then.
		RandomCrashes: core.Clog{Every: 15 * time.Second, For: 3 * time.Second}, ResetClock: true}},
}

// TestFaultySimsReplayIdentically: every kind of fault, recorded, passes
// the store's check, replays with zero divergence and the sim's own trace
// hash, and the same seed gives the same hash twice.
func TestFaultySimsReplayIdentically(t *testing.T) {
	for _, c := range faultCases {
		t.Run(c.name, func(t *testing.T) {
			st := tempStore(t)
			for _, seed := range []uint64{1, 7} {
				id := fmt.Sprintf("seed%d", seed)
				res := recordFaultySim(t, st, id, 4, seed, time.Minute, "exp:5ms", c.faults)
				if c.faults.Drop > 0 || len(c.faults.Partitions) > 0 {
					if res.Lost == 0 {
						t.Errorf("seed %d: nothing was lost", seed)
					}
				}
				if (c.faults.Dup > 0) != (res.Duplicated > 0) {
					t.Errorf("seed %d: %d messages duplicated with dup %v", seed, res.Duplicated, c.faults.Dup)
				}
				if (len(c.faults.Crashes) > 0 || c.faults.RandomCrashes.Every > 0) != (res.Crashes > 0) {
					t.Errorf("seed %d: %d crashes", seed, res.Crashes)
				}
				if err := st.Check(); err != nil {
					t.Fatalf("seed %d: store check: %v", seed, err)
				}
				got, err := replay.Run(st, id, replay.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !got.Identical() || got.Hash != res.Hash {
					t.Fatalf("seed %d: replay identical=%v first=%+v hash %s, sim hash %s", seed, got.Identical(), got.First, got.Hash, res.Hash)
				}
				again, err := replay.Simulate(replay.SimSpec{Machines: []core.MachineID{1, 2, 3, 4}, Params: core.DefaultParams(seed),
					Duration: time.Minute, Latency: mustLatency(t, "exp:5ms"), Faults: c.faults}, nil)
				if err != nil || again.Hash != res.Hash {
					t.Fatalf("seed %d: the same faulty sim twice gave hashes %s and %s (%v)", seed, res.Hash, again.Hash, err)
				}
			}
		})
	}
}

// TestFaultsLeaveACleanRunAlone: with no faults, the fault machinery draws
// nothing, so a run's hash is what it was before faults existed (pinned in
// the golden tests) and equals a run with an all-zero Faults.
func TestFaultsLeaveACleanRunAlone(t *testing.T) {
	spec := replay.SimSpec{Machines: []core.MachineID{1, 2, 3}, Params: core.DefaultParams(3), Duration: time.Minute, Latency: mustLatency(t, "exp:1ms")}
	clean, err := replay.Simulate(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec.Faults = core.Faults{Partitions: []core.Partition{{A: 1, B: 2, From: time.Hour, To: 2 * time.Hour}}}
	late, err := replay.Simulate(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if clean.Hash != late.Hash || late.Lost != 0 {
		t.Errorf("a partition after the run's end changed it: %s vs %s, %d lost", clean.Hash, late.Hash, late.Lost)
	}
}

// TestDropLosesItsShare: each message is lost with probability Drop,
// independently, so over thousands of messages the share lost is within
// five standard deviations of it; and no lost message ever arrives.
func TestDropLosesItsShare(t *testing.T) {
	st := tempStore(t)
	const drop = 0.3
	res := recordFaultySim(t, st, "drop", 3, 11, 30*time.Minute, "exp:1ms", core.Faults{Drop: drop})
	logs := entriesOf(t, st, "drop")
	var sent uint64
	lost := map[core.Message]bool{}
	for _, log := range logs {
		for _, e := range log {
			switch {
			case e.IsTick() && e.Event.Kind == core.KindSend:
				sent += uint64(len(e.Event.To))
			case e.Fault.Kind == core.FaultLost:
				if e.Fault.Reason != core.LostDrop {
					t.Fatalf("lost for %v with only drops on", e.Fault.Reason)
				}
				lost[core.Message{From: e.Msg.From, Seq: e.Msg.Seq}] = true
			}
		}
	}
	if uint64(len(lost)) != res.Lost {
		t.Fatalf("%d distinct lost messages logged, the sim counted %d", len(lost), res.Lost)
	}
	share := float64(len(lost)) / float64(sent)
	sd := math.Sqrt(drop * (1 - drop) / float64(sent))
	if sent < 5000 || math.Abs(share-drop) > 5*sd {
		t.Errorf("lost %d of %d messages (%.4f), want %.2f ± %.4f", len(lost), sent, share, drop, 5*sd)
	}
	for _, log := range logs {
		for _, e := range log {
			if e.Arrival && lost[core.Message{From: e.Msg.From, Seq: e.Msg.Seq}] {
				t.Fatalf("lost message %s arrived", e.Msg.ID())
			}
		}
	}
}

// sendTimes maps every message to the time it was sent.
func sendTimes(logs map[core.MachineID][]core.Entry) map[core.Message]time.Duration {
	out := map[core.Message]time.Duration{}
	for id, log := range logs {
		for _, e := range log {
			if e.IsTick() && e.Event.Kind == core.KindSend {
				for _, m := range e.Event.Sent(id) {
					out[core.Message{From: m.From, Seq: m.Seq}] = e.At
				}
			}
		}
	}
	return out
}

// TestPartitionCutsItsLinksForItsWindow: nothing sent across a cut link
// during its window arrives (one-way cuts only their direction), and
// everything lost was lost on a cut link in its window.
func TestPartitionCutsItsLinksForItsWindow(t *testing.T) {
	st := tempStore(t)
	both := mustPartition(t, "1-2@10s-40s")
	oneWay := mustPartition(t, "3>1@0s-30s")
	f := core.Faults{Partitions: []core.Partition{both, oneWay}}
	res := recordFaultySim(t, st, "part", 3, 5, time.Minute, "constant:1ms", f)
	logs := entriesOf(t, st, "part")
	sent := sendTimes(logs)
	cut := func(from, to core.MachineID, at time.Duration) bool {
		in := func(p core.Partition) bool { return at >= p.From && at < p.To }
		return in(both) && (from == 1 && to == 2 || from == 2 && to == 1) || in(oneWay) && from == 3 && to == 1
	}
	var arrivedAcrossOneWayBack int
	for id, log := range logs {
		for _, e := range log {
			key := core.Message{From: e.Msg.From, Seq: e.Msg.Seq}
			switch {
			case e.Arrival:
				at := sent[key]
				if cut(e.Msg.From, id, at) {
					t.Fatalf("message %s sent at %v arrived at %d across a cut link", e.Msg.ID(), at, id)
				}
				if e.Msg.From == 1 && id == 3 && at < oneWay.To {
					arrivedAcrossOneWayBack++
				}
			case e.Fault.Kind == core.FaultLost:
				if e.Fault.Reason != core.LostPartition || !cut(e.Msg.From, e.Fault.To, sent[key]) {
					t.Fatalf("message %s to %d sent at %v lost (%v) outside any cut", e.Msg.ID(), e.Fault.To, sent[key], e.Fault.Reason)
				}
			}
		}
	}
	if res.Lost == 0 || arrivedAcrossOneWayBack == 0 {
		t.Errorf("%d lost; %d messages from 1 to 3 arrived while 3>1 was cut; want both above 0", res.Lost, arrivedAcrossOneWayBack)
	}
}

// TestClogDelaysAndLosesNothing: a clogged link holds messages back but
// keeps them, in order.
func TestClogDelaysAndLosesNothing(t *testing.T) {
	st := tempStore(t)
	res := recordFaultySim(t, st, "clog", 3, 9, 5*time.Minute, "constant:1ms", core.Faults{Clog: core.Clog{Every: 10 * time.Second, For: 2 * time.Second}})
	logs := entriesOf(t, st, "clog")
	sent := sendTimes(logs)
	var held int
	for _, log := range logs {
		last := map[core.MachineID]uint64{}
		for _, e := range log {
			if e.Fault.Kind != 0 {
				t.Fatalf("clogging logged a fault: %+v", e)
			}
			if !e.Arrival {
				continue
			}
			if e.At-sent[core.Message{From: e.Msg.From, Seq: e.Msg.Seq}] > time.Millisecond {
				held++
			}
			if e.Msg.Seq <= last[e.Msg.From] {
				t.Fatalf("message %s arrived after %d:%d", e.Msg.ID(), e.Msg.From, last[e.Msg.From])
			}
			last[e.Msg.From] = e.Msg.Seq
		}
	}
	if held == 0 || res.Lost != 0 {
		t.Errorf("%d arrivals held back by clogs, %d lost; want some held and none lost", held, res.Lost)
	}
}

// TestCrashStopsTheMachineAndEmptiesItsQueue: a crashed machine does not
// tick, its queue is gone, messages that reach it are lost, it misses the
// ticks of its schedule, and it comes back with its clock kept or reset.
func TestCrashStopsTheMachineAndEmptiesItsQueue(t *testing.T) {
	for _, reset := range []bool{false, true} {
		t.Run(fmt.Sprintf("reset=%v", reset), func(t *testing.T) {
			st := tempStore(t)
			crash := core.Crash{ID: 2, From: 10 * time.Second, To: 30 * time.Second}
			recordFaultySim(t, st, "crash", 3, 4, time.Minute, "exp:1ms", core.Faults{Crashes: []core.Crash{crash}, ResetClock: reset})
			rate := core.Rate(core.DefaultParams(4), 2)
			var queue int
			var clock uint64
			var sawCrash, sawRestart, sawLostDown bool
			firstAfter := true
			for _, e := range entriesOf(t, st, "crash")[2] {
				down := sawCrash && !sawRestart
				switch {
				case e.Arrival:
					if down {
						t.Fatalf("an arrival at %v while down", e.At)
					}
					queue++
				case e.Fault.Kind == core.FaultCrash:
					sawCrash = true
					if e.At != crash.From || e.Fault.QueueLost != queue {
						t.Fatalf("crash at %v lost %d, want at %v losing the %d queued", e.At, e.Fault.QueueLost, crash.From, queue)
					}
					queue = 0
				case e.Fault.Kind == core.FaultRestart:
					sawRestart = true
					// Ticks fall at k/rate; those in [From, To) are missed.
					want := uint64(math.Ceil(crash.To.Seconds()*float64(rate))) - uint64(math.Ceil(crash.From.Seconds()*float64(rate)))
					if e.At != crash.To || e.Fault.Missed != want || e.Fault.ResetClock != reset {
						t.Fatalf("restart %+v at %v; want at %v, %d missed, reset %v", e.Fault, e.At, crash.To, want, reset)
					}
				case e.Fault.Kind == core.FaultLost:
					if !down || e.Fault.Reason != core.LostDown || e.Fault.To != 2 {
						t.Fatalf("lost entry %+v at %v", e.Fault, e.At)
					}
					sawLostDown = true
				case e.Fault.Kind == 0:
					if down {
						t.Fatalf("machine 2 ticked at %v while down", e.At)
					}
					ev := e.Event
					if sawRestart && firstAfter {
						firstAfter = false
						base := clock
						if reset {
							base = 0
						}
						want := base + 1
						if ev.Kind == core.KindRecv {
							want = max(base, ev.Msg.Clock) + 1
						}
						if ev.Clock != want {
							t.Fatalf("first event after the restart: clock %d, want %d (reset %v, clock before %d)", ev.Clock, want, reset, clock)
						}
					}
					if ev.Kind == core.KindRecv {
						queue--
					}
					clock = ev.Clock
				}
			}
			if !sawCrash || !sawRestart || !sawLostDown {
				t.Errorf("crash %v, restart %v, lost while down %v; want all", sawCrash, sawRestart, sawLostDown)
			}
		})
	}
}

// TestDuplicatesArriveTwice: a message marked duplicated reaches its
// target exactly twice; every other message at most once.
func TestDuplicatesArriveTwice(t *testing.T) {
	st := tempStore(t)
	recordFaultySim(t, st, "dup", 3, 8, 5*time.Minute, "exp:2ms", core.Faults{Dup: 0.25})
	logs := entriesOf(t, st, "dup")
	dup := map[core.Message]core.MachineID{}
	arrived := map[core.Message]int{}
	for id, log := range logs {
		for _, e := range log {
			key := core.Message{From: e.Msg.From, Seq: e.Msg.Seq}
			switch {
			case e.Fault.Kind == core.FaultDup:
				if e.Msg.From != id {
					t.Fatalf("dup of %s logged by machine %d, not its sender", e.Msg.ID(), id)
				}
				dup[key] = e.Fault.To
			case e.Arrival:
				arrived[key]++
			}
		}
	}
	if len(dup) < 50 {
		t.Fatalf("only %d duplicated messages", len(dup))
	}
	for key, n := range arrived {
		if _, ok := dup[key]; ok && n != 2 || !ok && n != 1 {
			t.Fatalf("message %s arrived %d times (duplicated: %v)", key.ID(), n, ok)
		}
	}
}

// crashyModel loses one message fewer than it had queued at a crash.
type crashyModel struct{ *core.Machine }

func (m crashyModel) Crash() int { return max(m.Machine.Crash()-1, 0) }

// TestReplayCatchesAWrongCrash: the crash's lost queue is an output;
// a model that reports it differently diverges at the crash.
func TestReplayCatchesAWrongCrash(t *testing.T) {
	st := tempStore(t)
	f := core.Faults{Crashes: []core.Crash{{ID: 3, From: 7 * time.Second, To: 9 * time.Second}}}
	// A slow network leaves messages queued at machine 3 when it crashes,
	// for some seed: find one, so the crash has something to lose.
	var queued int
	for seed := uint64(1); seed <= 50 && queued == 0; seed++ {
		recordFaultySim(t, st, fmt.Sprint("crash", seed), 3, seed, 20*time.Second, "constant:400ms", f)
		for _, e := range entriesOf(t, st, fmt.Sprint("crash", seed))[3] {
			if e.Fault.Kind == core.FaultCrash && e.Fault.QueueLost > 0 {
				queued = e.Fault.QueueLost
				copyRun(t, st, fmt.Sprint("crash", seed), "crash", record.StatusComplete, func(core.MachineID, *core.Entry) bool { return true })
			}
		}
	}
	if queued == 0 {
		t.Fatal("no seed of 50 left machine 3 anything queued at its crash")
	}
	res, err := replay.Run(st, "crash", replay.Options{NewModel: func(id core.MachineID, ids []core.MachineID, p core.Params) (replay.Model, error) {
		m, err := core.NewMachine(id, ids, p)
		return crashyModel{m}, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identical() || res.First.Machine != 3 || res.First.At != 7*time.Second {
		t.Fatalf("replay with a wrong crash: first divergence %+v, want machine 3 at 7s", res.First)
	}
}

// TestDiffOfFaultyAndCleanRun: the same seed with and without a crash
// agree until the crash and part there.
func TestDiffOfFaultyAndCleanRun(t *testing.T) {
	st := tempStore(t)
	recordFaultySim(t, st, "clean", 3, 6, time.Minute, "exp:1ms", core.Faults{})
	recordFaultySim(t, st, "faulty", 3, 6, time.Minute, "exp:1ms", core.Faults{Crashes: []core.Crash{{ID: 1, From: 20 * time.Second, To: 30 * time.Second}}})
	d, err := replay.Diff(st, st, "clean", "faulty", replay.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Identical() || d.First == nil {
		t.Fatal("a crashed run diffs identical to its clean twin")
	}
	var at time.Duration = -1
	for _, e := range entriesOf(t, st, "clean")[d.First.Machine] {
		if e.IsTick() && e.Event.Index == d.First.Index {
			at = e.At
		}
	}
	if at < 20*time.Second {
		t.Errorf("first difference at %v (machine %d event %d), before the crash at 20s", at, d.First.Machine, d.First.Index)
	}
}

// TestSwarmDrawsFaultsFromTheSeed: the same seed gives the same setting,
// and across seeds every kind of fault is both on and off somewhere.
func TestSwarmDrawsFaultsFromTheSeed(t *testing.T) {
	on := map[string]int{}
	const seeds = 64
	for seed := range uint64(seeds) {
		f := core.Swarm(seed, time.Minute)
		if g := core.Swarm(seed, time.Minute); fmt.Sprint(g) != fmt.Sprint(f) {
			t.Fatalf("seed %d: swarm gave %+v then %+v", seed, f, g)
		}
		if err := f.Validate([]core.MachineID{1, 2, 3}); err != nil {
			t.Fatalf("seed %d: swarm drew an invalid setting %+v: %v", seed, f, err)
		}
		for _, kv := range f.Options() {
			on[kv[0]]++
		}
	}
	for _, k := range []string{"drop", "dup", "spike", "clog", "crashes", "restart"} {
		if on[k] == 0 || on[k] == seeds {
			t.Errorf("swarm turned %s on for %d of %d seeds; want some but not all", k, on[k], seeds)
		}
	}
}

// TestStoppedSimIsInterruptedAndReplays: a simulation told to stop ends
// with ErrStopped, its recording is interrupted, and the prefix replays.
func TestStoppedSimIsInterruptedAndReplays(t *testing.T) {
	st := tempStore(t)
	asked := 0
	spec := replay.SimSpec{Params: core.DefaultParams(3), Duration: time.Hour, Latency: mustLatency(t, "exp:1ms"),
		Stop: func() bool { asked++; return asked == 3 }}
	res, err := replay.RecordSim(st, replay.SimRun{RunID: "stopped", Config: core.RingConfig(4, "sim", 0), Started: epoch, Spec: spec})
	if !errors.Is(err, replay.ErrStopped) {
		t.Fatalf("RecordSim = %v, want ErrStopped", err)
	}
	meta, err := st.Run("stopped")
	if err != nil || meta.Status != record.StatusInterrupted {
		t.Fatalf("status %q, %v; want interrupted", meta.Status, err)
	}
	if res.Events == 0 || res.Events > 3*4096 {
		t.Fatalf("stopped after %d events, want some and at most 3 x 4096 steps' worth", res.Events)
	}
	got, err := replay.Run(st, "stopped", replay.Options{})
	if err != nil || !got.Identical() || got.Events != res.Events {
		t.Fatalf("replay of the stopped run: %+v, %v; want identical over %d events", got.First, err, res.Events)
	}
}

// TestCutTailOfAKilledMachine: in an interrupted run, a machine whose log
// ends early (its process was killed before its last commit) may have
// sent messages that others recorded arriving; replay takes those as
// recorded and counts them. In a complete run the same gap is a
// divergence.
func TestCutTailOfAKilledMachine(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "whole", 3, core.DefaultParams(5), time.Minute, "exp:1ms")
	const cut = 30 * time.Second
	dropTail := func(id core.MachineID, e *core.Entry) bool { return id != 2 || e.At <= cut }
	copyRun(t, st, "whole", "killed", record.StatusInterrupted, dropTail)
	copyRun(t, st, "whole", "complete", record.StatusComplete, dropTail)

	res, err := replay.Run(st, "killed", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Identical() || res.Unverified == 0 {
		t.Fatalf("interrupted run with machine 2 cut at %v: identical %v (%+v), %d unverified; want identical with some unverified", cut, res.Identical(), res.First, res.Unverified)
	}
	res, err = replay.Run(st, "complete", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identical() || res.Unverified != 0 {
		t.Fatalf("complete run with a machine's log cut: identical %v, %d unverified; want a divergence", res.Identical(), res.Unverified)
	}
}
