package export

import (
	"testing"
	"time"

	"lamport/core"
)

// TestAppendLogTimeMatchesFormat: the hand-written time of export lines is
// what time.Format writes, for times across four centuries, zones, and
// the edges of seconds, days and years.
func TestAppendLogTimeMatchesFormat(t *testing.T) {
	rng := core.NewRNG(1, 0)
	zones := []*time.Location{time.UTC, time.FixedZone("x", -7*3600-30*60), time.FixedZone("y", 14*3600)}
	times := []time.Time{
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC),
	}
	for range 20000 {
		const year = 365 * 24 * 3600
		sec := int64(rng.Below(400*year)) - 100*year
		times = append(times, time.Unix(sec, int64(rng.Below(uint64(time.Second)))).In(zones[rng.Below(3)]))
	}
	for _, tm := range times {
		want := tm.UTC().Format(core.LogTimeLayout)
		if got := string(appendLogTime([]byte("x"), tm)); got != "x"+want {
			t.Fatalf("appendLogTime(%v) = %q, want %q", tm, got, "x"+want)
		}
	}
}
