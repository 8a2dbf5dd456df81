package report_test

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// AnalyzeLogs of a simulation held in memory is, field for field, Analyze
// of the same run recorded, whether its entries come in the simulation's
// order or machine by machine: over 330 runs of the sweep's default grid, of
// unsorted and sparse machine ids, of every kind of fault (lost, dup,
// crash and restart, with the clock kept or reset) and of runs stopped
// part-way. The run is recorded by RecordSim, as 'lamport sim' records
// it, so this holds for a sweep whatever the recorder's path.
func TestAnalyzeLogsIsAnalyzeOfTheStoredRun(t *testing.T) {
	st := analysisStore(t)
	type variant struct {
		name     string
		ids      []core.MachineID
		set      func(*core.Params)
		duration time.Duration
		latency  string
		faults   func(seed uint64, d time.Duration) core.Faults
		stop     int // stop after this many Stop calls; 0: never
		seeds    int
	}
	none := func(uint64, time.Duration) core.Faults { return core.Faults{} }
	variants := []variant{
		{"original", []core.MachineID{1, 2, 3}, func(*core.Params) {}, time.Minute, replay.DefaultLatency, none, 0, 100},
		{"max-rate=2", []core.MachineID{1, 2, 3}, func(p *core.Params) { p.MaxRate = 2 }, time.Minute, replay.DefaultLatency, none, 0, 60},
		{"actions=4", []core.MachineID{1, 2, 3}, func(p *core.Params) { p.Actions = 4 }, time.Minute, replay.DefaultLatency, none, 0, 60},
		{"ids 9 2 5 40", []core.MachineID{9, 2, 5, 40}, func(*core.Params) {}, 30 * time.Second, "uniform:0s-3s", none, 0, 30},
		{"constant latency, ties", []core.MachineID{1, 2, 3, 4}, func(p *core.Params) { p.MinRate = 4; p.MaxRate = 4 }, 20 * time.Second, "constant:250ms", none, 0, 20},
		{"swarm faults", []core.MachineID{1, 2, 3, 4, 5}, func(*core.Params) {}, 2 * time.Minute, "exp:300ms", core.Swarm, 0, 40},
		{"stopped", []core.MachineID{1, 2, 3}, func(*core.Params) {}, 4 * time.Hour, replay.DefaultLatency, none, 2, 20},
	}
	kinds := map[string]bool{}
	for _, v := range variants {
		lat, err := replay.ParseLatency(v.latency)
		if err != nil {
			t.Fatal(err)
		}
		for k := range v.seeds {
			seed := uint64(1000 + k)
			params := core.DefaultParams(seed)
			v.set(&params)
			var cfg core.Config
			for _, id := range v.ids {
				cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: id, Host: "sim"})
			}
			calls := 0
			spec := replay.SimSpec{Params: params, Duration: v.duration, Latency: lat, Faults: v.faults(seed, v.duration)}
			if v.stop > 0 {
				spec.Stop = func() bool { calls++; return calls > v.stop }
			}
			run := replay.SimRun{RunID: fmt.Sprintf("logs-%d-%s", seed, safeName(v.name)), Config: cfg, Spec: spec, Started: analysisEpoch,
				Tool: "test", Options: map[string]string{"variant": v.name}}
			held := replay.SimulateHeld(run, nil)
			calls = 0
			if _, err := replay.RecordSim(st, run); (err == nil) != (held.Err == nil) || errors.Is(err, replay.ErrStopped) != held.Stopped() {
				t.Fatalf("%s seed %d: recorded: %v, held: %v", v.name, seed, err, held.Err)
			}
			stored, err := report.Analyze(st, run.RunID)
			if err != nil {
				t.Fatal(err)
			}
			meta, err := st.Run(run.RunID)
			if err != nil {
				t.Fatal(err)
			}
			status, ended := held.Ending(v.duration)
			if meta.Status != status || !meta.Ended.Equal(ended) {
				t.Errorf("%s seed %d: stored as %s at %v, held says %s at %v", v.name, seed, meta.Status, meta.Ended, status, ended)
			}
			// What the sweep hands AnalyzeLogs: the held metadata, ended.
			m := held.Meta
			m.Status, m.Ended, m.Schema = status, ended, record.SchemaVersion
			inMemory, err := report.AnalyzeLogs(m, held.Entries)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(stored)
			b, _ := json.Marshal(inMemory)
			if string(a) != string(b) {
				t.Fatalf("%s seed %d: the analysis from memory differs from the stored run's:\nstored    %s\nin memory %s", v.name, seed, a, b)
			}
			if report.FiguresOf(stored) != report.FiguresOf(inMemory) {
				t.Fatalf("%s seed %d: figures differ", v.name, seed)
			}
			// The same entries handed over machine by machine, not in
			// time order: the walk merges them, to the same analysis.
			regrouped := slices.Clone(held.Entries)
			slices.SortStableFunc(regrouped, func(x, y record.MachineEntry) int { return cmp.Compare(x.M, y.M) })
			merged, err := report.AnalyzeLogs(m, regrouped)
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := json.Marshal(merged); string(c) != string(a) {
				t.Fatalf("%s seed %d: the analysis of the entries machine by machine differs from the stored run's:\nstored %s\nmerged %s", v.name, seed, a, c)
			}
			kinds[string(meta.Status)] = true
			if stored.Lost > 0 {
				kinds["lost"] = true
			}
			if stored.Duplicated > 0 {
				kinds["dup"] = true
			}
			if stored.Crashes > 0 {
				kinds["crash"] = true
			}
		}
	}
	// The cases reached what they are there for.
	for _, k := range []string{"complete", "interrupted", "lost", "dup", "crash"} {
		if !kinds[k] {
			t.Errorf("no run had %s", k)
		}
	}
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}

// The walk in memory breaks ties as TimeWalk does, whatever order the
// machines' entries come in: here machine 2's entries come first, all at
// the same instants as machine 1's.
func TestAnalyzeLogsTiesGoToTheLowerID(t *testing.T) {
	meta := record.RunMeta{ID: "ties", Mode: "sim", Speed: 1, Status: record.StatusComplete, Started: analysisEpoch,
		Machines: []record.MachineMeta{{ID: 1, Rate: 2, StartWall: analysisEpoch}, {ID: 2, Rate: 1, StartWall: analysisEpoch}}}
	var entries []record.MachineEntry
	for i := uint64(1); i <= 4; i++ {
		entries = append(entries, record.MachineEntry{M: 2, E: evInternal(float64(i), i, 10*i)})
	}
	for i := uint64(1); i <= 4; i++ {
		entries = append(entries, record.MachineEntry{M: 1, E: evInternal(float64(i), i, i)})
	}
	a, err := report.AnalyzeLogs(meta, entries)
	if err != nil {
		t.Fatal(err)
	}
	// Machine 1 is the fastest; at each instant it goes first, so machine
	// 2's lag is 1-10, 2-20, ...: at most -9. Had machine 2 gone first, it
	// would have been 0-10, 1-20, ...: -10 at most.
	if got := a.Machines[1].Drift.MaxLag; got != -9 {
		t.Errorf("machine 2's max lag %d, want -9 (ties to the lower id)", got)
	}
}

// A run whose machines' clocks were measured against each other is
// refused: only the store's walk places them on one time axis.
func TestAnalyzeLogsRefusesASyncedRun(t *testing.T) {
	meta := record.RunMeta{ID: "synced", Mode: "live", Speed: 1, Status: record.StatusComplete, Started: analysisEpoch,
		Config: []core.MachineSpec{{ID: 1}, {ID: 2}},
		Machines: []record.MachineMeta{{ID: 1, Rate: 1, StartWall: analysisEpoch},
			{ID: 2, Rate: 1, StartWall: analysisEpoch, Clocks: []record.PeerClock{{Peer: 1, Offset: time.Millisecond, Bound: time.Millisecond}}}}}
	if !meta.Synced() {
		t.Fatal("the test's metadata is not synced")
	}
	if _, err := report.AnalyzeLogs(meta, nil); err == nil {
		t.Error("AnalyzeLogs analysed a run on several clocks")
	}
}
