package record_test

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

// TestSchemaOneStillReads: versions 2 and 3 only added to version 1, so a
// version 1 store opens read-only as it is and is marked version 3 by the
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
	if v := schema(); v != "3" {
		t.Errorf("after a writable open the schema is %q, want \"3\"", v)
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
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v != "3" {
			t.Errorf("a new store has schema %q, want \"3\"", v)
		}
		return nil
	})

	for _, tc := range []struct {
		name, version, msg string
	}{
		{"newer", "4", "format version 4; this lamport reads versions 1 to 3"},
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
		run := tx.Bucket([]byte("data")).Bucket([]byte("old"))
		for id, es := range first {
			chunks := run.Bucket(binary.BigEndian.AppendUint32(nil, uint32(id))).Bucket([]byte("chunks"))
			var keys [][]byte
			if err := chunks.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil }); err != nil {
				return err
			}
			for _, k := range keys {
				if err := chunks.Delete(k); err != nil {
					return err
				}
			}
			if err := chunks.Put(binary.BigEndian.AppendUint64(nil, 1), record.EncodeSchema2Chunk(es)); err != nil {
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
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v != "3" {
			t.Errorf("schema after a writable open: %q, want 3", v)
		}
		chunks := tx.Bucket([]byte("data")).Bucket([]byte("old")).Bucket(binary.BigEndian.AppendUint32(nil, 1)).Bucket([]byte("chunks"))
		c := chunks.Cursor()
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
