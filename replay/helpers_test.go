package replay_test

import (
	"path/filepath"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func tempStore(t testing.TB) *record.Store {
	t.Helper()
	st, err := record.Open(filepath.Join(t.TempDir(), "sim.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustLatency(t testing.TB, s string) replay.Latency {
	t.Helper()
	l, err := replay.ParseLatency(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// recordSim records a sim run named id and returns its result.
func recordSim(t testing.TB, st *record.Store, id string, machines int, p core.Params, d time.Duration, latency string) replay.SimResult {
	t.Helper()
	res, err := replay.RecordSim(st, replay.SimRun{
		RunID: id, Config: core.RingConfig(machines, "sim", 0), Started: epoch,
		Spec: replay.SimSpec{Params: p, Duration: d, Latency: mustLatency(t, latency)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// copyRun records run src again as dst, passing every entry through edit,
// which may change it or drop it (false). The copy ends with status.
func copyRun(t testing.TB, st *record.Store, src, dst string, status record.Status, edit func(core.MachineID, *core.Entry) bool) {
	t.Helper()
	meta, err := st.Run(src)
	if err != nil {
		t.Fatal(err)
	}
	meta.ID = dst
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder(dst, record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(src, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				if edit(id, &e) {
					rec.Append(id, e)
				}
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
	if err := st.FinishRun(dst, status, meta.Ended); err != nil {
		t.Fatal(err)
	}
}

// entriesOf reads every machine's log of a run.
func entriesOf(t testing.TB, st *record.Store, runID string) map[core.MachineID][]core.Entry {
	t.Helper()
	out := map[core.MachineID][]core.Entry{}
	err := st.View(runID, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				out[id] = append(out[id], e)
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
