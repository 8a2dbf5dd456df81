package live_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/export"
	"lamport/live"
	"lamport/record"
)

// offClock is the system clock with its wall time off by skew, as on a
// host whose clock is wrong; timers and durations are unaffected.
type offClock struct {
	live.SystemClock
	skew time.Duration
}

func (c offClock) Now() time.Time { return time.Now().Add(c.skew) }

// A run over three "processes" (three live.Run calls, each its own store
// and clock) whose second process's wall clock is 3 s ahead and whose
// third starts late: the merged run measures the skew within its bound,
// puts every machine on one time axis where the machines begin together,
// replays identically, and a machine's log is still rebuilt on its own
// clock.
func TestARunAcrossProcessesHasOneTimeAxis(t *testing.T) {
	cfg := core.Config{}
	for i, p := range reservePorts(t, 4) {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: "127.0.0.1", Port: p})
	}
	const speed, duration = 10.0, 2 * time.Second
	const skew = 3 * time.Second
	params := core.DefaultParams(41)
	dir := t.TempDir()
	processes := []struct {
		local []core.MachineID
		skew  time.Duration
		delay time.Duration // before the process starts
	}{
		{[]core.MachineID{1, 4}, 0, 0},
		{[]core.MachineID{2}, skew, 0},
		{[]core.MachineID{3}, 0, 700 * time.Millisecond},
	}
	var (
		wg     sync.WaitGroup
		stores = make([]*record.Store, len(processes))
		errs   = make([]error, len(processes))
	)
	began := time.Now()
	for i, p := range processes {
		st, err := record.Open(filepath.Join(dir, fmt.Sprintf("part%d.db", i)), record.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
		wg.Go(func() {
			time.Sleep(p.delay)
			_, errs[i] = live.Run(context.Background(), live.Spec{
				RunID: "axis", Config: cfg, Params: params, Speed: speed, Duration: duration,
				Local: p.local, Store: st, LogDir: filepath.Join(dir, "logs"), ConnectTimeout: patience, DrainTimeout: patience,
				Clock: offClock{skew: p.skew},
			})
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i+1, err)
		}
	}
	merged := openStore(t)
	if err := record.Merge(merged, stores...); err != nil {
		t.Fatal(err)
	}
	meta, err := merged.Run("axis")
	if err != nil {
		t.Fatal(err)
	}

	// The run's span is on one clock: no longer than the test took, though
	// one process's clock is 3 s ahead.
	if span := meta.Ended.Sub(meta.Started); span <= 0 || span > elapsed {
		t.Errorf("the run spans %v (%v to %v); the processes ran for %v", span, meta.Started, meta.Ended, elapsed)
	}

	// The skew, measured: machine 2's clock is 3 s ahead of machine 1's,
	// exactly, since all share one host's clock underneath.
	bounds := map[core.MachineID]time.Duration{}
	for _, c := range meta.Clocks() {
		want := time.Duration(0)
		if c.ID == 2 {
			want = skew
		}
		if d := c.Offset - want; d > c.Bound || d < -c.Bound {
			t.Errorf("machine %d: offset %v ± %v, its clock is off by %v", c.ID, c.Offset, c.Bound, want)
		}
		if c.Measured != (c.ID == 2 || c.ID == 3) {
			t.Errorf("machine %d: measured %v; only the machines outside the reference's process are", c.ID, c.Measured)
		}
		bounds[c.ID] = c.Bound
	}

	// One axis: each machine's first tick, less one tick interval, is the
	// instant it began; the processes agreed on one. The slack covers a
	// loaded machine's timer lateness, far below the 3 s skew.
	const slack = 150 * time.Millisecond
	begins := map[core.MachineID]time.Duration{}
	err = merged.View("axis", func(r *record.Reader) error {
		walk := r.TimeWalk()
		for te, ok := walk.Next(); ok; te, ok = walk.Next() {
			if _, seen := begins[te.Machine]; seen || !te.Entry.IsTick() {
				continue
			}
			mm, _ := meta.Machine(te.Machine)
			interval := time.Duration(float64(time.Second) / (float64(mm.Rate) * speed))
			begins[te.Machine] = te.RunAt - interval
		}
		return walk.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, b := range begins {
		if d := b - begins[1]; d > slack+bounds[id] || d < -slack-bounds[id] {
			t.Errorf("machine %d began %v after machine 1 on the run's axis, want together (bound %v, slack %v)", id, d, bounds[id], slack)
		}
	}
	if len(begins) != 4 {
		t.Errorf("first ticks of %d machines, want 4", len(begins))
	}

	assertReplaysIdentically(t, merged, "axis")

	// A machine's log file has its own clock; the export rebuilds it so.
	for _, id := range []core.MachineID{2, 3} {
		want, err := os.ReadFile(live.LogPath(filepath.Join(dir, "logs"), "axis", id))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := export.Write(&got, merged, meta, logFormat(t), export.Filter{Machine: id}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("machine %d: the exported log differs from its log file:\n%s\nwant:\n%s", id, got.String(), want)
		}
	}
}

func logFormat(t *testing.T) export.Format {
	t.Helper()
	for _, f := range export.Formats {
		if f.Name == "log" {
			return f
		}
	}
	t.Fatal("no log format")
	return export.Format{}
}
