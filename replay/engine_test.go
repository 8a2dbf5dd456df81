package replay_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"lamport/core"
	"lamport/replay"
)

func TestSimRunReplaysIdentically(t *testing.T) {
	st := tempStore(t)
	for i, latency := range []string{"constant:1ms", "uniform:0s-400ms", "exp:50ms"} {
		id := fmt.Sprintf("sim%d", i)
		sim := recordSim(t, st, id, 4, core.DefaultParams(uint64(i+1)), 2*time.Minute, latency)
		res, err := replay.Run(st, id, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Identical() {
			t.Fatalf("%s: sim run diverged on replay: %+v", latency, res.First)
		}
		if res.Events != sim.Events || res.Arrivals != sim.Arrivals || res.Hash != sim.Hash {
			t.Fatalf("%s: replay counted %d events %d arrivals hash %s; sim %d %d %s", latency, res.Events, res.Arrivals, res.Hash, sim.Events, sim.Arrivals, sim.Hash)
		}
		recorded, err := replay.RecordedHash(st, id)
		if err != nil || recorded != sim.Hash {
			t.Fatalf("%s: stored hash %s (%v), sim printed %s", latency, recorded, err, sim.Hash)
		}
		stored, err := st.Stats(id)
		if err != nil || !reflect.DeepEqual(stored, sim.Stats) {
			t.Fatalf("%s: the sim's stats %+v differ from the store's %+v (%v)", latency, sim.Stats, stored, err)
		}
	}
}

func TestWhatIfOtherSeedDiverges(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "base", 3, core.DefaultParams(7), time.Minute, "exp:5ms")
	p := core.DefaultParams(8)
	res, err := replay.Run(st, "base", replay.Options{Params: &p})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identical() {
		t.Fatal("replaying seed 7's schedule with seed 8 reported identical")
	}
	var diverged uint64
	for _, m := range res.PerMachine {
		diverged += m.Diverged
	}
	// Seed 8 draws other tick rates, so the first divergence may be a rate
	// (event 0); the events diverge too.
	if diverged == 0 || res.First.Machine == 0 || res.First.Reason == "" {
		t.Fatalf("divergence not reported: first %+v, %d diverged", res.First, diverged)
	}
}

// plantedModel wraps core.Machine and, on one machine, makes receives set
// max+2 from the n-th receive on: the deliberate change replay must find.
type plantedModel struct {
	*core.Machine
	from, recvs int
	offset      uint64
}

func (p *plantedModel) Tick() core.Event {
	ev := p.Machine.Tick()
	if ev.Kind == core.KindRecv {
		p.recvs++
		if p.recvs >= p.from {
			p.offset++
		}
	}
	ev.Clock += p.offset
	return ev
}

func TestPlantedModelChangeIsFoundAtTheExactEvent(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "clean", 3, core.DefaultParams(12), time.Minute, "exp:5ms")
	const victim, nth = 2, 5
	// Where the change must first show: machine 2's 5th receive.
	var wantIndex uint64
	recvs := 0
	err := st.Scan("clean", victim, func(e core.Entry) error {
		if !e.Arrival && e.Event.Kind == core.KindRecv {
			recvs++
			if recvs == nth && wantIndex == 0 {
				wantIndex = e.Event.Index
			}
		}
		return nil
	})
	if err != nil || wantIndex == 0 {
		t.Fatalf("machine %d has fewer than %d receives (%v)", victim, nth, err)
	}
	res, err := replay.Run(st, "clean", replay.Options{
		NewModel: func(id core.MachineID, ids []core.MachineID, p core.Params) (replay.Model, error) {
			m, err := core.NewMachine(id, ids, p)
			if id != victim {
				return m, err
			}
			return &plantedModel{Machine: m, from: nth}, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.First == nil || res.First.Machine != victim || res.First.Index != wantIndex {
		t.Fatalf("first divergence %+v, want machine %d event %d", res.First, victim, wantIndex)
	}
	if res.First.Recorded == nil || res.First.Replayed.Clock != res.First.Recorded.Clock+1 {
		t.Fatalf("divergence does not show the +1: %+v", res.First)
	}
}

func TestOtherRNGStreamForOneMachineIsFound(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "clean", 3, core.DefaultParams(12), time.Minute, "exp:5ms")
	res, err := replay.Run(st, "clean", replay.Options{
		NewModel: func(id core.MachineID, ids []core.MachineID, p core.Params) (replay.Model, error) {
			if id == 3 {
				p.Seed ^= 0xdead
			}
			return core.NewMachine(id, ids, p)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.First == nil || res.First.Machine != 3 {
		t.Fatalf("first divergence %+v, want on machine 3", res.First)
	}
	for _, m := range res.PerMachine {
		if m.ID == 3 && m.Diverged == 0 {
			t.Fatal("machine 3 counted no diverged events")
		}
	}
}

func TestProgressHooksSeeEveryBlockOfEvents(t *testing.T) {
	st := tempStore(t)
	var simCalls []uint64
	var lastAt time.Duration
	res, err := replay.RecordSim(st, replay.SimRun{RunID: "p", Config: core.RingConfig(5, "sim", 0), Started: epoch,
		Spec: replay.SimSpec{Params: core.DefaultParams(3), Duration: time.Hour, Latency: mustLatency(t, "exp:1ms"),
			Progress: func(at time.Duration, events uint64) {
				if at < lastAt {
					t.Errorf("progress went back in time: %v after %v", at, lastAt)
				}
				lastAt = at
				simCalls = append(simCalls, events)
			}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := res.Events / replay.ProgressEvery; uint64(len(simCalls)) != want {
		t.Fatalf("sim progress called %d times for %d events, want %d", len(simCalls), res.Events, want)
	}
	var replayCalls uint64
	if _, err := replay.Run(st, "p", replay.Options{Progress: func(events uint64) {
		replayCalls++
		if events != replayCalls*replay.ProgressEvery {
			t.Errorf("replay progress at %d events on call %d", events, replayCalls)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if replayCalls != res.Events/replay.ProgressEvery {
		t.Fatalf("replay progress called %d times for %d events", replayCalls, res.Events)
	}
}
