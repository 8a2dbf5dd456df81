package report_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func tempStore(t *testing.T) *record.Store {
	t.Helper()
	st, err := record.Open(filepath.Join(t.TempDir(), "report.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func recordSim(t *testing.T, st *record.Store, id string, machines int, seed uint64, d time.Duration, latency string) {
	t.Helper()
	l, err := replay.ParseLatency(latency)
	if err != nil {
		t.Fatal(err)
	}
	_, err = replay.RecordSim(st, replay.SimRun{
		RunID: id, Config: core.RingConfig(machines, "sim", 0), Started: epoch,
		Spec: replay.SimSpec{Params: core.DefaultParams(seed), Duration: d, Latency: l},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func exportShiViz(t *testing.T, st *record.Store, runID string) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteShiViz(&b, st, runID); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkAgainstRun checks log by every ShiViz rule and that it holds exactly
// the run's events: per host as many, and of each kind, as the stats say.
func checkAgainstRun(t *testing.T, st *record.Store, runID, log string) report.ShiVizSummary {
	t.Helper()
	sum, err := report.CheckShiViz(strings.NewReader(log))
	if err != nil {
		t.Fatalf("run %s: %v", runID, err)
	}
	stats, err := st.Stats(runID)
	if err != nil {
		t.Fatal(err)
	}
	var events, sends, recvs, internals int
	for _, s := range stats {
		host := fmt.Sprintf("m%d", s.ID)
		if sum.Hosts[host] != int(s.Events) {
			t.Errorf("run %s: %s has %d events in the log, %d in the run", runID, host, sum.Hosts[host], s.Events)
		}
		events, sends, recvs, internals = events+int(s.Events), sends+int(s.Sends), recvs+int(s.Recvs), internals+int(s.Internals)
	}
	if len(sum.Hosts) != len(stats) {
		t.Errorf("run %s: log hosts %v, run machines %d", runID, sum.Hosts, len(stats))
	}
	if sum.Events != events || sum.Sends != sends || sum.Recvs != recvs || sum.Internals != internals {
		t.Errorf("run %s: log has %d events (%d sends, %d recvs, %d internal), the run %d (%d, %d, %d)",
			runID, sum.Events, sum.Sends, sum.Recvs, sum.Internals, events, sends, recvs, internals)
	}
	if recvs == 0 {
		t.Fatalf("run %s has no receive: the test checks nothing about merges", runID)
	}
	return sum
}

func TestShiVizOfSimRunsObeysEveryRule(t *testing.T) {
	for _, machines := range []int{3, 5} {
		for _, latency := range []string{"exp:5ms", "uniform:0s-500ms"} {
			for _, seed := range []uint64{1, 7, 42} {
				name := fmt.Sprintf("%dm-%s-seed%d", machines, strings.ReplaceAll(latency, ":", "_"), seed)
				t.Run(name, func(t *testing.T) {
					st := tempStore(t)
					recordSim(t, st, "r", machines, seed, 30*time.Second, latency)
					checkAgainstRun(t, st, "r", exportShiViz(t, st, "r"))
				})
			}
		}
	}
}

// TestShiVizIgnoresSkewedWallClocks shifts one machine's wall clock far
// back, as a merged run of processes on hosts with skewed clocks may have:
// merged by wall time, that machine's receives would come before their
// sends. The export must still be causal, and every event must get the
// same vector as without the skew.
func TestShiVizIgnoresSkewedWallClocks(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "straight", 3, 7, 30*time.Second, "exp:5ms")
	copyRun(t, st, "straight", "skewed", func(m *record.RunMeta) {
		m.Machines[1].StartWall = m.Machines[1].StartWall.Add(-time.Hour)
	})
	straight, skewed := exportShiViz(t, st, "straight"), exportShiViz(t, st, "skewed")
	checkAgainstRun(t, st, "skewed", skewed)
	// Without skew, the wall times agree with causality, and the export
	// keeps the timeline order: by wall time, ties by lower machine id.
	if got, want := hostSequence(straight), wallOrder(t, st, "straight"); got != want {
		t.Fatalf("without skew the export is not in wall-time order:\ngot  %.200s...\nwant %.200s...", got, want)
	}
	if straight == skewed {
		t.Fatal("the skew did not change the order of the export: the test checks nothing")
	}
	a, b := pairsByHostEvent(t, straight), pairsByHostEvent(t, skewed)
	if len(a) != len(b) {
		t.Fatalf("%d events without skew, %d with", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("event %s: %q without skew, %q with", k, v, b[k])
		}
	}
}

// hostSequence lists the hosts of a log's events in order, space-separated.
func hostSequence(log string) string {
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")[2:]
	var b strings.Builder
	for i := 0; i < len(lines); i += 2 {
		host, _, _ := strings.Cut(lines[i], " ")
		b.WriteString(host + " ")
	}
	return b.String()
}

// wallOrder is hostSequence for the run's events sorted by wall time, ties
// by lower machine id (each machine's log is in time order already).
func wallOrder(t *testing.T, st *record.Store, runID string) string {
	t.Helper()
	meta, err := st.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	type ev struct {
		wall time.Time
		id   core.MachineID
	}
	var evs []ev
	for _, mm := range meta.Machines {
		err := st.Scan(runID, mm.ID, func(e core.Entry) error {
			if !e.Arrival {
				evs = append(evs, ev{mm.StartWall.Add(e.At), mm.ID})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		if c := a.wall.Compare(b.wall); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "m%d ", e.id)
	}
	return b.String()
}

// pairsByHostEvent maps "<host>#<n>" (the host's n-th event) to its clock
// line and event text.
func pairsByHostEvent(t *testing.T, log string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")[2:]
	out := map[string]string{}
	count := map[string]int{}
	for i := 0; i+1 < len(lines); i += 2 {
		host, _, _ := strings.Cut(lines[i], " ")
		count[host]++
		out[fmt.Sprintf("%s#%d", host, count[host])] = lines[i] + "\n" + lines[i+1]
	}
	return out
}

// copyRun records run src again as dst with its metadata changed by edit.
func copyRun(t *testing.T, st *record.Store, src, dst string, edit func(*record.RunMeta)) {
	t.Helper()
	meta, err := st.Run(src)
	if err != nil {
		t.Fatal(err)
	}
	meta.ID = dst
	edit(&meta)
	var entries []struct {
		m core.MachineID
		e core.Entry
	}
	err = st.View(src, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				entries = append(entries, struct {
					m core.MachineID
					e core.Entry
				}{id, e})
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
	writeRun(t, st, meta, func(rec *record.Recorder) {
		for _, x := range entries {
			rec.Append(x.m, x.e)
		}
	})
}

func writeRun(t *testing.T, st *record.Store, meta record.RunMeta, fill func(*record.Recorder)) {
	t.Helper()
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder(meta.ID, record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fill(rec)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(meta.ID, record.StatusComplete, meta.Started.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// handRun is a two-machine run written by hand: m1 does an internal event
// and sends 1:1 to m2; m2 does an internal event, receives 1:1 and sends
// 2:1 back; m1 receives it. m2's wall clock is an hour behind, so by wall
// time all of m2 comes first, and only a causal order is right.
func handRun(t *testing.T, st *record.Store, id string, m2Entries []core.Entry) {
	t.Helper()
	cfg := core.RingConfig(2, "hand", 0)
	meta := record.RunMeta{
		ID: id, Seed: 1, Mode: "sim", Params: core.DefaultParams(1), Speed: 1, Config: cfg.Machines,
		Started: epoch,
		Machines: []record.MachineMeta{
			{ID: 1, Rate: 1, StartWall: epoch},
			{ID: 2, Rate: 1, StartWall: epoch.Add(-time.Hour)},
		},
	}
	m1 := []core.Entry{
		{At: 1 * time.Second, Event: core.Event{Index: 1, Tick: 1, Kind: core.KindInternal, Die: 5, Clock: 1}},
		{At: 2 * time.Second, Event: core.Event{Index: 2, Tick: 2, Kind: core.KindSend, Die: 1, Clock: 2, To: []core.MachineID{2}, FirstSeq: 1}},
		{At: 5 * time.Second, Arrival: true, Msg: core.Message{From: 2, Seq: 1, Clock: 4}},
		{At: 6 * time.Second, Event: core.Event{Index: 3, Tick: 3, Kind: core.KindRecv, Clock: 5, Msg: core.Message{From: 2, Seq: 1, Clock: 4}}},
	}
	writeRun(t, st, meta, func(rec *record.Recorder) {
		for _, e := range m1 {
			rec.Append(1, e)
		}
		for _, e := range m2Entries {
			rec.Append(2, e)
		}
	})
}

var handM2 = []core.Entry{
	{At: 500 * time.Millisecond, Event: core.Event{Index: 1, Tick: 1, Kind: core.KindInternal, Die: 4, Clock: 1}},
	{At: 2500 * time.Millisecond, Arrival: true, Msg: core.Message{From: 1, Seq: 1, Clock: 2}},
	{At: 3 * time.Second, Event: core.Event{Index: 2, Tick: 2, Kind: core.KindRecv, Clock: 3, Msg: core.Message{From: 1, Seq: 1, Clock: 2}}},
	{At: 4 * time.Second, Event: core.Event{Index: 3, Tick: 3, Kind: core.KindSend, Die: 1, Clock: 4, To: []core.MachineID{1}, FirstSeq: 1}},
}

const handShiViz = `(?<host>\S*) (?<clock>{.*})\n(?<event>.*)

m2 {"m2":1}
internal clock=1 queue=0
m1 {"m1":1}
internal clock=1 queue=0
m1 {"m1":2}
send clock=2 queue=0 to=2 msgs=1:1
m2 {"m1":2, "m2":2}
recv clock=3 queue=1 left=0 from=1 msg=1:1 msg_clock=2
m2 {"m1":2, "m2":3}
send clock=4 queue=0 to=1 msgs=2:1
m1 {"m1":3, "m2":3}
recv clock=5 queue=1 left=0 from=2 msg=2:1 msg_clock=4
`

func TestShiVizOfAHandBuiltRun(t *testing.T) {
	st := tempStore(t)
	handRun(t, st, "hand", handM2)
	got := exportShiViz(t, st, "hand")
	if got != handShiViz {
		t.Fatalf("got\n%s\nwant\n%s", got, handShiViz)
	}
	if _, err := report.CheckShiViz(strings.NewReader(got)); err != nil {
		t.Fatal(err)
	}
}

func TestShiVizRefusesWhatItCannotDerive(t *testing.T) {
	st := tempStore(t)
	// m2 receives 1:7, which m1 never sends.
	lost := append([]core.Entry(nil), handM2...)
	lost[2].Event.Msg.Seq = 7
	handRun(t, st, "lost", lost)
	var b bytes.Buffer
	err := report.WriteShiViz(&b, st, "lost")
	if !errors.Is(err, report.ErrUnsentMessage) || !strings.Contains(err.Error(), "machine 2 event 2 receives message 1:7") {
		t.Fatalf("got %v, want ErrUnsentMessage naming machine 2's event 2 and message 1:7", err)
	}

	recordSim(t, st, "whole", 3, 1, 5*time.Second, "exp:5ms")
	copyRun(t, st, "whole", "part", func(m *record.RunMeta) { m.Machines = m.Machines[:2] })
	if err := report.WriteShiViz(&b, st, "part"); !errors.Is(err, record.ErrPartialRun) {
		t.Fatalf("got %v, want ErrPartialRun", err)
	}
	if err := report.WriteShiViz(&b, st, "nosuchrun"); err == nil {
		t.Fatal("a missing run exported without an error")
	}
}

// TestCheckShiVizCatchesEveryBrokenRule breaks the hand-checked log one
// rule at a time: the checker must refuse each.
func TestCheckShiVizCatchesEveryBrokenRule(t *testing.T) {
	swapLines := func(s string, i, j int) string {
		l := strings.Split(s, "\n")
		l[i], l[j] = l[j], l[i]
		return strings.Join(l, "\n")
	}
	for _, c := range []struct {
		name, old, new string
		edit           func(string) string
		want           string
	}{
		{name: "regex", old: `(?<host>\S*) `, new: `(?<host>\S+) `, want: "first line"},
		{name: "no blank line", old: "\n\nm2", new: "\nm2", want: "second line"},
		{name: "header shape", old: `m1 {"m1":1}`, new: `m1  {"m1":1}`, want: "does not match"},
		{name: "host name", old: `m1 {"m1":1}`, new: `one {"m1":1}`, want: "not m<id>"},
		{name: "invalid json", old: `m1 {"m1":2}`, new: `m1 {"m1":2,}`, want: "valid JSON"},
		{name: "own entry missing", old: `m1 {"m1":1}`, new: `m1 {"m2":1}`, want: "own entry"},
		{name: "own entry skips", old: `m1 {"m1":2}`, new: `m1 {"m1":3}`, want: "+1"},
		{name: "zero entry", old: `m1 {"m1":1}`, new: `m1 {"m1":1, "m2":0}`, want: "positive"},
		{name: "keys unsorted", old: `m2 {"m1":2, "m2":2}`, new: `m2 {"m2":2, "m1":2}`, want: "not after"},
		{name: "unknown host", old: `m1 {"m1":2}`, new: `m1 {"m1":2, "m3":1}`, want: "m3"},
		{name: "recv below send", old: `m2 {"m1":2, "m2":2}`, new: `m2 {"m1":1, "m2":2}`, want: "below the send"},
		{name: "recv not merged", old: `m1 {"m1":3, "m2":3}`, new: `m1 {"m1":3, "m2":4}`, want: "want"},
		{name: "internal merges", old: `m2 {"m2":1}`, new: `m2 {"m1":1, "m2":1}`, want: "has no event before"},
		{name: "double space", old: "internal clock=1 queue=0\nm1", new: "internal  clock=1 queue=0\nm1", want: "single spaces"},
		{name: "unknown kind", old: "internal clock=1 queue=0\nm1", new: "idle clock=1 queue=0\nm1", want: "kind"},
		{name: "recv of unsent", old: "msg=1:1 msg_clock=2", new: "msg=1:2 msg_clock=2", want: "before any send"},
		{name: "recv before send", edit: func(s string) string {
			return swapLines(swapLines(s, 6, 8), 7, 9) // m1's send after m2's receive
		}, want: "receives message 1:1 before any send"},
		{name: "received twice", edit: func(s string) string {
			return s + "m1 {\"m1\":4, \"m2\":3}\nrecv clock=6 queue=1 left=0 from=1 msg=1:1 msg_clock=2\n"
		}, want: "or twice"},
		{name: "dangling clock line", edit: func(s string) string { return s + "m1 {\"m1\":4}\n" }, want: "without its event"},
		{name: "sender mismatch", old: "msgs=1:1", new: "msgs=2:1", want: "sends message"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var broken string
			if c.edit != nil {
				broken = c.edit(handShiViz)
			} else {
				broken = strings.Replace(handShiViz, c.old, c.new, 1)
			}
			if broken == handShiViz {
				t.Fatal("the edit changed nothing")
			}
			_, err := report.CheckShiViz(strings.NewReader(broken))
			if !errors.Is(err, report.ErrBadShiViz) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrBadShiViz mentioning %q; log:\n%s", err, c.want, broken)
			}
		})
	}
}
