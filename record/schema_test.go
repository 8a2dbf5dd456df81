package record_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
	"lamport/record"
)

// rawUpdate edits a closed store file with bbolt directly.
func rawUpdate(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestSchemaOneStillReads: versions 2 to 4 only added to version 1, so a
// version 1 store opens read-only as it is and is marked version 4 by the
// first writable open.
func TestSchemaOneStillReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("1"))
	})
	schema := func() (v string) {
		rawUpdate(t, path, func(tx *bolt.Tx) error {
			v = string(tx.Bucket([]byte("meta")).Get([]byte("schema")))
			return nil
		})
		return v
	}
	ro, err := record.Open(path, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a version 1 store: %v", err)
	}
	ro.Close()
	if v := schema(); v != "1" {
		t.Fatalf("a read-only open changed the schema to %q", v)
	}
	rw, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatalf("writable open of a version 1 store: %v", err)
	}
	rw.Close()
	if v := schema(); v != "4" {
		t.Errorf("after a writable open the schema is %q, want \"4\"", v)
	}
}

func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v != "4" {
			t.Errorf("a new store has schema %q, want \"4\"", v)
		}
		return nil
	})

	for _, tc := range []struct {
		name, version, msg string
	}{
		{"newer", "5", "format version 5; this lamport reads versions 1 to 4"},
		{"garbage", "x1", "unreadable store format version"},
		{"zero", "0", "unreadable store format version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte(tc.version))
			})
			for _, ro := range []bool{false, true} {
				_, err := record.Open(path, record.Options{ReadOnly: ro})
				if !errors.Is(err, record.ErrSchema) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), path) {
					t.Errorf("read-only=%v: got %v, want ErrSchema saying %q", ro, err, tc.msg)
				}
			}
		})
	}

	// A bbolt file of some other program is not taken over.
	other := filepath.Join(dir, "other.db")
	rawUpdate(t, other, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("widgets"))
		return err
	})
	_, err = record.Open(other, record.Options{})
	wantErrIs(t, err, record.ErrSchema)
	rawUpdate(t, other, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("runs")) != nil {
			t.Error("Open added buckets to a foreign file")
		}
		return nil
	})
}

// TestSchemaTwoRunReadsAndResumes: a run written with schema 2's msgpack
// chunks reads as it was, passes Check, and a Recorder that carries on
// its logs after the upgrade adds delta chunks behind them; the whole log
// reads back in order.
func TestSchemaTwoRunReadsAndResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	steps := schedule(t, 11, ids3, 600)
	st := openStore(t, path, record.Options{})
	meta := testMeta("old", 11, t0, ids3)
	recordRun(t, st, meta, steps[:400], record.RecorderOptions{})
	st.Close()
	first := perMachine(steps[:400])
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if err := nestRun(tx, "old"); err != nil {
			return err
		}
		run := rawRun(tx, "old")
		for id, es := range first {
			l := rawLog{run, uint32(id)}
			ns, _ := l.chunks()
			for _, n := range ns {
				if err := l.deleteChunk(n); err != nil {
					return err
				}
			}
			if err := l.putChunk(1, record.EncodeSchema2Chunk(es)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("2"))
	})

	ro := openStore(t, path, record.Options{ReadOnly: true})
	if err := ro.Check(); err != nil {
		t.Fatalf("Check of the schema 2 store: %v", err)
	}
	if diff := diffLogs(first, readAll(t, ro, "old")); diff != nil {
		t.Fatal(diff)
	}
	ro.Close()

	rw := openStore(t, path, record.Options{})
	rec, err := rw.NewRecorder("old", record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps[400:] {
		rec.Append(s.m, s.e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rw.Check(); err != nil {
		t.Fatalf("Check after resuming: %v", err)
	}
	if diff := diffLogs(perMachine(steps), readAll(t, rw, "old")); diff != nil {
		t.Fatal(diff)
	}
	rw.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v != "4" {
			t.Errorf("schema after a writable open: %q, want 4", v)
		}
		// The resumed log stays in its nested layout.
		mb := rawRun(tx, "old").Bucket(mkey(1))
		if mb == nil {
			t.Fatal("machine 1's log is no longer a nested bucket")
		}
		c := mb.Bucket([]byte("chunks")).Cursor()
		k, v := c.First()
		if v[0] < 0x90 {
			t.Errorf("chunk %x starts %#x, want the schema 2 msgpack array", k, v[0])
		}
		if k, v = c.Next(); k == nil || v[0] != 0x03 {
			t.Errorf("the resumed log's next chunk is %x % x, want a delta chunk", k, v)
		}
		return nil
	})
}

// TestSchemaThreeLayoutReadsResumesAndMerges: a run in the nested layout
// of schemas 1 to 3 (a bucket per machine holding its stats and a chunks
// bucket) reads as it was, passes Check and the recovery of a dead
// writer's run; a Recorder resumes it in its own layout; and a merge
// copies it into the flat layout of schema 4, with the same logs.
func TestSchemaThreeLayoutReadsResumesAndMerges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s3.db")
	ids := []core.MachineID{1, 2, 3, 4, 5}
	steps := schedule(t, 21, ids, 3000)
	st := openStore(t, path, record.Options{})
	meta := testMeta("old", 21, t0, ids)
	recordRun(t, st, meta, steps[:2000], record.RecorderOptions{ChunkEntries: 50})
	st.Close()
	first := perMachine(steps[:2000])
	// As a lamport of schema 3 would have left it, its writer killed.
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if err := nestRun(tx, "old"); err != nil {
			return err
		}
		runs := tx.Bucket([]byte("runs"))
		v := bytes.Replace(runs.Get([]byte("old")), []byte(`"status": "complete"`), []byte(`"status": "running"`), 1)
		v = regexp.MustCompile(`\n\s*"ended": "[^"]*",`).ReplaceAll(v, nil)
		return runs.Put([]byte("old"), v)
	})

	ro := openStore(t, path, record.Options{ReadOnly: true})
	if err := ro.Check(); err != nil {
		t.Fatalf("Check of the schema 3 store: %v", err)
	}
	if diff := diffLogs(first, readAll(t, ro, "old")); diff != nil {
		t.Fatal(diff)
	}
	got, err := ro.Run("old")
	if err != nil {
		t.Fatal(err)
	}
	var lastAt time.Duration
	for _, es := range first {
		lastAt = max(lastAt, es[len(es)-1].At)
	}
	if got.Status != record.StatusInterrupted || !got.Ended.Equal(t0.Add(lastAt)) {
		t.Errorf("recovered run: status %s, ended %v; want interrupted at the last entry, %v", got.Status, got.Ended, t0.Add(lastAt))
	}
	ro.Close()

	rw := openStore(t, path, record.Options{})
	rec, err := rw.NewRecorder("old", record.RecorderOptions{ChunkEntries: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps[2000:] {
		rec.Append(s.m, s.e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rw.Check(); err != nil {
		t.Fatalf("Check after resuming: %v", err)
	}
	all := perMachine(steps)
	if diff := diffLogs(all, readAll(t, rw, "old")); diff != nil {
		t.Fatal(diff)
	}
	rw.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		run := rawRun(tx, "old")
		for _, id := range ids {
			l := rawLog{run, uint32(id)}
			if l.nested() == nil {
				t.Errorf("machine %d: the resumed log left its nested layout", id)
			}
			if ns, _ := l.chunks(); len(ns) <= len(first[id])/50 {
				t.Errorf("machine %d: %d chunks after resuming, want more than the %d before", id, len(ns), len(first[id])/50)
			}
		}
		return nil
	})

	out := openStore(t, filepath.Join(dir, "merged.db"), record.Options{})
	in := openStore(t, path, record.Options{ReadOnly: true})
	if err := record.Merge(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Check(); err != nil {
		t.Fatalf("Check of the merged store: %v", err)
	}
	if diff := diffLogs(all, readAll(t, out, "old")); diff != nil {
		t.Fatal(diff)
	}
	stIn, err := in.Stats("old")
	if err != nil {
		t.Fatal(err)
	}
	stOut, err := out.Stats("old")
	if err != nil || !reflect.DeepEqual(stIn, stOut) {
		t.Fatalf("merged stats %+v, %v; want %+v", stOut, err, stIn)
	}
	out.Close()
	rawUpdate(t, filepath.Join(dir, "merged.db"), func(tx *bolt.Tx) error {
		run := rawRun(tx, "old")
		if got := rawIDs(run); len(got) != len(ids) {
			t.Errorf("merged run has logs of machines %v, want %v", got, ids)
		}
		for _, id := range ids {
			if (rawLog{run, uint32(id)}).nested() != nil {
				t.Errorf("machine %d: merged into the nested layout, want flat", id)
			}
		}
		return nil
	})
}
