package report_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// hbGraph is the happened-before relation of a recorded run, built
// independently of VectorClocks: one node per event, program-order edges
// between a machine's consecutive events and an edge from every send to
// every receive of one of its messages (matched by message id), and
// reachability by a search from every node.
type hbGraph struct {
	nodes []hbNode
	node  map[report.EventRef]int
	// reach[u][v]: a path of one or more edges leads from u to v.
	reach [][]bool
	// sendOf: the node of the send of each message id.
	sendOf map[core.Message]int
}

type hbNode struct {
	ref   report.EventRef
	event core.Event
}

func buildHB(t *testing.T, st *record.Store, runID string) *hbGraph {
	t.Helper()
	g := &hbGraph{node: map[report.EventRef]int{}, sendOf: map[core.Message]int{}}
	err := st.View(runID, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				if !e.IsTick() {
					continue
				}
				ev := e.Event
				ev.To = append([]core.MachineID(nil), ev.To...)
				ref := report.EventRef{Machine: id, Index: ev.Index}
				g.node[ref] = len(g.nodes)
				g.nodes = append(g.nodes, hbNode{ref, ev})
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
	succ := make([][]int, len(g.nodes))
	for i, n := range g.nodes {
		if j, ok := g.node[report.EventRef{Machine: n.ref.Machine, Index: n.ref.Index + 1}]; ok {
			succ[i] = append(succ[i], j)
		}
		for k := range n.event.To {
			m := n.event.Message(n.ref.Machine, k)
			g.sendOf[core.Message{From: m.From, Seq: m.Seq}] = i
		}
	}
	for j, n := range g.nodes {
		if n.event.Kind == core.KindRecv {
			i, ok := g.sendOf[core.Message{From: n.event.Msg.From, Seq: n.event.Msg.Seq}]
			if !ok {
				t.Fatalf("run %s: %s receives %s, which nobody sends", runID, n.ref, n.event.Msg.ID())
			}
			succ[i] = append(succ[i], j)
		}
	}
	g.reach = make([][]bool, len(g.nodes))
	for u := range g.nodes {
		seen := make([]bool, len(g.nodes))
		stack := append([]int(nil), succ[u]...)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[v] {
				continue
			}
			seen[v] = true
			stack = append(stack, succ[v]...)
		}
		g.reach[u] = seen
	}
	return g
}

// counts enumerates every pair of events on different machines.
func (g *hbGraph) counts() report.Causality {
	var c report.Causality
	for u := range g.nodes {
		for v := u + 1; v < len(g.nodes); v++ {
			if g.nodes[u].ref.Machine == g.nodes[v].ref.Machine {
				continue
			}
			c.CrossPairs++
			if g.reach[u][v] || g.reach[v][u] {
				c.Ordered++
			} else {
				c.Concurrent++
			}
			if g.nodes[u].event.Clock == g.nodes[v].event.Clock {
				c.EqualClockPairs++
			}
		}
	}
	return c
}

// faultsFor picks one of the fault mixes by seed: none; drops and
// duplicates; a crash whose machine keeps its clock; one that resets it;
// a partition; everything at once.
func faultsFor(rng *rand.Rand, kind, machines int, d time.Duration) (core.Faults, string) {
	crash := core.Crash{ID: core.MachineID(1 + rng.IntN(machines)), From: d / 4, To: d / 2}
	part := core.Partition{A: 1, B: core.MachineID(2 + rng.IntN(machines-1)), From: d / 5, To: d * 3 / 5}
	switch kind {
	case 1:
		return core.Faults{Drop: 0.2, Dup: 0.2}, "drop+dup"
	case 2:
		return core.Faults{Crashes: []core.Crash{crash}}, "crash keep"
	case 3:
		return core.Faults{Crashes: []core.Crash{crash}, ResetClock: true}, "crash reset"
	case 4:
		return core.Faults{Partitions: []core.Partition{part}}, "partition"
	case 5:
		return core.Faults{Drop: 0.1, Dup: 0.2, Partitions: []core.Partition{part}, Crashes: []core.Crash{crash},
			RandomCrashes: core.Clog{Every: d / 2, For: d / 10}, ResetClock: rng.IntN(2) == 0}, "all"
	}
	return core.Faults{}, "none"
}

// causalRun records a small simulated run of seed with faults.
func causalRun(t *testing.T, st *record.Store, seed uint64) (string, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	machines := 2 + rng.IntN(4)
	d := time.Duration(2+rng.IntN(7)) * time.Second
	faults, name := faultsFor(rng, int(seed%6), machines, d)
	p := core.DefaultParams(seed)
	p.Actions = 3 + rng.IntN(8) // more or fewer messages
	lat, err := replay.ParseLatency([]string{"exp:1ms", "exp:300ms", "uniform:10ms-900ms"}[rng.IntN(3)])
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("seed%d", seed)
	// Half the runs record their faults in the options, as 'lamport sim'
	// does; the others leave the count to find a reset by itself.
	opts := map[string]string{}
	if seed%4 < 2 {
		for _, kv := range faults.Options() {
			opts[kv[0]] = kv[1]
		}
	}
	_, err = replay.RecordSim(st, replay.SimRun{RunID: id, Config: core.RingConfig(machines, "sim", 0), Started: analysisEpoch, Options: opts,
		Spec: replay.SimSpec{Params: p, Duration: d, Latency: lat, Faults: faults}})
	if err != nil {
		t.Fatalf("seed %d (%s): %v", seed, name, err)
	}
	return id, fmt.Sprintf("seed %d, %d machines, %v, faults %s", seed, machines, d, name)
}

func TestCausalityMatchesBruteForceReachability(t *testing.T) {
	st := analysisStore(t)
	seeds := uint64(200)
	if testing.Short() {
		seeds = 30
	}
	kinds := map[string]bool{}
	for seed := uint64(1); seed <= seeds; seed++ {
		id, what := causalRun(t, st, seed)
		want := buildHB(t, st, id).counts()
		a, err := report.AnalyzeWithCausality(st, id, 0)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if a.Causality == nil {
			t.Fatalf("%s: no causality figures: %s", what, a.CausalityNote)
		}
		if *a.Causality != want {
			t.Errorf("%s: got %+v, brute force %+v", what, *a.Causality, want)
		}
		if want.Ordered > 0 && want.Concurrent > 0 && want.EqualClockPairs > 0 {
			kinds[what[len(what)-8:]] = true
		}
	}
	if len(kinds) < 3 {
		t.Errorf("too few runs had ordered, concurrent and equal-clock pairs at once: %v", kinds)
	}
}

// TestWhyMatchesBruteForceReachability asks Explain about random pairs of
// events and checks the verdict against the graph, and that the chain is
// a path of the graph from the earlier event to the later.
func TestWhyMatchesBruteForceReachability(t *testing.T) {
	st := analysisStore(t)
	seeds := uint64(200)
	if testing.Short() {
		seeds = 30
	}
	verdicts := map[report.Verdict]int{}
	for seed := uint64(1); seed <= seeds; seed++ {
		id, what := causalRun(t, st, seed)
		g := buildHB(t, st, id)
		if len(g.nodes) == 0 {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		for range 12 {
			u, v := rng.IntN(len(g.nodes)), rng.IntN(len(g.nodes))
			if rng.IntN(6) == 0 {
				v = u
			}
			a, b := g.nodes[u].ref, g.nodes[v].ref
			var w report.Why
			err := st.View(id, func(r *record.Reader) error {
				var err error
				w, err = report.Explain(r, a, b)
				return err
			})
			if err != nil {
				t.Fatalf("%s: why %s %s: %v", what, a, b, err)
			}
			want := report.Concurrent
			switch {
			case u == v:
				want = report.Same
			case g.reach[u][v]:
				want = report.ABeforeB
			case g.reach[v][u]:
				want = report.BBeforeA
			}
			verdicts[want]++
			if w.Verdict != want {
				t.Errorf("%s: why %s %s = %s, brute force %s", what, a, b, w.Verdict, want)
				continue
			}
			if w.EntryA.Event.Index != a.Index || w.EntryA.Event.Clock != g.nodes[u].event.Clock ||
				w.EntryB.Event.Index != b.Index || w.EntryB.Event.Clock != g.nodes[v].event.Clock {
				t.Errorf("%s: why %s %s: entries %+v %+v", what, a, b, w.EntryA.Event, w.EntryB.Event)
			}
			checkChain(t, g, what, w, u, v)
		}
	}
	for _, v := range []report.Verdict{report.Same, report.ABeforeB, report.BBeforeA, report.Concurrent} {
		if verdicts[v] == 0 {
			t.Errorf("no pair was %s: %v", v, verdicts)
		}
	}
}

func checkChain(t *testing.T, g *hbGraph, what string, w report.Why, u, v int) {
	t.Helper()
	from, to := u, v
	switch w.Verdict {
	case report.Same, report.Concurrent:
		if len(w.Chain) != 0 {
			t.Errorf("%s: why %s %s (%s) has a chain of %d", what, w.A, w.B, w.Verdict, len(w.Chain))
		}
		return
	case report.BBeforeA:
		from, to = v, u
	case report.ABeforeB:
	}
	if len(w.Chain) < 2 {
		t.Fatalf("%s: why %s %s: chain of %d", what, w.A, w.B, len(w.Chain))
	}
	ref := func(h report.Hop) report.EventRef {
		return report.EventRef{Machine: h.Machine, Index: h.Entry.Event.Index}
	}
	if ref(w.Chain[0]) != g.nodes[from].ref || ref(w.Chain[len(w.Chain)-1]) != g.nodes[to].ref {
		t.Errorf("%s: why %s %s: chain runs %s to %s", what, w.A, w.B, ref(w.Chain[0]), ref(w.Chain[len(w.Chain)-1]))
	}
	for i := 1; i < len(w.Chain); i++ {
		p, h := w.Chain[i-1], w.Chain[i]
		pn, ok1 := g.node[ref(p)]
		hn, ok2 := g.node[ref(h)]
		if !ok1 || !ok2 || g.nodes[hn].event.Clock != h.Entry.Event.Clock {
			t.Fatalf("%s: hop %s -> %s is not two recorded events", what, ref(p), ref(h))
		}
		switch h.Via {
		case "program order":
			if p.Machine != h.Machine || h.Entry.Event.Index <= p.Entry.Event.Index {
				t.Errorf("%s: hop %s -> %s is not program order", what, ref(p), ref(h))
			}
		case "message":
			ev := g.nodes[hn].event
			if ev.Kind != core.KindRecv || g.sendOf[core.Message{From: ev.Msg.From, Seq: ev.Msg.Seq}] != pn {
				t.Errorf("%s: hop %s -> %s is not a message from the send to its receive", what, ref(p), ref(h))
			}
		default:
			t.Errorf("%s: hop %d via %q", what, i, h.Via)
		}
	}
}

func TestCausalityOfWhatCannotBeDerived(t *testing.T) {
	st := tempStore(t)
	lost := append([]core.Entry(nil), handM2...)
	lost[2].Event.Msg.Seq = 7 // m2 receives 1:7, which m1 never sends
	handRun(t, st, "lost", lost)
	recordSim(t, st, "whole", 3, 1, 5*time.Second, "exp:5ms")
	copyRun(t, st, "whole", "part", func(m *record.RunMeta) { m.Machines = m.Machines[:2] })
	for id, note := range map[string]string{"lost": "the recording was cut before some message's send",
		"part": "the store holds only part of the run (merge every machine's store first)"} {
		a, err := report.AnalyzeWithCausality(st, id, 0)
		if err != nil {
			t.Fatalf("%s: the report failed: %v", id, err)
		}
		if a.Causality != nil || a.CausalityNote != note || a.Events == 0 {
			t.Errorf("%s: causality %+v, note %q, events %d; want nil, %q, the rest of the report", id, a.Causality, a.CausalityNote, a.Events, note)
		}
	}
}

// TestCausalityOfTheHandBuiltRun counts by hand: m1 has 3 events, m2 3,
// so 9 cross pairs. Ordered: m1#2 (send) -> m2#2, m2#3; m1#1 -> m2#2,
// m2#3; m2#1, m2#2, m2#3 -> m1#3: 4 + 3 = 7, so 2 concurrent (m1#1 and
// m1#2 with m2#1). Clocks m1: 1 2 5, m2: 1 3 4: one pair shares clock 1.
func TestCausalityOfTheHandBuiltRun(t *testing.T) {
	st := tempStore(t)
	handRun(t, st, "hand", handM2)
	a, err := report.AnalyzeWithCausality(st, "hand", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := report.Causality{CrossPairs: 9, Ordered: 7, Concurrent: 2, EqualClockPairs: 1}
	if a.Causality == nil || *a.Causality != want {
		t.Fatalf("got %+v (%s), want %+v", a.Causality, a.CausalityNote, want)
	}
	var text strings.Builder
	if err := report.WriteText(&text, a); err != nil {
		t.Fatal(err)
	}
	line := "what Lamport clocks cannot tell: 9 pairs of events on different machines; 7 ordered by happened-before (77.8%), 2 concurrent (22.2%); 1 pair shares a Lamport clock\n"
	if !strings.HasSuffix(text.String(), line) {
		t.Errorf("text report ends\n%s\nwant\n%s", text.String(), line)
	}
	var page strings.Builder
	if err := report.WriteHTML(&page, st, "hand", report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, cell := range []string{`<h3 id="causality">What Lamport clocks cannot tell</h3>`,
		"<tr><td>all</td><td>9</td><td></td></tr>", "<tr><td>ordered by happened-before</td><td>7</td><td>77.8%</td></tr>",
		"<tr><td>concurrent</td><td>2</td><td>22.2%</td></tr>", "<tr><td>with equal Lamport clocks</td><td>1</td><td>11.1%</td></tr>"} {
		if !strings.Contains(page.String(), cell) {
			t.Errorf("the page has no %s", cell)
		}
	}
	recordSim(t, st, "whole", 3, 1, 5*time.Second, "exp:5ms")
	copyRun(t, st, "whole", "part", func(m *record.RunMeta) { m.Machines = m.Machines[:2] })
	page.Reset()
	if err := report.WriteHTML(&page, st, "part", report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<p class="note">Not computed: the store holds only part of the run`) {
		t.Error("the page of a partial run does not say why the causality figures are missing")
	}
}

// TestCausalityMachineLimit: a run with more machines than the caller's
// limit gets the rest of its report and a note naming the limit; a limit
// that admits it gets the same figures as the default one.
func TestCausalityMachineLimit(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "three", 3, 1, 5*time.Second, "exp:5ms")
	capped, err := report.AnalyzeWithCausality(st, "three", 2)
	if err != nil {
		t.Fatal(err)
	}
	if capped.Causality != nil || !strings.Contains(capped.CausalityNote, "the run has 3 machines, more than the 2") || capped.Events == 0 {
		t.Errorf("limit 2: causality %+v, note %q, events %d", capped.Causality, capped.CausalityNote, capped.Events)
	}
	admitted, err := report.AnalyzeWithCausality(st, "three", 3)
	if err != nil {
		t.Fatal(err)
	}
	byDefault, err := report.AnalyzeWithCausality(st, "three", 0)
	if err != nil {
		t.Fatal(err)
	}
	if admitted.Causality == nil || byDefault.Causality == nil || *admitted.Causality != *byDefault.Causality || admitted.Causality.CrossPairs == 0 {
		t.Errorf("limit 3: %+v, default: %+v", admitted.Causality, byDefault.Causality)
	}
}
