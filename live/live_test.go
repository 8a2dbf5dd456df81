package live_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/runcheck"
	"lamport/live"
	"lamport/record"
	"lamport/replay"
)

func openStore(t *testing.T) *record.Store {
	t.Helper()
	st, err := record.Open(filepath.Join(t.TempDir(), "run.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// expectedTicks is how many ticks a machine of rate r owes in d at speed s:
// the tick loop never skips a due tick, so the count is exact.
func expectedTicks(rate int, speed float64, d time.Duration) uint64 {
	interval := time.Duration(float64(time.Second) / (float64(rate) * speed))
	return uint64(d / interval)
}

func TestLiveRunOverLoopbackObeysTheModel(t *testing.T) {
	for _, tc := range []struct {
		machines int
		seed     uint64
	}{{3, 7}, {5, 11}} {
		t.Run(fmt.Sprintf("%d machines", tc.machines), func(t *testing.T) {
			st := openStore(t)
			logDir := t.TempDir()
			const speed, duration = 40.0, 3 * time.Second
			spec := live.Spec{
				RunID: "loopback", Config: core.RingConfig(tc.machines, "127.0.0.1", 0),
				Params: core.DefaultParams(tc.seed), Speed: speed, Duration: duration,
				Store: st, LogDir: logDir, Tool: "test",
			}
			res, err := live.Run(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if res.Meta.Status != record.StatusComplete || res.Meta.Mode != "live" || len(res.Meta.Machines) != tc.machines {
				t.Fatalf("meta: status %s mode %s machines %d", res.Meta.Status, res.Meta.Mode, len(res.Meta.Machines))
			}
			if err := st.Check(); err != nil {
				t.Fatalf("store check: %v", err)
			}
			v, err := runcheck.Verify(st, "loopback")
			if err != nil {
				t.Fatalf("the recording breaks the model: %v", err)
			}
			assertReplaysIdentically(t, st, "loopback")
			var arrivals, recvs uint64
			for _, m := range res.Meta.Machines {
				if m.Rate != core.Rate(spec.Params, m.ID) {
					t.Errorf("machine %d recorded rate %d, model says %d", m.ID, m.Rate, core.Rate(spec.Params, m.ID))
				}
				want := expectedTicks(m.Rate, speed, duration)
				if got := v.Events[m.ID]; got != want {
					t.Errorf("machine %d (rate %d): %d ticks, want %d", m.ID, m.Rate, got, want)
				}
				arrivals += v.Arrivals[m.ID]
			}
			for _, s := range res.Stats {
				recvs += s.Recvs
				checkPacing(t, st, s.ID, s.Events, duration)
				checkLogFile(t, logDir, spec, s)
			}
			if arrivals == 0 || recvs == 0 {
				t.Fatalf("no message crossed the network: %d arrivals, %d receives", arrivals, recvs)
			}
		})
	}
}

// checkPacing asserts that ticks were spread over the run rather than
// bunched: the last one near the end, the middle one near the middle. The
// bounds are loose so a loaded machine passes.
func checkPacing(t *testing.T, st *record.Store, id core.MachineID, events uint64, d time.Duration) {
	t.Helper()
	var mid, last time.Duration
	err := st.Scan("loopback", id, func(e core.Entry) error {
		if e.Arrival {
			return nil
		}
		if e.Event.Index == events/2 {
			mid = e.At
		}
		last = e.At
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if last < d*6/10 || last > d*3 {
		t.Errorf("machine %d: last tick at %v of a %v run", id, last, d)
	}
	if ratio := mid.Seconds() / last.Seconds(); math.Abs(ratio-0.5) > 0.25 {
		t.Errorf("machine %d: middle tick at %v, last at %v: not evenly paced", id, mid, last)
	}
}

// checkLogFile checks machine s's log file of the run: its header names
// the run, seed, machine and rate, then one timed line per event.
func checkLogFile(t *testing.T, dir string, spec live.Spec, s core.MachineStats) {
	t.Helper()
	path := filepath.Join(dir, spec.RunID, fmt.Sprintf("log_%d.txt", s.ID))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	wantHeader := fmt.Sprintf("# lamport run %s seed %d machine %d rate %d tick/s actions %d min-rate %d max-rate %d speed %g",
		spec.RunID, spec.Params.Seed, s.ID, core.Rate(spec.Params, s.ID), spec.Params.Actions, spec.Params.MinRate, spec.Params.MaxRate, spec.Speed)
	if !sc.Scan() || sc.Text() != wantHeader {
		t.Fatalf("%s starts with %q, want %q", path, sc.Text(), wantHeader)
	}
	var lines uint64
	for sc.Scan() {
		lines++
		if _, err := time.Parse(core.LogTimeLayout, sc.Text()[:len("2006-01-02T15:04:05.000000Z")]); err != nil {
			t.Fatalf("log_%d.txt line %d: %v", s.ID, lines, err)
		}
	}
	if lines != s.Events {
		t.Fatalf("log_%d.txt has %d lines for %d events", s.ID, lines, s.Events)
	}
}

func TestCancelStopsCleanlyAndMarksComplete(t *testing.T) {
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var res live.Result
	var (
		progressMu sync.Mutex
		progress   []uint64
	)
	go func() {
		var err error
		res, err = live.Run(ctx, live.Spec{
			RunID: "forever", Config: core.RingConfig(3, "127.0.0.1", 0), Params: core.DefaultParams(3),
			Speed: 20, Duration: 0, Store: st,
			Progress: func(elapsed time.Duration, events uint64) {
				progressMu.Lock()
				progress = append(progress, events)
				progressMu.Unlock()
			},
		})
		done <- err
	}()
	time.Sleep(700 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop within 30s of cancel")
	}
	if res.Meta.Status != record.StatusComplete || res.Meta.Ended.IsZero() {
		t.Fatalf("after cancel: status %s ended %v", res.Meta.Status, res.Meta.Ended)
	}
	if _, err := runcheck.Verify(st, "forever"); err != nil {
		t.Fatal(err)
	}
	assertReplaysIdentically(t, st, "forever")
	var events uint64
	for _, s := range res.Stats {
		events += s.Events
	}
	if events == 0 {
		t.Fatal("a run cancelled after 0.7s recorded no events")
	}
	progressMu.Lock()
	defer progressMu.Unlock()
	if len(progress) == 0 || !slices.IsSorted(progress) || progress[len(progress)-1] > events {
		t.Fatalf("progress reports %v for a run of %d events", progress, events)
	}
}

func TestRunRejectsBadSpecs(t *testing.T) {
	st := openStore(t)
	base := live.Spec{RunID: "x", Config: core.RingConfig(3, "127.0.0.1", 0), Params: core.DefaultParams(1), Speed: 1, Store: st}
	for name, mutate := range map[string]func(*live.Spec){
		"zero speed":    func(s *live.Spec) { s.Speed = 0 },
		"bad params":    func(s *live.Spec) { s.Params.Actions = 0 },
		"unknown local": func(s *live.Spec) { s.Local = []core.MachineID{9} },
		"remote port 0": func(s *live.Spec) { s.Local = []core.MachineID{1} },
		"one machine":   func(s *live.Spec) { s.Config = core.RingConfig(1, "127.0.0.1", 0) },
	} {
		spec := base
		mutate(&spec)
		if _, err := live.Run(context.Background(), spec); err == nil {
			t.Errorf("%s: Run accepted it", name)
		}
	}
	if runs, _ := st.Runs(); len(runs) != 0 {
		t.Fatalf("rejected specs left %d runs in the store", len(runs))
	}
}

// assertReplaysIdentically is the product's promise: a live recording
// replays through the same core with zero divergence and the same trace.
func assertReplaysIdentically(t *testing.T, st *record.Store, runID string) {
	t.Helper()
	res, err := replay.Run(st, runID, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Identical() {
		t.Fatalf("live run %s diverged on replay: %+v", runID, res.First)
	}
	recorded, err := replay.RecordedHash(st, runID)
	if err != nil || recorded != res.Hash {
		t.Fatalf("replayed trace %s, recorded %s (%v)", res.Hash, recorded, err)
	}
}
