package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

func mustDiff(t testing.TB, a, b *record.Store, runA, runB string, opt replay.DiffOptions) replay.DiffResult {
	t.Helper()
	res, err := replay.Diff(a, b, runA, runB, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func diffReport(t testing.TB, res replay.DiffResult) string {
	t.Helper()
	var buf bytes.Buffer
	if err := replay.WriteDiffReport(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func withActions(p core.Params, actions int) core.Params {
	p.Actions = actions
	return p
}

// diffFixtures records the small runs the golden and property tests
// compare: 3 machines for 20 virtual seconds unless the name says else.
func diffFixtures(t testing.TB) *record.Store {
	t.Helper()
	st := tempStore(t)
	recordSim(t, st, "seed7", 3, core.DefaultParams(7), 20*time.Second, "constant:1ms")
	recordSim(t, st, "seed7-again", 3, core.DefaultParams(7), 20*time.Second, "constant:1ms")
	recordSim(t, st, "seed8", 3, core.DefaultParams(8), 20*time.Second, "constant:1ms")
	recordSim(t, st, "seed7-actions5", 3, withActions(core.DefaultParams(7), 5), 20*time.Second, "constant:1ms")
	recordSim(t, st, "seed7-15s", 3, core.DefaultParams(7), 15*time.Second, "constant:1ms")
	recordSim(t, st, "seed7-4machines", 4, core.DefaultParams(7), 20*time.Second, "constant:1ms")
	return st
}

// Golden output of the text report: the same seed twice, another seed,
// other actions, a shorter run, and a run with one more machine.
func TestDiffReportGolden(t *testing.T) {
	st := diffFixtures(t)
	cases := []struct {
		golden, a, b string
		identical    bool
	}{
		{"identical.golden", "seed7", "seed7-again", true},
		{"seed-7-vs-8.golden", "seed7", "seed8", false},
		{"actions-10-vs-5.golden", "seed7", "seed7-actions5", false},
		{"shorter.golden", "seed7", "seed7-15s", false},
		{"extra-machine.golden", "seed7", "seed7-4machines", false},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			res := mustDiff(t, st, st, c.a, c.b, replay.DiffOptions{})
			if res.Identical() != c.identical {
				t.Fatalf("%s vs %s: Identical() = %v", c.a, c.b, res.Identical())
			}
			checkGolden(t, "diff/"+c.golden, []byte(diffReport(t, res)))
		})
	}
}

func TestDiffOfARunWithItselfIsIdentical(t *testing.T) {
	st := tempStore(t)
	for i, seed := range []uint64{1, 7, 42, 1 << 40} {
		id := "self-" + string(rune('a'+i))
		sim := recordSim(t, st, id, 2+i, withActions(core.DefaultParams(seed), 3+i), time.Minute, "exp:5ms")
		res := mustDiff(t, st, st, id, id, replay.DiffOptions{})
		if !res.Identical() || res.Differing != 0 || res.First != nil {
			t.Fatalf("seed %d: a run vs itself: identical=%v differing=%d first=%+v", seed, res.Identical(), res.Differing, res.First)
		}
		if len(res.Machines) != 2+i || res.A.Events != sim.Events || res.B.Events != sim.Events {
			t.Fatalf("seed %d: %d machines, events %d/%d, simulated %d", seed, len(res.Machines), res.A.Events, res.B.Events, sim.Events)
		}
		for j, m := range res.Machines {
			want := sim.Stats[j]
			if m.ID != want.ID || m.Differing != 0 || m.MaxClockDiff != 0 || m.EventsA != want.Events || m.EventsB != want.Events ||
				m.FinalClockA != want.LastClock || m.FinalClockB != want.LastClock {
				t.Fatalf("seed %d: machine %+v, stats %+v", seed, m, want)
			}
		}
		if res.A.MaxJump < 1 || res.A.MeanJump < 1 || res.A != res.B {
			t.Fatalf("seed %d: summaries A %+v B %+v", seed, res.A, res.B)
		}
		if got := diffReport(t, res); !strings.HasPrefix(got, "identical: ") {
			t.Fatalf("seed %d: report starts %q", seed, strings.SplitN(got, "\n", 2)[0])
		}
	}
}

func TestDiffIsSymmetric(t *testing.T) {
	st := diffFixtures(t)
	for _, pair := range [][2]string{
		{"seed7", "seed7-again"}, {"seed7", "seed8"}, {"seed7", "seed7-actions5"},
		{"seed7", "seed7-15s"}, {"seed7", "seed7-4machines"}, {"seed8", "seed7-actions5"},
	} {
		ab := mustDiff(t, st, st, pair[0], pair[1], replay.DiffOptions{})
		ba := mustDiff(t, st, st, pair[1], pair[0], replay.DiffOptions{})
		if ab.Identical() != ba.Identical() || ab.Differing != ba.Differing || len(ab.Machines) != len(ba.Machines) {
			t.Fatalf("%v: A vs B identical=%v differing=%d machines=%d; B vs A %v %d %d", pair,
				ab.Identical(), ab.Differing, len(ab.Machines), ba.Identical(), ba.Differing, len(ba.Machines))
		}
		for i, m := range ab.Machines {
			r := ba.Machines[i]
			if m.ID != r.ID || m.Differing != r.Differing || m.MaxClockDiff != r.MaxClockDiff ||
				m.EventsA != r.EventsB || m.EventsB != r.EventsA || m.FinalClockA != r.FinalClockB || m.InA != r.InB {
				t.Fatalf("%v: machine A vs B %+v, B vs A %+v", pair, m, r)
			}
		}
		if ab.A.Run != ba.B.Run || ab.A.Events != ba.B.Events || ab.A.MaxJump != ba.B.MaxJump || ab.A.MaxQueueAtTick != ba.B.MaxQueueAtTick {
			t.Fatalf("%v: run summaries not swapped: %+v vs %+v", pair, ab.A, ba.B)
		}
		if (ab.First == nil) != (ba.First == nil) {
			t.Fatalf("%v: first difference only one way", pair)
		}
		if ab.First != nil {
			f, g := ab.First, ba.First
			if f.Machine != g.Machine || f.Index != g.Index || details(f.A) != details(g.B) || details(f.B) != details(g.A) {
				t.Fatalf("%v: first A vs B %+v, B vs A %+v", pair, f, g)
			}
		}
	}
}

func details(ev *replay.DiffEvent) string {
	if ev == nil {
		return "<none>"
	}
	return ev.Details
}

// A copy of a run with exactly one event's clock changed differs at that
// event and nowhere else.
func TestDiffFindsOneChangedClock(t *testing.T) {
	const seed = 20261128
	t.Logf("target seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	st := tempStore(t)
	sim := recordSim(t, st, "orig", 4, core.DefaultParams(11), 30*time.Second, "exp:3ms")
	for trial := range 8 {
		ms := sim.Stats[rng.IntN(len(sim.Stats))]
		target := ms.ID
		index := 1 + rng.Uint64N(ms.Events)
		if trial == 0 {
			index = 1 // the edges too
		} else if trial == 1 {
			index = ms.Events
		}
		delta := uint64(1 + rng.IntN(5))
		id := "changed-" + string(rune('a'+trial))
		changed := false
		copyRun(t, st, "orig", id, record.StatusComplete, func(m core.MachineID, e *core.Entry) bool {
			if m == target && !e.Arrival && e.Event.Index == index {
				e.Event.Clock += delta
				changed = true
			}
			return true
		})
		if !changed {
			t.Fatalf("machine %d has no event %d", target, index)
		}
		res := mustDiff(t, st, st, "orig", id, replay.DiffOptions{})
		if res.Identical() || res.First == nil || res.First.Machine != target || res.First.Index != index {
			t.Fatalf("clock of machine %d event %d changed by %d: first %+v", target, index, delta, res.First)
		}
		if res.First.Reason != "clock differs: A "+u(res.First.A.Clock)+", B "+u(res.First.A.Clock+delta) {
			t.Fatalf("reason %q", res.First.Reason)
		}
		if want := min(int(index-1), replay.DefaultDiffContext); len(res.First.Before) != want {
			t.Fatalf("%d events of context before event %d, want %d", len(res.First.Before), index, want)
		}
		for i, ev := range res.First.Before {
			if ev.Index != index-uint64(len(res.First.Before)-i) {
				t.Fatalf("context event %d has index %d before event %d", i, ev.Index, index)
			}
		}
		for _, m := range res.Machines {
			wantDiffering, wantMax := uint64(0), uint64(0)
			if m.ID == target {
				wantDiffering, wantMax = 1, delta
			}
			if m.Differing != wantDiffering || m.MaxClockDiff != wantMax || m.EventsA != m.EventsB {
				t.Fatalf("machine %d after changing machine %d event %d: %+v", m.ID, target, index, m)
			}
		}
		if res.Differing != 1 {
			t.Fatalf("%d events differ, want 1", res.Differing)
		}
		if !strings.HasPrefix(diffReport(t, res), "different: first at machine "+u(uint64(target))+", event "+u(index)+"\n") {
			t.Fatalf("report:\n%s", diffReport(t, res))
		}
	}
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// copyAs records run src of from again as run dst of to, with meta
// changed by editMeta and every entry passed through edit.
func copyAs(t testing.TB, from, to *record.Store, src, dst string, editMeta func(*record.RunMeta), edit func(core.MachineID, *core.Entry)) {
	t.Helper()
	meta, err := from.Run(src)
	if err != nil {
		t.Fatal(err)
	}
	meta.ID = dst
	editMeta(&meta)
	if err := to.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := to.NewRecorder(dst, record.RecorderOptions{ChunkEntries: 7})
	if err != nil {
		t.Fatal(err)
	}
	err = from.View(src, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				edit(id, &e)
				rec.Append(id, e)
			}
			if err := it.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := to.FinishRun(dst, record.StatusComplete, meta.Started.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// A sim run and the same events recorded as a live run, in another store,
// at another time, with other offsets and chunking, are identical.
func TestDiffAcrossModesAndStores(t *testing.T) {
	simStore, liveStore := tempStore(t), tempStore(t)
	recordSim(t, simStore, "sim-run", 3, core.DefaultParams(7), time.Minute, "exp:2ms")
	copyAs(t, simStore, liveStore, "sim-run", "live-run", func(m *record.RunMeta) {
		m.Mode, m.Speed = "live", 20
		m.Started = m.Started.Add(400 * 24 * time.Hour)
		for i := range m.Machines {
			m.Machines[i].StartWall = m.Started.Add(time.Duration(i) * time.Millisecond)
		}
	}, func(_ core.MachineID, e *core.Entry) {
		e.At = e.At/20 + 37*time.Microsecond
	})
	res := mustDiff(t, simStore, liveStore, "sim-run", "live-run", replay.DiffOptions{})
	if !res.Identical() || res.A.Mode != "sim" || res.B.Mode != "live" || res.A.Events == 0 {
		t.Fatalf("sim vs live copy: identical=%v modes %s/%s events %d first %+v", res.Identical(), res.A.Mode, res.B.Mode, res.A.Events, res.First)
	}
	// The control: the same copy with one receive's message clock changed
	// is not identical, so the comparison above looked at the events.
	copyAs(t, simStore, liveStore, "sim-run", "live-bad", func(m *record.RunMeta) { m.Mode = "live" }, func(id core.MachineID, e *core.Entry) {
		if id == 3 && !e.Arrival && e.Event.Index == 40 {
			e.Event.Msg.Clock++
		}
	})
	bad := mustDiff(t, simStore, liveStore, "sim-run", "live-bad", replay.DiffOptions{})
	if bad.Identical() || bad.First == nil || bad.First.Machine != 3 || bad.First.Index != 40 || bad.Differing != 1 {
		t.Fatalf("a changed message clock: first %+v, %d differing", bad.First, bad.Differing)
	}
}

func TestDiffContextOption(t *testing.T) {
	st := diffFixtures(t)
	base := mustDiff(t, st, st, "seed7", "seed7-15s", replay.DiffOptions{})
	if base.First == nil || base.First.Index < 12 {
		t.Fatalf("want a late first difference, got %+v", base.First)
	}
	for _, c := range []struct{ context, want int }{{0, replay.DefaultDiffContext}, {-1, 0}, {1, 1}, {10, 10}, {1 << 20, int(base.First.Index - 1)}} {
		res := mustDiff(t, st, st, "seed7", "seed7-15s", replay.DiffOptions{Context: c.context})
		if len(res.First.Before) != c.want {
			t.Fatalf("Context %d: %d events before, want %d", c.context, len(res.First.Before), c.want)
		}
		if c.want > 0 && res.First.Before[c.want-1].Index != res.First.Index-1 {
			t.Fatalf("Context %d: the last event before has index %d, first difference %d", c.context, res.First.Before[c.want-1].Index, res.First.Index)
		}
	}
}

// A machine that one run lists without events still makes the runs differ.
func TestDiffMachineWithoutEventsOnlyInOneRun(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "three", 3, core.DefaultParams(5), 10*time.Second, "constant:1ms")
	copyAs(t, st, st, "three", "three-plus", func(m *record.RunMeta) {
		m.Machines = append(m.Machines, record.MachineMeta{ID: 9, Rate: 1, StartWall: m.Started})
	}, func(core.MachineID, *core.Entry) {})
	res := mustDiff(t, st, st, "three", "three-plus", replay.DiffOptions{})
	if res.Identical() || res.First != nil || res.Differing != 0 || len(res.Machines) != 4 || res.Machines[3].InA || !res.Machines[3].InB {
		t.Fatalf("identical=%v first=%+v machines %+v", res.Identical(), res.First, res.Machines)
	}
	if got := diffReport(t, res); !strings.HasPrefix(got, "different: machine 9 is only in B (0 events)\n") {
		t.Fatalf("report:\n%s", got)
	}
}

func TestDiffUnknownRunIsNotFound(t *testing.T) {
	st := diffFixtures(t)
	for _, ids := range [][2]string{{"nope", "seed7"}, {"seed7", "nope"}} {
		_, err := replay.Diff(st, st, ids[0], ids[1], replay.DiffOptions{})
		if !errors.Is(err, record.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("%v: error %v", ids, err)
		}
	}
}

func TestDiffResultJSON(t *testing.T) {
	st := diffFixtures(t)
	res := mustDiff(t, st, st, "seed7", "seed8", replay.DiffOptions{})
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Identical *bool `json:"identical"`
		A         struct {
			Run      string  `json:"run"`
			Seed     uint64  `json:"seed"`
			MeanJump float64 `json:"mean_jump"`
		} `json:"a"`
		Machines []struct {
			ID        core.MachineID `json:"id"`
			Differing uint64         `json:"differing"`
			EventsB   uint64         `json:"events_b"`
		} `json:"machines"`
		Differing uint64 `json:"differing"`
		First     struct {
			Machine core.MachineID `json:"machine"`
			Index   uint64         `json:"index"`
			A       struct {
				Kind    string `json:"kind"`
				Details string `json:"details"`
			} `json:"a"`
		} `json:"first"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Identical == nil || *got.Identical || got.A.Run != "seed7" || got.A.Seed != 7 || got.A.MeanJump != res.A.MeanJump ||
		len(got.Machines) != 3 || got.Machines[2].Differing != res.Machines[2].Differing || got.Machines[2].EventsB != res.Machines[2].EventsB ||
		got.Differing != res.Differing || got.First.Machine != res.First.Machine || got.First.Index != res.First.Index ||
		got.First.A.Kind != res.First.A.Kind || got.First.A.Details != res.First.A.Details {
		t.Fatalf("JSON does not carry the result:\n%s", data)
	}
	same := mustDiff(t, st, st, "seed7", "seed7-again", replay.DiffOptions{})
	if data, _ := json.Marshal(same); !bytes.Contains(data, []byte(`"identical":true`)) || !bytes.Contains(data, []byte(`"first":null`)) {
		t.Fatalf("identical JSON:\n%s", data)
	}
}

func TestSameEvent(t *testing.T) {
	base := core.Event{Index: 4, Tick: 4, Kind: core.KindSend, Die: 3, Clock: 9, To: []core.MachineID{2, 3}, FirstSeq: 5}
	if !replay.SameEvent(base, base) {
		t.Fatal("an event differs from itself")
	}
	moved := base
	moved.Index, moved.Tick = 8, 9
	if !replay.SameEvent(base, moved) {
		t.Fatal("index and tick must not matter")
	}
	recv := core.Event{Kind: core.KindRecv, Clock: 9, Queue: 1, Msg: core.Message{From: 2, Seq: 3, Clock: 8}}
	for name, change := range map[string]func(*core.Event){
		"kind":      func(e *core.Event) { e.Kind = core.KindInternal },
		"die":       func(e *core.Event) { e.Die++ },
		"clock":     func(e *core.Event) { e.Clock++ },
		"queue":     func(e *core.Event) { e.Queue++ },
		"to":        func(e *core.Event) { e.To = []core.MachineID{3, 2} },
		"first seq": func(e *core.Event) { e.FirstSeq++ },
		"msg from":  func(e *core.Event) { e.Msg.From = 1 },
		"msg clock": func(e *core.Event) { e.Msg.Clock++ },
	} {
		for _, ev := range []core.Event{base, recv} {
			other := ev
			other.To = append([]core.MachineID(nil), ev.To...)
			change(&other)
			if replay.SameEvent(ev, other) {
				t.Errorf("a changed %s is the same event: %+v vs %+v", name, ev, other)
			}
		}
	}
	empty := core.Event{Kind: core.KindInternal, Die: 5, Clock: 1, To: []core.MachineID{}}
	if !replay.SameEvent(empty, core.Event{Kind: core.KindInternal, Die: 5, Clock: 1}) {
		t.Fatal("an empty and a nil To differ")
	}
}
