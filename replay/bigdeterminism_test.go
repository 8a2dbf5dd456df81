package replay_test

import (
	"testing"
	"time"

	"lamport/core"
	"lamport/replay"
)

// TestMillionEventSimIsDeterministic is the determinism check at benchmark
// size (the standard load): 100 machines for an hour of virtual time, over a million
// events, simulated twice with faults on; the two runs must agree on every
// count and the trace hash. Under the race detector it runs 6 virtual
// minutes instead.
func TestMillionEventSimIsDeterministic(t *testing.T) {
	d := time.Hour
	if raceEnabled {
		d = 6 * time.Minute
	}
	spec := replay.SimSpec{Machines: core.RingConfig(100, "sim", 0).IDs(), Params: core.DefaultParams(7), Duration: d,
		Latency: mustLatency(t, "exp:2ms"), Faults: core.Faults{Drop: 0.01, Dup: 0.01, Clog: core.Clog{Every: 10 * time.Minute, For: time.Second}}}
	a, err := replay.Simulate(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := replay.Simulate(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !raceEnabled && a.Events < 1_000_000 {
		t.Fatalf("only %d events; the check is meant for a million", a.Events)
	}
	if a.Hash != b.Hash || a.Events != b.Events || a.Arrivals != b.Arrivals || a.Lost != b.Lost || a.Duplicated != b.Duplicated {
		t.Fatalf("the same seed twice: %d/%d events, %d/%d arrivals, %d/%d lost, hashes %s and %s",
			a.Events, b.Events, a.Arrivals, b.Arrivals, a.Lost, b.Lost, a.Hash, b.Hash)
	}
	t.Logf("%d events, %d arrivals, %d lost, %d duplicated; trace hash %s", a.Events, a.Arrivals, a.Lost, a.Duplicated, a.Hash)
}
