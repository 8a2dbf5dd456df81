package record_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// step is one input of the schedule, for one machine, in global order.
type step struct {
	m core.MachineID
	e core.Entry
}

// schedule drives real core machines with a seeded pattern: at each step a
// random machine either receives one of the messages in flight to it or
// ticks. Offsets grow by steps of very different sizes (zero included), so
// every integer width of the encoding is used.
func schedule(t testing.TB, seed uint64, ids []core.MachineID, n int) []step {
	t.Helper()
	p := core.DefaultParams(seed)
	p.Actions = 5 // more sends, so more arrivals
	ms := map[core.MachineID]*core.Machine{}
	at := map[core.MachineID]time.Duration{}
	for _, id := range ids {
		m, err := core.NewMachine(id, ids, p)
		if err != nil {
			t.Fatal(err)
		}
		ms[id] = m
	}
	// The schedule's own stream: machine id 0 is no machine's.
	rng := core.NewRNG(seed, 0)
	type flight struct {
		to  core.MachineID
		msg core.Message
	}
	var inflight []flight
	steps := make([]step, 0, n)
	gaps := []time.Duration{0, time.Microsecond, time.Millisecond, 300 * time.Millisecond, 7 * time.Second}
	for len(steps) < n {
		id := ids[rng.Below(uint64(len(ids)))]
		at[id] += gaps[rng.Below(uint64(len(gaps)))] * time.Duration(1+rng.Below(5))
		var mine []int
		for i, f := range inflight {
			if f.to == id {
				mine = append(mine, i)
			}
		}
		if len(mine) > 0 && rng.Below(2) == 0 {
			i := mine[rng.Below(uint64(len(mine)))]
			msg := inflight[i].msg
			inflight = append(inflight[:i], inflight[i+1:]...)
			ms[id].Deliver(msg)
			steps = append(steps, step{id, core.Entry{At: at[id], Arrival: true, Msg: msg}})
			continue
		}
		ev := ms[id].Tick()
		steps = append(steps, step{id, core.Entry{At: at[id], Event: ev}})
		for i, msg := range ev.Sent(id) {
			inflight = append(inflight, flight{ev.To[i], msg})
		}
	}
	return steps
}

// perMachine splits a schedule into each machine's log.
func perMachine(steps []step) map[core.MachineID][]core.Entry {
	out := map[core.MachineID][]core.Entry{}
	for _, s := range steps {
		out[s.m] = append(out[s.m], s.e)
	}
	return out
}

// wantStats counts a log independently of the package's own counting.
func wantStats(id core.MachineID, es []core.Entry) core.MachineStats {
	st := core.MachineStats{ID: id, Entries: uint64(len(es))}
	for _, e := range es {
		st.LastAt = e.At
		if e.Arrival {
			st.Arrivals++
			continue
		}
		st.Events++
		st.LastClock = e.Event.Clock
		switch e.Event.Kind {
		case core.KindSend:
			st.Sends++
		case core.KindRecv:
			st.Recvs++
		case core.KindInternal:
			st.Internals++
		}
	}
	return st
}

var ids3 = []core.MachineID{1, 2, 3}

func testMeta(id string, seed uint64, started time.Time, ids []core.MachineID) record.RunMeta {
	p := core.DefaultParams(seed)
	cfg := core.RingConfig(len(ids), "127.0.0.1", 7000)
	m := record.RunMeta{
		ID: id, Seed: seed, Mode: "sim", Params: p, Speed: 1,
		Config: cfg.Machines, Fingerprint: core.Fingerprint(cfg.Machines, p),
		Started: started, Tool: "test", Options: map[string]string{"duration": "10s"},
	}
	for _, mid := range ids {
		m.Machines = append(m.Machines, record.MachineMeta{ID: mid, Rate: core.Rate(p, mid), StartWall: started})
	}
	return m
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func openStore(t testing.TB, path string, opt record.Options) *record.Store {
	t.Helper()
	st, err := record.Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func tempStore(t testing.TB) (*record.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lamport.db")
	return openStore(t, path, record.Options{}), path
}

// record writes a whole schedule as one run and finishes it.
func recordRun(t testing.TB, st *record.Store, meta record.RunMeta, steps []step, opt record.RecorderOptions) {
	t.Helper()
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder(meta.ID, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		rec.Append(s.m, s.e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(meta.ID, record.StatusComplete, meta.Started.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// readAll reads every machine's log of a run.
func readAll(t testing.TB, st *record.Store, runID string) map[core.MachineID][]core.Entry {
	t.Helper()
	out := map[core.MachineID][]core.Entry{}
	err := st.View(runID, func(r *record.Reader) error {
		for _, m := range r.Machines() {
			it := r.Entries(m)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				out[m] = append(out[m], e)
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
	return out
}

// diffLogs reports the first difference between two sets of logs.
func diffLogs(want, got map[core.MachineID][]core.Entry) error {
	for id := range got {
		if _, ok := want[id]; !ok {
			return fmt.Errorf("unexpected log of machine %d", id)
		}
	}
	for id, w := range want {
		g := got[id]
		for i := range min(len(w), len(g)) {
			if !reflect.DeepEqual(w[i], g[i]) {
				return fmt.Errorf("machine %d entry %d:\nwant %+v\n got %+v", id, i, w[i], g[i])
			}
		}
		if len(w) != len(g) {
			return fmt.Errorf("machine %d: want %d entries, got %d", id, len(w), len(g))
		}
	}
	return nil
}

func wantErrIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want one matching %v", err, target)
	}
}
