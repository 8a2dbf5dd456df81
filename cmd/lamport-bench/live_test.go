package main

import (
	"os"
	"testing"
	"time"
)

// The live measurement runs the real thing and counts every tick the
// rates owe; its figures are ordered and it leaves nothing behind. (How
// fast is not tested: the machine is shared.)
func TestLiveLatenessMeasuresEveryTick(t *testing.T) {
	dir := t.TempDir()
	m, err := benchChild{dir: dir, seed: 7}.liveLateness(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Seed 7's three machines tick 5, 5 and 3 times a second; at speed
	// 1000 that is 13 000 ticks in a second.
	if m.Events != 13000 || m.Seconds < 1 || m.LateP99 <= 0 || m.Hash != "" {
		t.Fatalf("measure %+v, want 13 000 events, a run of at least 1 s and a p99 lateness", m)
	}
	r, err := measureLiveLateness(dir, 8, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Events == 0 || r.P50 < 0 || r.P50 > r.P99 || r.P99 > r.Max || r.Wall < 500*time.Millisecond {
		t.Fatalf("lateness %+v: want 0 <= p50 <= p99 <= max and a run of at least 500 ms", r)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("the measurement left %d files in its directory", len(left))
	}
	t.Logf("1 s: p99 %.3f ms; 0.5 s, seed 8: %+v", m.LateP99, r)
}
