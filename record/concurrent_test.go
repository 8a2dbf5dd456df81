package record_test

import (
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// Many goroutines append while flushes run from the background goroutine
// and from another caller; every machine's log must come back in Append
// order. Machines 5 and 6 are fed by several goroutines each, serialised by
// a per-machine lock as the live driver does, so Append order is the order
// of the numbers they hand out. Run with -race.
func TestConcurrentAppend(t *testing.T) {
	st, _ := tempStore(t)
	ids := []core.MachineID{1, 2, 3, 4, 5, 6}
	if err := st.BeginRun(testMeta("c", 1, t0, ids)); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder("c", record.RecorderOptions{FlushEvery: time.Millisecond, ChunkEntries: 5, FlushEntries: 50})
	if err != nil {
		t.Fatal(err)
	}
	const perMachine = 2000
	type feed struct {
		mu   sync.Mutex
		next uint64
	}
	feeds := map[core.MachineID]*feed{}
	for _, id := range ids {
		feeds[id] = &feed{}
	}
	to := []core.MachineID{7, 8}
	appendNext := func(id core.MachineID) bool {
		f := feeds[id]
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.next == perMachine {
			return false
		}
		f.next++
		k := f.next
		ev := core.Event{Index: k, Tick: k, Kind: core.KindInternal, Die: 4, Clock: k}
		if k%3 == 0 {
			ev.Kind, ev.Die, ev.To, ev.FirstSeq = core.KindSend, 3, to, k
		}
		rec.Append(id, core.Entry{At: time.Duration(k), Event: ev})
		return true
	}

	var wg sync.WaitGroup
	for _, id := range ids {
		writers := 1
		if id >= 5 {
			writers = 3
		}
		for range writers {
			wg.Go(func() {
				for appendNext(id) {
				}
			})
		}
	}
	stop := make(chan struct{})
	flusher := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				flusher <- nil
				return
			default:
			}
			if err := rec.Flush(); err != nil {
				flusher <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	if err := <-flusher; err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, st, "c")
	for _, id := range ids {
		log := got[id]
		if len(log) != perMachine {
			t.Fatalf("machine %d: %d entries, want %d", id, len(log), perMachine)
		}
		for i, e := range log {
			k := uint64(i + 1)
			if e.Event.Index != k || e.At != time.Duration(k) {
				t.Fatalf("machine %d entry %d: index %d at %v, out of order", id, i, e.Event.Index, e.At)
			}
			if e.Event.Kind == core.KindSend && (len(e.Event.To) != 2 || e.Event.To[0] != 7 || e.Event.To[1] != 8) {
				t.Fatalf("machine %d entry %d: To %v", id, i, e.Event.To)
			}
		}
	}
}
