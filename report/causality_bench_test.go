package report_test

import (
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// benchmarkCausality counts the causality figures of a one-hour run of
// the given number of machines, alone (AnalyzeWithCausality runs it beside
// Analyze).
func benchmarkCausality(b *testing.B, machines int) {
	st := analysisStore(b)
	res := analysisSim(b, st, "hour", machines, core.DefaultParams(7), time.Hour, replay.DefaultLatency)
	b.ReportAllocs()
	for b.Loop() {
		err := st.View("hour", func(r *record.Reader) error {
			_, err := report.CountCausality(r)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkCausality5Machines1Hour(b *testing.B)   { benchmarkCausality(b, 5) }
func BenchmarkCausality100Machines1Hour(b *testing.B) { benchmarkCausality(b, 100) }
