package record_test

import (
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// A run of four machines in three processes: 1 and 4 share the reference's
// process, 2 and 3 run elsewhere with clocks off by known skews. Every
// measurement is the true offset plus an error within its bound, as the
// probes guarantee; the axis must put each machine's start back on the
// reference clock within that bound.
func TestClocksPutEveryMachineOnTheReferenceClock(t *testing.T) {
	real := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	skew := map[core.MachineID]time.Duration{1: 0, 2: 3 * time.Second, 3: -1500 * time.Millisecond, 4: 0}
	// Each process started at a real instant; its StartWall is that
	// instant read on its own clock.
	realStart := map[core.MachineID]time.Time{1: real, 2: real.Add(2 * time.Second), 3: real.Add(700 * time.Millisecond), 4: real}
	meta := record.RunMeta{ID: "r", Started: real, Config: []core.MachineSpec{{ID: 4}, {ID: 2}, {ID: 1}, {ID: 3}}}
	for _, id := range []core.MachineID{1, 2, 3, 4} {
		meta.Machines = append(meta.Machines, record.MachineMeta{ID: id, StartWall: realStart[id].Add(skew[id])})
	}
	// measure is what a probe from a to b reports: b's clock minus a's,
	// off by err (within bound).
	measure := func(a, b core.MachineID, err, bound time.Duration) record.PeerClock {
		return record.PeerClock{Peer: b, Offset: skew[b] - skew[a] + err, Bound: bound}
	}
	ms := time.Millisecond
	// 2 measured the reference loosely, the reference measured 2 tightly:
	// the tighter one wins. 3 measured only itself; 1 did not measure 3.
	meta.Machines[0].Clocks = []record.PeerClock{measure(1, 2, 1*ms, 2*ms)}
	meta.Machines[1].Clocks = []record.PeerClock{measure(2, 1, 30*ms, 40*ms), measure(2, 3, 0, ms)}
	meta.Machines[2].Clocks = []record.PeerClock{measure(3, 1, -4*ms, 5*ms)}

	if ref := meta.Reference(); ref != 1 {
		t.Fatalf("reference %d, want the lowest id 1", ref)
	}
	if !meta.Synced() {
		t.Fatal("a run with measured clocks is not synced")
	}
	for _, c := range meta.Clocks() {
		want := skew[c.ID]
		if d := c.Offset - want; d > c.Bound || d < -c.Bound {
			t.Errorf("machine %d: offset %v ± %v, its clock is off by %v", c.ID, c.Offset, c.Bound, want)
		}
		if c.Measured != (c.ID == 2 || c.ID == 3) {
			t.Errorf("machine %d: measured %v", c.ID, c.Measured)
		}
		if c.ID == 2 && c.Bound != 2*ms {
			t.Errorf("machine 2: bound %v, want the reference's tighter 2ms", c.Bound)
		}
		got := meta.AxisStarts()[c.ID]
		if d := got.Sub(realStart[c.ID]); d > c.Bound || d < -c.Bound {
			t.Errorf("machine %d starts at %v on the axis, really at %v (bound %v)", c.ID, got, realStart[c.ID], c.Bound)
		}
	}
}

// A run on one clock (one process, or a simulation) keeps its times
// exactly: no machine is moved.
func TestARunOnOneClockIsNotMoved(t *testing.T) {
	started := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	meta := record.RunMeta{ID: "r", Started: started, Config: []core.MachineSpec{{ID: 1}, {ID: 2}},
		Machines: []record.MachineMeta{{ID: 1, StartWall: started}, {ID: 2, StartWall: started.Add(time.Second)}}}
	if meta.Synced() {
		t.Error("a run without measurements is synced")
	}
	for _, mm := range meta.Machines {
		if got := meta.AxisStarts()[mm.ID]; !got.Equal(mm.StartWall) {
			t.Errorf("machine %d moved from %v to %v", mm.ID, mm.StartWall, got)
		}
	}
}
