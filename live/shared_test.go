package live_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/runcheck"
	"lamport/live"
	"lamport/record"
)

// messagesSent counts, from a run's recording, the messages its machines
// sent (a send to every peer is one message per peer) and those recorded
// as lost.
func messagesSent(t *testing.T, st *record.Store, runID string) (sent, lost uint64) {
	t.Helper()
	err := st.View(runID, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				switch {
				case e.Fault.Kind == core.FaultLost:
					lost++
				case e.IsTick() && e.Event.Kind == core.KindSend:
					sent += uint64(len(e.Event.To))
				}
			}
			if err := it.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sent, lost
}

// openFiles counts this process's open file descriptors, or -1 where
// /proc does not say.
func openFiles() int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(fds)
}

// Many machines in one process share one connection for the messages
// between them: the process opens about a listener and a log file per
// machine, not two sockets per ordered pair (which for 150 machines would
// be 44 700, more than the open-file limit allows); no message is lost or
// left in flight; the run obeys the model and replays identically.
func TestManyMachinesInOneProcess(t *testing.T) {
	const machines, speed, duration = 150, 10.0, 3 * time.Second
	st := openStore(t)
	before := openFiles()
	var (
		mu   sync.Mutex
		peak int
	)
	spec := live.Spec{
		RunID: "many", Config: core.RingConfig(machines, "127.0.0.1", 0), Params: core.DefaultParams(17),
		Speed: speed, Duration: duration, Store: st, LogDir: t.TempDir(), Tool: "test",
		// Generous, for a loaded two-core machine: nothing here is timed.
		ConnectTimeout: 2 * patience, DrainTimeout: patience,
		Progress: func(time.Duration, uint64) {
			n := openFiles()
			mu.Lock()
			peak = max(peak, n)
			mu.Unlock()
		},
	}
	res, err := live.Run(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Status != record.StatusComplete || len(res.Meta.Machines) != machines {
		t.Fatalf("status %s with %d machines", res.Meta.Status, len(res.Meta.Machines))
	}
	mu.Lock()
	defer mu.Unlock()
	if before >= 0 {
		if limit := before + int(live.FilesNeeded(machines, machines)); peak > limit {
			t.Errorf("the process held %d open files during the run, %d before it; want at most %d", peak, before, limit)
		}
		t.Logf("open files: %d before the run, at most %d during it", before, peak)
	}
	v, err := runcheck.Verify(st, "many")
	if err != nil {
		t.Fatalf("the recording breaks the model: %v", err)
	}
	var arrivals, events uint64
	for _, m := range res.Meta.Machines {
		events += v.Events[m.ID]
		if want := expectedTicks(m.Rate, speed, duration); v.Events[m.ID] != want {
			t.Errorf("machine %d (rate %d): %d ticks, want %d", m.ID, m.Rate, v.Events[m.ID], want)
		}
		arrivals += v.Arrivals[m.ID]
	}
	sent, lost := messagesSent(t, st, "many")
	if lost != 0 || sent != arrivals || sent == 0 {
		t.Errorf("%d messages sent, %d arrived, %d lost; want all of them to arrive", sent, arrivals, lost)
	}
	assertReplaysIdentically(t, st, "many")
	t.Logf("%d machines: %d events, %d messages", machines, events, sent)
}

// Two "processes" (two Runs in this test, each with its own store) of two
// machines each: the machines of a process share a connection, those of
// the other are reached over their own links, and the merged run obeys the
// model and replays identically, with nothing refused.
func TestSharedAndPlainLinksInOneRun(t *testing.T) {
	cfg := core.Config{}
	for i, p := range reservePorts(t, 4) {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: "127.0.0.1", Port: p})
	}
	const speed, duration = 20.0, 2 * time.Second
	params := core.DefaultParams(23)
	dir := t.TempDir()
	var (
		wg     sync.WaitGroup
		stores [2]*record.Store
		errs   [2]error
	)
	for i, local := range [][]core.MachineID{{1, 2}, {3, 4}} {
		st, err := record.Open(filepath.Join(dir, fmt.Sprintf("part%d.db", i)), record.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
		wg.Go(func() {
			_, errs[i] = live.Run(context.Background(), live.Spec{
				RunID: "mixed", Config: cfg, Params: params, Speed: speed, Duration: duration,
				Local: local, Store: st, ConnectTimeout: patience, DrainTimeout: patience,
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
	}
	merged := openStore(t)
	if err := record.Merge(merged, stores[0], stores[1]); err != nil {
		t.Fatal(err)
	}
	meta, err := merged.Run("mixed")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range meta.Machines {
		if v, ok := meta.Options[live.RejectionsKey(m.ID)]; ok {
			t.Errorf("machine %d refused connections: %s", m.ID, v)
		}
	}
	v, err := runcheck.Verify(merged, "mixed")
	if err != nil {
		t.Fatalf("the merged recording breaks the model: %v", err)
	}
	// Both kinds of connection carried messages: within each process and
	// across.
	err = merged.View("mixed", func(r *record.Reader) error {
		var within, across int
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				if e.Arrival {
					if (e.Msg.From <= 2) == (id <= 2) {
						within++
					} else {
						across++
					}
				}
			}
			if err := it.Err(); err != nil {
				return err
			}
		}
		if within == 0 || across == 0 {
			t.Errorf("%d arrivals within a process, %d across; want both", within, across)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sent, lost := messagesSent(t, merged, "mixed")
	var arrivals uint64
	for _, n := range v.Arrivals {
		arrivals += n
	}
	if lost != 0 || arrivals > sent || arrivals == 0 {
		t.Errorf("%d sent, %d arrived, %d lost", sent, arrivals, lost)
	}
	assertReplaysIdentically(t, merged, "mixed")
}
