package record_test

import (
	"path/filepath"
	"testing"
	"time"

	"lamport/record"
)

// BenchmarkRecorderAppend measures Append with the default background flush
// to a temp file, including the final Close, as entries per second.
func BenchmarkRecorderAppend(b *testing.B) {
	steps := schedule(b, 1, ids3, 50_000)
	st := openStore(b, filepath.Join(b.TempDir(), "bench.db"), record.Options{})
	if err := st.BeginRun(testMeta("bench", 1, t0, ids3)); err != nil {
		b.Fatal(err)
	}
	rec, err := st.NewRecorder("bench", record.RecorderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	// Each lap continues the logs where the last left off, so they stay
	// valid (Index and At keep growing).
	lap := uint64(0)
	var lapAt time.Duration
	last := steps[len(steps)-1].e.At
	ticks := map[uint64]uint64{}
	for _, s := range steps {
		if !s.e.Arrival {
			ticks[uint64(s.m)]++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		s := steps[i%len(steps)]
		if i > 0 && i%len(steps) == 0 {
			lap++
			lapAt += last
		}
		e := s.e
		e.At += lapAt
		if !e.Arrival {
			e.Event.Index += lap * ticks[uint64(s.m)]
			e.Event.Tick = e.Event.Index
		}
		rec.Append(s.m, e)
	}
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkScan measures streaming every machine's log of a 100k-entry run.
func BenchmarkScan(b *testing.B) {
	steps := schedule(b, 2, ids3, 100_000)
	st := openStore(b, filepath.Join(b.TempDir(), "bench.db"), record.Options{})
	recordRun(b, st, testMeta("scan", 2, t0, ids3), steps, record.RecorderOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		err := st.View("scan", func(r *record.Reader) error {
			for _, m := range r.Machines() {
				it := r.Entries(m)
				for _, ok := it.Next(); ok; _, ok = it.Next() {
					n++
				}
				if err := it.Err(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if n != b.N*len(steps) {
		b.Fatalf("scanned %d entries, want %d", n, b.N*len(steps))
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
}
