package record_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
	"lamport/record"
)

// rawStatus reads a run's status and end straight from the bbolt file,
// past record's own reading, to tell what an Open wrote from what it only
// derived.
func rawStatus(t *testing.T, path, id string) (string, time.Time) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var j struct {
		Status string    `json:"status"`
		Ended  time.Time `json:"ended"`
	}
	err = db.View(func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket([]byte("runs")).Get([]byte(id)), &j)
	})
	if err != nil {
		t.Fatal(err)
	}
	return j.Status, j.Ended
}

// leaveRunning records steps as run id and never finishes it: on disk this
// is what a process killed right after its last commit leaves.
func leaveRunning(t *testing.T, st *record.Store, meta record.RunMeta, steps []step) {
	t.Helper()
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder(meta.ID, record.RecorderOptions{ChunkEntries: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		rec.Append(s.m, s.e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRunLeftRunningReadsAsInterruptedAfterItsProcessIsGone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lamport.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	left := testMeta("left", 5, t0, ids3)
	// Machines that started apart: the run ends at the latest entry over
	// all of them, each measured from its own start.
	left.Machines[1].StartWall = t0.Add(90 * time.Second)
	steps := schedule(t, 5, ids3, 400)
	leaveRunning(t, st, left, steps)
	leaveRunning(t, st, testMeta("empty", 6, t0.Add(time.Hour), ids3), nil)
	recordRun(t, st, testMeta("done", 7, t0, ids3), schedule(t, 7, ids3, 50), record.RecorderOptions{})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	var wantEnded time.Time
	for id, log := range perMachine(steps) {
		mm, _ := left.Machine(id)
		if end := mm.StartWall.Add(log[len(log)-1].At); end.After(wantEnded) {
			wantEnded = end
		}
	}
	check := func(st *record.Store, how string) {
		t.Helper()
		byID := map[string]record.RunMeta{}
		runs, err := st.Runs()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range runs {
			byID[m.ID] = m
			one, err := st.Run(m.ID)
			if err != nil || one.Status != m.Status || !one.Ended.Equal(m.Ended) {
				t.Errorf("%s: Run(%s) = %s %v, Runs() says %s %v (%v)", how, m.ID, one.Status, one.Ended, m.Status, m.Ended, err)
			}
		}
		got := byID["left"]
		if got.Status != record.StatusInterrupted || !got.Ended.Equal(wantEnded) {
			t.Errorf("%s: left: %s ended %v, want interrupted ended %v", how, got.Status, got.Ended, wantEnded)
		}
		if got.Options[record.OptionRecovered] != record.RecoveredNote || got.Options["duration"] != "10s" {
			t.Errorf("%s: left: options %v", how, got.Options)
		}
		if e := byID["empty"]; e.Status != record.StatusInterrupted || !e.Ended.Equal(e.Started) {
			t.Errorf("%s: a run with no entries: %s ended %v, want interrupted at its start %v", how, e.Status, e.Ended, e.Started)
		}
		if d := byID["done"]; d.Status != record.StatusComplete || d.Options[record.OptionRecovered] != "" {
			t.Errorf("%s: a complete run was touched: %+v", how, d)
		}
		if r, err := st.Resolve("lef"); err != nil || r.Status != record.StatusInterrupted {
			t.Errorf("%s: Resolve: %s %v", how, r.Status, err)
		}
		if err := st.Check(); err != nil {
			t.Errorf("%s: %v", how, err)
		}
		if diff := diffLogs(perMachine(steps), readAll(t, st, "left")); diff != nil {
			t.Errorf("%s: the committed log changed: %v", how, diff)
		}
	}

	ro := openStore(t, path, record.Options{ReadOnly: true})
	check(ro, "read-only")
	ro.Close()
	if status, _ := rawStatus(t, path, "left"); status != "running" {
		t.Fatalf("a read-only open wrote the status: %s", status)
	}

	rw := openStore(t, path, record.Options{})
	check(rw, "read-write")
	rw.Close()
	if status, ended := rawStatus(t, path, "left"); status != "interrupted" || !ended.Equal(wantEnded) {
		t.Fatalf("a writable open did not store the recovery: %s %v", status, ended)
	}
	check(openStore(t, path, record.Options{ReadOnly: true}), "read-only after the write")
}

// The store's own writer holds the lock: its running run is alive and must
// read as running, in the same process that recovered others at Open.
func TestOwnRunningRunIsNotRecovered(t *testing.T) {
	st, _ := tempStore(t)
	if err := st.BeginRun(testMeta("live", 1, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	m, err := st.Run("live")
	if err != nil || m.Status != record.StatusRunning || m.Options[record.OptionRecovered] != "" {
		t.Fatalf("own run: %s %v %v", m.Status, m.Options, err)
	}
}

// run --procs merges the stores of machine processes; one that was killed
// leaves its part running, and the merged run must not claim to be still
// going.
func TestMergeOfAKilledMachineStoreIsInterrupted(t *testing.T) {
	dir := t.TempDir()
	meta := testMeta("p", 4, t0, ids3)
	logs := perMachine(schedule(t, 4, ids3, 300))
	var ins []*record.Store
	for _, id := range ids3 {
		status := record.StatusComplete
		if id == 2 {
			status = record.StatusRunning
		}
		st := machineStore(t, dir, id, meta, logs[id], status, t0.Add(time.Hour))
		path := st.Path()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, openStore(t, path, record.Options{ReadOnly: true}))
	}
	out := openStore(t, filepath.Join(dir, "out.db"), record.Options{})
	if err := record.Merge(out, ins...); err != nil {
		t.Fatal(err)
	}
	got, err := out.Run("p")
	if err != nil || got.Status != record.StatusInterrupted {
		t.Fatalf("merged: %s %v", got.Status, err)
	}
}

func TestOnCommitReportsWhatIsStored(t *testing.T) {
	st, _ := tempStore(t)
	meta := testMeta("c", 3, t0, ids3)
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	var seen []record.Committed
	rec, err := st.NewRecorder("c", record.RecorderOptions{FlushEvery: time.Hour, OnCommit: func(c record.Committed) {
		seen = append(seen, c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	steps := schedule(t, 3, ids3, 500)
	var events uint64
	for i, s := range steps {
		rec.Append(s.m, s.e)
		if !s.e.Arrival {
			events++
		}
		if i == 199 {
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
			stats, _ := st.Stats("c")
			var stored uint64
			for _, s := range stats {
				stored += s.Entries
			}
			if len(seen) != 1 || seen[0].Entries != 200 || seen[0].Entries != stored || seen[0].Events != events {
				t.Fatalf("after 200 entries (%d events) and a flush: OnCommit saw %+v, store holds %d", events, seen, stored)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != (record.Committed{Entries: 500, Events: events}) {
		t.Fatalf("after Close: OnCommit saw %+v, want a last {500 %d}", seen, events)
	}
	if err := rec.Flush(); err != nil || len(seen) != 2 {
		t.Fatalf("an empty flush reported a commit: %+v %v", seen, err)
	}
}

func TestFailedIsClosedByAFailedCommit(t *testing.T) {
	st, _ := tempStore(t)
	if err := st.BeginRun(testMeta("f", 3, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder("f", record.RecorderOptions{FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Append(1, core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindInternal, Clock: 1}})
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.Failed():
		t.Fatal("Failed is closed after a good commit")
	default:
	}
	// The run vanishing under the recorder is a commit that cannot succeed.
	if err := st.DeleteRun("f"); err != nil {
		t.Fatal(err)
	}
	rec.Append(1, core.Entry{Event: core.Event{Index: 2, Tick: 2, Kind: core.KindInternal, Clock: 2}})
	if err := rec.Flush(); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("flush into a deleted run: %v", err)
	}
	select {
	case <-rec.Failed():
	default:
		t.Fatal("Failed is still open after a failed commit")
	}
}
