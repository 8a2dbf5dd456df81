package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkSweepOriginal runs the original experiment's sweep (3 variants,
// 3 machines, 60 s) of 300 seeds per variant into a fresh store each time:
// simulation, recording (with its commits and their fsyncs) and analysis.
// For a profile:
//
//	go test -run '^$' -bench SweepOriginal -benchtime 3x -cpuprofile cpu.out ./cmd/lamport
func BenchmarkSweepOriginal(b *testing.B) {
	const seeds = 300
	dir := b.TempDir()
	for i := range b.N {
		store := filepath.Join(dir, "sweep"+strconv.Itoa(i)+".db")
		var errOut bytes.Buffer
		if code := Main([]string{"sweep", "--runs", strconv.Itoa(seeds), "--seed", "1", "--quiet", "--store", store}, io.Discard, &errOut); code != 0 {
			b.Fatalf("sweep: exit %d: %s", code, errOut.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*3*seeds), "ns/run")
}
