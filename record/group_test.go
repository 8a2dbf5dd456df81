package record_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/record"
)

// groupRuns are the runs of the FinishTogether tests: short and long
// schedules, one run that flushed by itself before the end (a long run of
// a group), one that ends interrupted, one with no entries.
type groupRun struct {
	id      string
	steps   []step
	status  record.Status
	flushAt int // Flush after this many entries; 0: never
}

func groupRuns(t *testing.T) []groupRun {
	return []groupRun{
		{id: "g1", steps: schedule(t, 1, ids3, 300), status: record.StatusComplete},
		{id: "g2", steps: schedule(t, 2, ids3, 9000), status: record.StatusComplete},
		{id: "g3", steps: schedule(t, 3, ids3, 2000), status: record.StatusComplete, flushAt: 700},
		{id: "g4", steps: schedule(t, 4, ids3, 50), status: record.StatusInterrupted},
		{id: "g5", status: record.StatusComplete},
	}
}

func recordGroupRun(t *testing.T, st *record.Store, r groupRun) *record.Recorder {
	t.Helper()
	rec, err := st.BeginRecording(testMeta(r.id, 7, t0, ids3), record.RecorderOptions{FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range r.steps {
		if i == r.flushAt && r.flushAt > 0 {
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		rec.Append(s.m, s.e)
	}
	return rec
}

// Runs finished together are stored exactly as runs finished one by one:
// every key and value of the two files' buckets is the same, with one
// commit for the group.
func TestFinishTogetherStoresWhatFinishStores(t *testing.T) {
	runs := groupRuns(t)
	ended := t0.Add(time.Minute)

	apart, apartPath := tempStore(t)
	for _, r := range runs {
		if err := recordGroupRun(t, apart, r).Finish(r.status, ended); err != nil {
			t.Fatal(err)
		}
	}

	together, togetherPath := tempStore(t)
	var ends []record.Ending
	for _, r := range runs {
		rec := recordGroupRun(t, together, r)
		ends = append(ends, record.Ending{Rec: rec, Status: r.status, Ended: ended})
	}
	if err := together.FinishTogether(ends); err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		got, err := together.Run(r.id)
		if err != nil || got.Status != r.status || !got.Ended.Equal(ended) {
			t.Fatalf("run %s: %+v, %v", r.id, got, err)
		}
		if diff := diffLogs(perMachine(r.steps), readAll(t, together, r.id)); diff != nil {
			t.Fatalf("run %s: %v", r.id, diff)
		}
	}
	if err := together.Check(); err != nil {
		t.Fatal(err)
	}
	for _, e := range ends {
		if err := e.Rec.Finish(record.StatusComplete, ended); !isErr(err, record.ErrClosed) {
			t.Errorf("Finish after FinishTogether: %v, want ErrClosed", err)
		}
	}
	apart.Close()
	together.Close()
	if a, b := dumpStore(t, apartPath), dumpStore(t, togetherPath); a != b {
		t.Errorf("the stores differ:\nfinished one by one:\n%s\nfinished together:\n%s", a, b)
	}
	// Commits: g3's own flush, then one for the group (one by one: 6).
	empty, emptyPath := tempStore(t)
	empty.Close()
	if n := txID(t, togetherPath) - txID(t, emptyPath); n != 2 {
		t.Errorf("%d commits, want 2", n)
	}
	if n := txID(t, apartPath) - txID(t, emptyPath); n != 6 {
		t.Errorf("one by one: %d commits, want 6", n)
	}
}

// txID is the id of a store's last committed transaction.
func txID(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	return tx.ID()
}

// dumpStore is every bucket, key and value of a store's file, in order.
func dumpStore(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				fmt.Fprintf(&out, "%s%q/\n", prefix, k)
				return walk(prefix+"  ", b.Bucket(k))
			}
			fmt.Fprintf(&out, "%s%q = %x\n", prefix, k, v)
			return nil
		})
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(&out, "%q/\n", name)
			return walk("  ", b)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// A group whose commit fails stores none of its runs, and every Recorder
// of it fails; one closed Recorder refuses the whole group before anything
// is written.
func TestFinishTogetherIsAllOrNothing(t *testing.T) {
	st, _ := tempStore(t)
	runs := groupRuns(t)
	ended := t0.Add(time.Minute)
	var ends []record.Ending
	for _, r := range runs[:2] {
		ends = append(ends, record.Ending{Rec: recordGroupRun(t, st, r), Status: r.status, Ended: ended})
	}
	// A run of the same id, begun by another writer after the group began:
	// the group's commit finds it taken.
	if err := st.BeginRun(testMeta(runs[1].id, 1, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	err := st.FinishTogether(ends)
	if !isErr(err, record.ErrExists) {
		t.Fatalf("FinishTogether: %v, want ErrExists", err)
	}
	if _, err := st.Run(runs[0].id); !isErr(err, record.ErrNotFound) {
		t.Errorf("run %s of the failed group is in the store: %v", runs[0].id, err)
	}
	for _, e := range ends {
		if e.Rec.Err() == nil {
			t.Errorf("a Recorder of the failed group has no error")
		}
	}

	// One Recorder closed already: nothing of the group is written.
	fresh := groupRun{id: "g6", steps: schedule(t, 6, ids3, 100), status: record.StatusComplete}
	a := recordGroupRun(t, st, fresh)
	b := recordGroupRun(t, st, runs[3])
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	err = st.FinishTogether([]record.Ending{{Rec: a, Status: record.StatusComplete, Ended: ended}, {Rec: b, Status: record.StatusComplete, Ended: ended}})
	if !isErr(err, record.ErrClosed) {
		t.Fatalf("FinishTogether with a closed Recorder: %v, want ErrClosed", err)
	}
	if _, err := st.Run(fresh.id); !isErr(err, record.ErrNotFound) {
		t.Errorf("run %s of the refused group is in the store: %v", fresh.id, err)
	}
	if a.Err() == nil {
		t.Error("the open Recorder of the refused group has no error")
	}
	if err := st.FinishTogether([]record.Ending{{Rec: recordGroupRun(t, st, runs[4]), Status: record.StatusRunning}}); err == nil {
		t.Error("FinishTogether took status running")
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}
