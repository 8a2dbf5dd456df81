package replay_test

import (
	"fmt"
	"testing"
	"time"

	"lamport/core"
	"lamport/replay"
)

// A 5-machine, 1-hour simulation.
func BenchmarkSim5Machines1Hour(b *testing.B) {
	benchSim(b, replay.SimSpec{Machines: core.RingConfig(5, "sim", 0).IDs(), Params: core.DefaultParams(7),
		Duration: time.Hour, Latency: mustLatency(b, replay.DefaultLatency)})
}

// benchSim simulates spec without recording and reports events per second.
func benchSim(b *testing.B, spec replay.SimSpec) {
	var events uint64
	b.ReportAllocs()
	for b.Loop() {
		res, err := replay.Simulate(spec, nil)
		if err != nil {
			b.Fatal(err)
		}
		events = res.Events
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkRecordSim5Machines1Hour(b *testing.B) {
	st := tempStore(b)
	var events uint64
	i := 0
	for b.Loop() {
		i++
		res, err := replay.RecordSim(st, replay.SimRun{RunID: fmt.Sprintf("bench%d", i),
			Config: core.RingConfig(5, "sim", 0), Started: epoch,
			Spec: replay.SimSpec{Params: core.DefaultParams(7), Duration: time.Hour, Latency: mustLatency(b, replay.DefaultLatency)}})
		if err != nil {
			b.Fatal(err)
		}
		events = res.Events
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkReplay5Machines1Hour(b *testing.B) {
	st := tempStore(b)
	sim := recordSim(b, st, "r", 5, core.DefaultParams(7), time.Hour, replay.DefaultLatency)
	for b.Loop() {
		res, err := replay.Run(st, "r", replay.Options{})
		if err != nil || !res.Identical() {
			b.Fatal(err, res.First)
		}
	}
	b.ReportMetric(float64(sim.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
