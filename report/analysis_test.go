package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// analysisEpoch is when the analysis tests' runs start.
var analysisEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func analysisStore(t testing.TB) *record.Store {
	t.Helper()
	st, err := record.Open(filepath.Join(t.TempDir(), "analysis.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func secs(s float64) time.Duration { return time.Duration(math.Round(s*1000)) * time.Millisecond }

func evInternal(at float64, index, clock uint64) core.Entry {
	return core.Entry{At: secs(at), Event: core.Event{Index: index, Tick: index, Kind: core.KindInternal, Die: 7, Clock: clock}}
}

func evSend(at float64, index, clock, seq uint64, to ...core.MachineID) core.Entry {
	return core.Entry{At: secs(at), Event: core.Event{Index: index, Tick: index, Kind: core.KindSend, Die: 1, Clock: clock, To: to, FirstSeq: seq}}
}

func evRecv(at float64, index, clock uint64, queue int, m core.Message) core.Entry {
	return core.Entry{At: secs(at), Event: core.Event{Index: index, Tick: index, Kind: core.KindRecv, Clock: clock, Queue: queue, Msg: m}}
}

func evArrival(at float64, m core.Message) core.Entry {
	return core.Entry{At: secs(at), Arrival: true, Msg: m}
}

// The hand-built run: machine 1 ticks twice a second (the fastest),
// machine 2 once. Machine 2's process started 1 s after the run, so its
// offsets are 1 s smaller than the wall times in the comments.
//
//	wall  machine 1                          machine 2
//	0.5   internal c1
//	1.0   send 1:1 (c2) to 2                 internal c1
//	1.1                                      arrival 1:1          q 1
//	1.5   send 1:2 (c3) to 2
//	1.6                                      arrival 1:2          q 2
//	2.0   internal c4                        recv 1:1 c3 queue 1  jump 2
//	2.5   internal c5
//	3.0   internal c6                        recv 1:2 c4 queue 0
//	3.5   internal c7
//	4.0   internal c8                        send 2:1 (c5) to 1
//	4.1   arrival 2:1          q 1
//	4.5   recv 2:1 c9 queue 0
//	5.0   internal c10                       send 2:2 (c6) to 1
//	5.1   arrival 2:2          q 1 (left)
//	6.0                                      send 2:3 (c7) to 1 (in flight)
var (
	m1a, m1b              = core.Message{From: 1, Seq: 1, Clock: 2}, core.Message{From: 1, Seq: 2, Clock: 3}
	m2a, m2b              = core.Message{From: 2, Seq: 1, Clock: 5}, core.Message{From: 2, Seq: 2, Clock: 6}
	handLog1 []core.Entry = []core.Entry{
		evInternal(0.5, 1, 1), evSend(1.0, 2, 2, 1, 2), evSend(1.5, 3, 3, 2, 2), evInternal(2.0, 4, 4), evInternal(2.5, 5, 5),
		evInternal(3.0, 6, 6), evInternal(3.5, 7, 7), evInternal(4.0, 8, 8), evArrival(4.1, m2a), evRecv(4.5, 9, 9, 0, m2a),
		evInternal(5.0, 10, 10), evArrival(5.1, m2b),
	}
	handLog2 = []core.Entry{ // offsets = wall - 1 s
		evInternal(0.0, 1, 1), evArrival(0.1, m1a), evArrival(0.6, m1b), evRecv(1.0, 2, 3, 1, m1a), evRecv(2.0, 3, 4, 0, m1b),
		evSend(3.0, 4, 5, 1, 1), evSend(4.0, 5, 6, 2, 1), evSend(5.0, 6, 7, 3, 1),
	}
)

// buildRun records a run of the given logs; finished runs end 6 s after
// the start.
func buildRun(t testing.TB, st *record.Store, id string, finished bool, rates map[core.MachineID]int, starts map[core.MachineID]time.Duration, logs map[core.MachineID][]core.Entry) {
	t.Helper()
	buildRunAt(t, st, id, finished, 1, rates, starts, logs)
}

// buildRunAt is buildRun of a live run at speed.
func buildRunAt(t testing.TB, st *record.Store, id string, finished bool, speed float64, rates map[core.MachineID]int, starts map[core.MachineID]time.Duration, logs map[core.MachineID][]core.Entry) {
	t.Helper()
	cfg := core.RingConfig(len(logs), "127.0.0.1", 0)
	meta := record.RunMeta{ID: id, Seed: 42, Mode: "live", Params: core.DefaultParams(42), Speed: speed,
		Config: cfg.Machines, Fingerprint: core.Fingerprint(cfg.Machines, core.DefaultParams(42)), Started: analysisEpoch}
	for _, spec := range cfg.Machines {
		meta.Machines = append(meta.Machines, record.MachineMeta{ID: spec.ID, Rate: rates[spec.ID], StartWall: analysisEpoch.Add(starts[spec.ID])})
	}
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder(id, record.RecorderOptions{ChunkEntries: 3})
	if err != nil {
		t.Fatal(err)
	}
	for m, log := range logs {
		for _, e := range log {
			rec.Append(m, e)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if finished {
		if err := st.FinishRun(id, record.StatusComplete, analysisEpoch.Add(6*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

func handBuiltRun(t testing.TB, st *record.Store, id string, finished bool) {
	buildRun(t, st, id, finished, map[core.MachineID]int{1: 2, 2: 1}, map[core.MachineID]time.Duration{2: time.Second},
		map[core.MachineID][]core.Entry{1: handLog1, 2: handLog2})
}

func mustAnalyze(t testing.TB, st *record.Store, id string) report.Analysis {
	t.Helper()
	a, err := report.Analyze(st, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func nearly(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

func TestAnalyzeHandBuiltRun(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "hand", true)
	a := mustAnalyze(t, st, "hand")

	run := []struct {
		name      string
		got, want uint64
	}{
		{"events", a.Events, 16}, {"arrivals", a.Arrivals, 4}, {"sent", a.Sent, 5}, {"received", a.Received, 3},
		{"queued at end", a.Queued, 1}, {"in flight", a.InFlight, 1}, {"fastest", uint64(a.Fastest), 1},
		{"duration", uint64(a.Duration), uint64(6 * time.Second)},
	}
	for _, c := range run {
		if c.got != c.want {
			t.Errorf("run %s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if a.Run != "hand" || a.Mode != "live" || a.Seed != 42 || a.Status != "complete" || len(a.Machines) != 2 {
		t.Fatalf("run fields: %+v", a)
	}

	m1 := report.MachineAnalysis{
		ID: 1, Rate: 2, MeasuredRate: 10 / 5.1, Events: 10, Sends: 2, Recvs: 1, Internals: 7, Arrivals: 2,
		FinalClock: 10, Span: secs(5.1),
		Jumps: report.JumpStats{OverOne: 0, Mean: 1, P50: 1, P90: 1, P99: 1, Max: 1, Histogram: []report.Bucket{{Lo: 1, Hi: 1, Count: 10}}},
		Gaps:  report.GapStats{},
		// queue at its ticks 0 0 0 0 0 0 0 0 1 0: 2:1 waits at the receive.
		QueueAtTick:   report.QueueStats{Mean: 0.1, P99: 1, Max: 1},
		QueueNonEmpty: secs(0.4), QueueNonEmptyShare: 0.4 / 5.1,
		// clock = 2 t exactly.
		Drift:       report.DriftStats{Slope: 2, SlopeVsFastest: 0, MaxLag: 0, MeanLag: 0},
		QueuedAtEnd: 1,
	}
	m2 := report.MachineAnalysis{
		ID: 2, Rate: 1, MeasuredRate: 6 / 5.0, Events: 6, Sends: 3, Recvs: 2, Internals: 1, Arrivals: 2,
		FinalClock: 7, Span: secs(5),
		// jumps 1 2 1 1 1 1: nearest ranks 3 (p50), 6 (p90, p99).
		Jumps: report.JumpStats{OverOne: 1, Mean: 7.0 / 6, P50: 1, P90: 2, P99: 2, Max: 2,
			Histogram: []report.Bucket{{Lo: 1, Hi: 1, Count: 5}, {Lo: 2, Hi: 2, Count: 1}}},
		Gaps: report.GapStats{Total: 1, Max: 1},
		// queue at its ticks 0 2 1 0 0 0 (both 1:1 and 1:2 wait at the
		// first receive); non-empty from 1.1 to 3.0 wall.
		QueueAtTick:   report.QueueStats{Mean: 0.5, P99: 2, Max: 2},
		QueueNonEmpty: secs(1.9), QueueNonEmptyShare: 1.9 / 5,
		// (1,1) (2,3) (3,4) (4,5) (5,6) (6,7): slope 20/17.5. Machine 1's
		// clock at machine 2's events (ties: machine 1 first) is 2 4 6 8
		// 10 10: lags 1 1 2 3 4 3.
		Drift: report.DriftStats{Slope: 8.0 / 7, SlopeVsFastest: 8.0/7 - 2, MaxLag: 4, MeanLag: 14.0 / 6},
	}
	for i, want := range []report.MachineAnalysis{m1, m2} {
		got := a.Machines[i]
		floats := [][2]float64{{got.MeasuredRate, want.MeasuredRate}, {got.Jumps.Mean, want.Jumps.Mean},
			{got.QueueAtTick.Mean, want.QueueAtTick.Mean}, {got.QueueNonEmptyShare, want.QueueNonEmptyShare},
			{got.Drift.Slope, want.Drift.Slope}, {got.Drift.SlopeVsFastest, want.Drift.SlopeVsFastest}, {got.Drift.MeanLag, want.Drift.MeanLag}}
		for j, fl := range floats {
			if !nearly(fl[0], fl[1]) {
				t.Errorf("machine %d: float %d = %v, want %v", want.ID, j, fl[0], fl[1])
			}
		}
		// The floats agree; compare everything else exactly.
		got.MeasuredRate, got.Jumps.Mean, got.QueueAtTick.Mean, got.QueueNonEmptyShare = want.MeasuredRate, want.Jumps.Mean, want.QueueAtTick.Mean, want.QueueNonEmptyShare
		got.Drift.Slope, got.Drift.SlopeVsFastest, got.Drift.MeanLag = want.Drift.Slope, want.Drift.SlopeVsFastest, want.Drift.MeanLag
		if !reflect.DeepEqual(got, want) {
			t.Errorf("machine %d:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
	wantPairs := []report.Pair{{From: 1, To: 2, Sent: 2, Arrived: 2, Received: 2}, {From: 2, To: 1, Sent: 3, Arrived: 2, Received: 1}}
	if !reflect.DeepEqual(a.Pairs, wantPairs) {
		t.Errorf("pairs %+v, want %+v", a.Pairs, wantPairs)
	}
}

// A run still running (or left running by a crash) lasts until its last
// entry.
func TestAnalyzeRunningRunLastsUntilItsLastEntry(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "running", false)
	a := mustAnalyze(t, st, "running")
	if a.Status != "running" || a.Duration != 6*time.Second {
		t.Errorf("status %s duration %v, want running 6s (machine 2's last send, at 5 s on a clock started 1 s late)", a.Status, a.Duration)
	}
}

// Ties in wall time go to the lower machine id, so the fastest machine's
// event at the same instant counts before a slower machine's lag; with the
// fastest machine having the higher id, the slower one's event comes first.
func TestLagTiesGoToTheLowerID(t *testing.T) {
	st := analysisStore(t)
	fast := []core.Entry{evInternal(1, 1, 1), evInternal(2, 2, 2)}
	slow := []core.Entry{evInternal(1, 1, 1), evInternal(2, 2, 2)}
	buildRun(t, st, "fast-first", true, map[core.MachineID]int{1: 2, 2: 1}, nil, map[core.MachineID][]core.Entry{1: fast, 2: slow})
	buildRun(t, st, "slow-first", true, map[core.MachineID]int{1: 1, 2: 2}, nil, map[core.MachineID][]core.Entry{1: slow, 2: fast})
	for id, want := range map[string]struct {
		slow     int
		max      int64
		meanLag  float64
		fastest  core.MachineID
		slopeVsF float64
	}{
		"fast-first": {slow: 1, max: 0, meanLag: 0, fastest: 1},   // lags 0 0
		"slow-first": {slow: 0, max: -1, meanLag: -1, fastest: 2}, // fastest still at 0, then 1: lags -1 -1
	} {
		a := mustAnalyze(t, st, id)
		d := a.Machines[want.slow].Drift
		if a.Fastest != want.fastest || d.MaxLag != want.max || !nearly(d.MeanLag, want.meanLag) || d.SlopeVsFastest != 0 {
			t.Errorf("%s: fastest %d, drift %+v; want fastest %d, max lag %d, mean lag %v", id, a.Fastest, d, want.fastest, want.max, want.meanLag)
		}
	}
}

func TestAnalyzeUnknownRun(t *testing.T) {
	st := analysisStore(t)
	if _, err := report.Analyze(st, "nope"); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("Analyze of an unknown run: %v, want ErrNotFound", err)
	}
}

func TestWriteTextOfTheHandBuiltRun(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "hand", true)
	var b bytes.Buffer
	if err := report.WriteText(&b, mustAnalyze(t, st, "hand")); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	if want := "run hand  live  seed 42  complete  2 machines  6s  16 events  5 messages sent  1 still queued  1 in flight"; lines[0] != want {
		t.Errorf("header\n%q, want\n%q", lines[0], want)
	}
	rows := map[string]bool{}
	for _, l := range lines {
		rows[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, want := range []string{
		// machine rate events/s events send recv internal final queue-at-tick-mean p99 max non-empty left-at-end
		"1 2 1.96 10 2 1 7 10 0.100 1 1 7.8% 1",
		"2 1 1.20 6 3 2 1 7 0.500 2 2 38.0% 0",
		// machine jumps>1 mean p50 p90 p99 max gaps max-gap clock/s vs-fastest max-lag mean-lag
		"1 0 1.000 1 1 1 1 0 0 2.000 0.000 0 0.0",
		"2 1 1.167 1 2 2 2 1 1 1.143 -0.857 4 2.3",
		"machine 1: 1: 10",
		"machine 2: 1: 5 2: 1",
		"1 2 2 2 2",
		"2 1 3 2 1",
	} {
		if !rows[want] {
			t.Errorf("no line %q in\n%s", want, out)
		}
	}
	// The headers say which queue length, what the non-empty share is of,
	// and what vs fastest compares.
	for _, want := range []string{
		"queue at tick: mean  p99  max  non-empty (% of time)  left at end",
		"queue at tick: the messages waiting in a machine's queue when its tick came, before a receive takes one",
		"vs fastest: this machine's clock rate (clock units per second) minus the fastest machine's; the fastest is the one with the highest drawn tick rate (ties: the lowest id); negative = falling behind",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

// A live run at speed 2 runs two of the model's seconds every wall second:
// the same log then means half the events and clock units per second, and
// the report says so; counts, queues and lags do not change.
func TestPerSecondFiguresAreInTheModelsTime(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "real", true)
	buildRunAt(t, st, "fast", true, 2, map[core.MachineID]int{1: 2, 2: 1}, map[core.MachineID]time.Duration{2: time.Second},
		map[core.MachineID][]core.Entry{1: handLog1, 2: handLog2})
	real, fast := mustAnalyze(t, st, "real"), mustAnalyze(t, st, "fast")
	for i, r := range real.Machines {
		f := fast.Machines[i]
		if !nearly(f.MeasuredRate, r.MeasuredRate/2) || !nearly(f.Drift.Slope, r.Drift.Slope/2) || !nearly(f.Drift.SlopeVsFastest, r.Drift.SlopeVsFastest/2) {
			t.Errorf("machine %d at speed 2: events/s %v clock/s %v vs fastest %v; at speed 1 %v %v %v",
				f.ID, f.MeasuredRate, f.Drift.Slope, f.Drift.SlopeVsFastest, r.MeasuredRate, r.Drift.Slope, r.Drift.SlopeVsFastest)
		}
		if f.QueueAtTick != r.QueueAtTick || f.Drift.MaxLag != r.Drift.MaxLag || f.Events != r.Events {
			t.Errorf("machine %d: speed changed counts: %+v vs %+v", f.ID, f, r)
		}
	}
	var b bytes.Buffer
	if err := report.WriteText(&b, fast); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "speed 2: every per-second figure is per second of the model's time, wall seconds x 2") {
		t.Errorf("the report at speed 2 does not say what a second is:\n%s", b.String())
	}
	b.Reset()
	if err := report.WriteText(&b, real); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "per-second figure") {
		t.Errorf("the report at speed 1 explains speed:\n%s", b.String())
	}
}

func TestAnalysisJSONRoundTrips(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "hand", true)
	a := mustAnalyze(t, st, "hand")
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	// The queue object says which queue length it holds.
	if bytes.Contains(b, []byte(`"queue":`)) {
		t.Errorf("JSON has the ambiguous \"queue\" key:\n%s", b)
	}
	for _, key := range []string{`"queued_at_end":1`, `"in_flight_at_end":1`, `"queue_non_empty_share_of_time":`,
		`"queue_at_tick":{"mean":0.1,"p99":1,"max":1}`, `"queue_at_tick":{"mean":0.5,"p99":2,"max":2}`, `"queue_non_empty_ns":1900000000`, `"slope_vs_fastest":`, `"histogram":[{"lo":1,"hi":1,"count":10}]`, `"duration_ns":6000000000`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s:\n%s", key, b)
		}
	}
	var back report.Analysis
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, a) {
		t.Errorf("JSON round trip changed the analysis:\n got %+v\nwant %+v", back, a)
	}
}

// analysisSim records a sim run and returns the store's stats of it.
func analysisSim(t testing.TB, st *record.Store, id string, machines int, p core.Params, d time.Duration, latency string) replay.SimResult {
	t.Helper()
	lat, err := replay.ParseLatency(latency)
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RecordSim(st, replay.SimRun{RunID: id, Config: core.RingConfig(machines, "sim", 0), Started: analysisEpoch,
		Spec: replay.SimSpec{Params: p, Duration: d, Latency: lat}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Properties every analysis of a model run keeps, on simulated runs of
// several shapes, checked against the store's own stats and a plain scan.
func TestAnalysisPropertiesOnSimRuns(t *testing.T) {
	st := analysisStore(t)
	params := func(seed uint64, actions, lo, hi int) core.Params {
		p := core.DefaultParams(seed)
		p.Actions, p.MinRate, p.MaxRate = actions, lo, hi
		return p
	}
	cases := []struct {
		machines int
		p        core.Params
		d        time.Duration
		latency  string
	}{
		{2, core.DefaultParams(1), 2 * time.Minute, "exp:1ms"},
		{3, core.DefaultParams(7), 5 * time.Minute, "exp:1ms"},
		{3, params(8, 3, 1, 6), 3 * time.Minute, "uniform:1ms-400ms"},
		{4, params(9, 4, 1, 20), 2 * time.Minute, "exp:50ms"},
		{5, params(10, 10, 2, 3), 5 * time.Minute, "constant:2s"},
	}
	for i, c := range cases {
		id := fmt.Sprintf("sim%d", i)
		t.Run(id, func(t *testing.T) {
			analysisSim(t, st, id, c.machines, c.p, c.d, c.latency)
			a := mustAnalyze(t, st, id)
			stats, err := st.Stats(id)
			if err != nil {
				t.Fatal(err)
			}
			if len(stats) != len(a.Machines) || len(a.Machines) != c.machines {
				t.Fatalf("%d machines analyzed, %d in the store", len(a.Machines), len(stats))
			}
			// Independently: messages per sender from a plain scan, and the
			// queue at each tick counted by hand: an arrival adds one
			// message, a receive takes one, and a tick finds what is there.
			sentBy := map[core.MachineID]uint64{}
			var sentAll uint64
			atTick := map[core.MachineID][]uint64{}
			for _, s := range stats {
				waiting := uint64(0)
				if err := st.Scan(id, s.ID, func(e core.Entry) error {
					switch {
					case e.Arrival:
						waiting++
					case e.IsTick():
						atTick[s.ID] = append(atTick[s.ID], waiting)
						if e.Event.Kind == core.KindRecv {
							waiting--
						}
					}
					if !e.Arrival && e.Event.Kind == core.KindSend {
						sentBy[s.ID] += uint64(len(e.Event.To))
						sentAll += uint64(len(e.Event.To))
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			var queued, arrivals, recvs uint64
			for i, m := range a.Machines {
				s := stats[i]
				if m.ID != s.ID || m.Events != s.Events || m.Sends != s.Sends || m.Recvs != s.Recvs || m.Internals != s.Internals ||
					m.Arrivals != s.Arrivals || m.FinalClock != s.LastClock || m.Span != s.LastAt {
					t.Errorf("machine %d: %+v disagrees with the store's stats %+v", m.ID, m, s)
				}
				// Every jump is at least 1, so sum of jumps = events +
				// gaps, and it must equal the final clock.
				if m.Events+m.Gaps.Total != m.FinalClock || !nearly(m.Jumps.Mean*float64(m.Events), float64(m.FinalClock)) {
					t.Errorf("machine %d: jumps sum to %d + %d (mean %v), final clock %d", m.ID, m.Events, m.Gaps.Total, m.Jumps.Mean, m.FinalClock)
				}
				j := m.Jumps
				if !(1 <= j.P50 && j.P50 <= j.P90 && j.P90 <= j.P99 && j.P99 <= j.Max) || m.Gaps.Max+1 != j.Max {
					t.Errorf("machine %d: jumps %+v, gaps %+v", m.ID, j, m.Gaps)
				}
				if j.Mean < 1 || float64(j.Max) < j.Mean || (j.OverOne == 0) != (j.Max == 1) {
					t.Errorf("machine %d: jumps %+v", m.ID, j)
				}
				var inHist, overOne uint64
				for _, h := range j.Histogram {
					inHist += h.Count
					if h.Lo > 1 {
						overOne += h.Count
					}
				}
				if inHist != m.Events || overOne != j.OverOne {
					t.Errorf("machine %d: histogram holds %d events (%d over one), want %d (%d)", m.ID, inHist, overOne, m.Events, j.OverOne)
				}
				if want := bruteQueueStats(atTick[m.ID]); !nearly(m.QueueAtTick.Mean, want.Mean) || m.QueueAtTick.P99 != want.P99 || m.QueueAtTick.Max != want.Max {
					t.Errorf("machine %d: queue at tick %+v, counted by hand %+v", m.ID, m.QueueAtTick, want)
				}
				if m.Recvs > 0 && m.QueueAtTick.Max < 1 {
					t.Errorf("machine %d received %d messages, yet its queue at tick peaked at %d", m.ID, m.Recvs, m.QueueAtTick.Max)
				}
				if m.QueueNonEmptyShare < 0 || m.QueueNonEmptyShare > 1 || m.QueueNonEmpty > m.Span {
					t.Errorf("machine %d: queue non-empty %v (%v of time) over span %v", m.ID, m.QueueNonEmpty, m.QueueNonEmptyShare, m.Span)
				}
				if m.Recvs > 0 && m.QueueNonEmpty == 0 {
					t.Errorf("machine %d received %d messages, yet its queue was never non-empty", m.ID, m.Recvs)
				}
				if m.Drift.Slope <= 0 || (m.ID == a.Fastest && (m.Drift.MaxLag != 0 || m.Drift.MeanLag != 0 || m.Drift.SlopeVsFastest != 0)) {
					t.Errorf("machine %d (fastest %d): drift %+v", m.ID, a.Fastest, m.Drift)
				}
				if m.Rate > a.Machines[a.Fastest-1].Rate || (m.Rate == a.Machines[a.Fastest-1].Rate && m.ID < a.Fastest) {
					t.Errorf("machine %d (rate %d) should be the fastest, not %d", m.ID, m.Rate, a.Fastest)
				}
				queued += m.QueuedAtEnd
				arrivals += m.Arrivals
				recvs += m.Recvs
			}
			var pairSent, pairArrived, pairReceived uint64
			pairSentBy := map[core.MachineID]uint64{}
			for _, p := range a.Pairs {
				if p.Received > p.Arrived || p.Arrived > p.Sent || p.From == p.To {
					t.Errorf("pair %+v", p)
				}
				pairSent += p.Sent
				pairArrived += p.Arrived
				pairReceived += p.Received
				pairSentBy[p.From] += p.Sent
			}
			if pairSent != sentAll || a.Sent != sentAll || !reflect.DeepEqual(pairSentBy, sentBy) {
				t.Errorf("pairs sent %d (%v), analysis %d, scan %d (%v)", pairSent, pairSentBy, a.Sent, sentAll, sentBy)
			}
			if pairArrived != arrivals || pairReceived != recvs || a.Arrivals != arrivals || a.Received != recvs {
				t.Errorf("pairs arrived %d received %d; machines %d %d; run %d %d", pairArrived, pairReceived, arrivals, recvs, a.Arrivals, a.Received)
			}
			if a.Queued != queued || a.Queued != arrivals-recvs || a.InFlight != sentAll-arrivals || a.Duration != c.d {
				t.Errorf("run: queued %d in flight %d duration %v; want %d, %d, %v", a.Queued, a.InFlight, a.Duration, arrivals-recvs, sentAll-arrivals, c.d)
			}
		})
	}
}

// A 5-machine, 1-hour simulation (about 83 000
// events) in one streaming pass.
func TestAnalyzeFiveMachinesOneHour(t *testing.T) {
	if testing.Short() {
		t.Skip("records a one-hour simulation")
	}
	st := analysisStore(t)
	res := analysisSim(t, st, "hour", 5, core.DefaultParams(7), time.Hour, replay.DefaultLatency)
	a := mustAnalyze(t, st, "hour")
	if a.Events != res.Events || a.Events < 80_000 || len(a.Machines) != 5 || a.Duration != time.Hour {
		t.Fatalf("analyzed %d events of %d machines over %v, the simulation made %d", a.Events, len(a.Machines), a.Duration, res.Events)
	}
	// The slowest machine receives the most and so jumps the most.
	slowest := a.Machines[0]
	for _, m := range a.Machines {
		if m.Rate < slowest.Rate {
			slowest = m
		}
	}
	fastest := a.Machines[a.Fastest-1]
	if slowest.Jumps.Mean <= fastest.Jumps.Mean || slowest.Drift.MeanLag <= 0 {
		t.Errorf("slowest machine %d jumps %+v drift %+v; fastest %d jumps %+v", slowest.ID, slowest.Jumps, slowest.Drift, fastest.ID, fastest.Jumps)
	}
}

func BenchmarkAnalyze5Machines1Hour(b *testing.B) {
	st := analysisStore(b)
	res := analysisSim(b, st, "hour", 5, core.DefaultParams(7), time.Hour, replay.DefaultLatency)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Analyze(st, "hour"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// The standard load for the streaming readers: 100 machines for an hour.
func BenchmarkAnalyze100Machines1Hour(b *testing.B) {
	st := analysisStore(b)
	res := analysisSim(b, st, "hour", 100, core.DefaultParams(7), time.Hour, replay.DefaultLatency)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Analyze(st, "hour"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// bruteQueueStats is QueueStats of values the slow way: the mean, the
// nearest-rank 99th percentile of the sorted values, and the largest.
func bruteQueueStats(values []uint64) report.QueueStats {
	if len(values) == 0 {
		return report.QueueStats{}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	var sum float64
	for _, v := range sorted {
		sum += float64(v)
	}
	rank := int(math.Ceil(0.99 * float64(len(sorted))))
	return report.QueueStats{Mean: sum / float64(len(sorted)), P99: sorted[rank-1], Max: sorted[len(sorted)-1]}
}
