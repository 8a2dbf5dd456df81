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
