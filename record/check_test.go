package record_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	bolt "go.etcd.io/bbolt"

	"lamport/core"
	"lamport/record"
)

// TestCheckDetectsCorruption damages a valid store with raw bbolt writes,
// one way at a time, and expects Check to name the problem.
func TestCheckDetectsCorruption(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	st, err := record.Open(good, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recordRun(t, st, testMeta("r", 5, t0, ids3), schedule(t, 5, ids3, 400), record.RecorderOptions{ChunkEntries: 10})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	mkey := func(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }
	ckey := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	machine := func(tx *bolt.Tx, id uint32) *bolt.Bucket {
		return tx.Bucket([]byte("data")).Bucket([]byte("r")).Bucket(mkey(id))
	}
	chunks := func(tx *bolt.Tx, id uint32) *bolt.Bucket { return machine(tx, id).Bucket([]byte("chunks")) }
	// editLog decodes a machine's whole log, lets edit change its entries,
	// and writes them back as one chunk.
	editLog := func(tx *bolt.Tx, id uint32, edit func([]core.Entry)) error {
		b := chunks(tx, id)
		var raw [][]byte
		if err := b.ForEach(func(_, v []byte) error { raw = append(raw, append([]byte(nil), v...)); return nil }); err != nil {
			return err
		}
		es, err := record.DecodeLog(raw)
		if err != nil {
			return err
		}
		edit(es)
		for n := range raw {
			if err := b.Delete(ckey(uint64(n + 1))); err != nil {
				return err
			}
		}
		return b.Put(ckey(1), record.EncodeLog(es))
	}
	// firstTick finds the first tick entry at or after entry i.
	firstTick := func(es []core.Entry, i int) int {
		for ; i < len(es); i++ {
			if es[i].IsTick() {
				return i
			}
		}
		t.Fatal("no tick entry in the log")
		return -1
	}

	cases := []struct {
		name   string
		damage func(tx *bolt.Tx) error
		want   string
	}{
		{"chunk gap", func(tx *bolt.Tx) error { return chunks(tx, 1).Delete(ckey(2)) }, "machine 1: chunk key 3 where 2 belongs"},
		{"chunk key not from 1", func(tx *bolt.Tx) error {
			b := chunks(tx, 2)
			v := append([]byte(nil), b.Get(ckey(1))...)
			if err := b.Delete(ckey(1)); err != nil {
				return err
			}
			return b.Put(ckey(0), v)
		}, "machine 2: chunk key 0 where 1 belongs"},
		{"undecodable chunk", func(tx *bolt.Tx) error {
			return chunks(tx, 2).Put(ckey(3), []byte{0x03, 0x01, 0x00, 0x07, 1, 2, 3, 4, 5})
		}, "machine 2 chunk 3: entry 0: unknown entry form 7"},
		{"undecodable schema 2 chunk", func(tx *bolt.Tx) error {
			return chunks(tx, 2).Put(ckey(1), []byte{0x91, 0xff, 1, 2, 3, 4, 5})
		}, "machine 2 chunk 1: entry 0: want an array"},
		{"chunk carries on from nothing", func(tx *bolt.Tx) error {
			b := chunks(tx, 1)
			v := append([]byte(nil), b.Get(ckey(1))...)
			v[2] = 0 // the count is one byte here: clear the reset flag
			return b.Put(ckey(1), v)
		}, "machine 1 chunk 1: delta chunk carries on from a chunk that is not a whole delta chunk"},
		{"trailing bytes", func(tx *bolt.Tx) error {
			b := chunks(tx, 3)
			return b.Put(ckey(1), append(append([]byte(nil), b.Get(ckey(1))...), 0x01))
		}, "bytes after the last entry"},
		{"empty chunk", func(tx *bolt.Tx) error { return chunks(tx, 3).Put(ckey(1), []byte{0x90}) }, "empty chunk"},
		{"stats mismatch", func(tx *bolt.Tx) error {
			var s []int64
			if err := msgpack.Unmarshal(machine(tx, 1).Get([]byte("stats")), &s); err != nil {
				return err
			}
			s[3]++ // sends
			v, err := msgpack.Marshal(s)
			if err != nil {
				return err
			}
			return machine(tx, 1).Put([]byte("stats"), v)
		}, "stored stats"},
		{"undecodable stats", func(tx *bolt.Tx) error { return machine(tx, 2).Put([]byte("stats"), []byte("{}")) }, "machine 2: stats:"},
		{"at goes back", func(tx *bolt.Tx) error {
			return editLog(tx, 1, func(es []core.Entry) {
				es[14].At = es[13].At - 1
			})
		}, "before the previous entry"},
		{"event index gap", func(tx *bolt.Tx) error {
			return editLog(tx, 2, func(es []core.Entry) {
				i := firstTick(es, 12)
				es[i].Event.Index++
			})
		}, "event index"},
		{"event tick gap", func(tx *bolt.Tx) error {
			return editLog(tx, 3, func(es []core.Entry) {
				i := firstTick(es, 0)
				es[i].Event.Tick += 2
			})
		}, "event tick"},
		{"machine not in meta", func(tx *bolt.Tx) error {
			runs := tx.Bucket([]byte("runs"))
			var m map[string]any
			if err := json.Unmarshal(runs.Get([]byte("r")), &m); err != nil {
				return err
			}
			m["machines"] = m["machines"].([]any)[:2]
			v, err := json.Marshal(m)
			if err != nil {
				return err
			}
			return runs.Put([]byte("r"), v)
		}, "machine 3 has a log but is not in the run's machines"},
		{"data without meta", func(tx *bolt.Tx) error { return tx.Bucket([]byte("runs")).Delete([]byte("r")) }, "has data but no meta"},
		{"undecodable meta", func(tx *bolt.Tx) error { return tx.Bucket([]byte("runs")).Put([]byte("r"), []byte("{")) }, "run r: meta:"},
		{"meta of another run", func(tx *bolt.Tx) error {
			runs := tx.Bucket([]byte("runs"))
			return runs.Put([]byte("q"), append([]byte(nil), runs.Get([]byte("r"))...))
		}, `meta names run "r"`},
		{"stray key in machine", func(tx *bolt.Tx) error { return machine(tx, 1).Put([]byte("x"), []byte("y")) }, "unexpected key"},
		{"missing stats", func(tx *bolt.Tx) error { return machine(tx, 1).Delete([]byte("stats")) }, "no stats"},
		{"bad machine key", func(tx *bolt.Tx) error {
			_, err := tx.Bucket([]byte("data")).Bucket([]byte("r")).CreateBucket([]byte("xx"))
			return err
		}, "not a machine bucket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.db")
			copyFile(t, good, path)
			st := openStore(t, path, record.Options{})
			if err := st.Check(); err != nil {
				t.Fatalf("the undamaged copy fails Check: %v", err)
			}
			st.Close()
			rawUpdate(t, path, tc.damage)
			st = openStore(t, path, record.Options{ReadOnly: true})
			err := st.Check()
			if !errors.Is(err, record.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check() = %v, want ErrCorrupt mentioning %q", err, tc.want)
			}
			// Readers report damage as errors too, never panics.
			readErr := st.View("r", func(r *record.Reader) error {
				for _, m := range r.Machines() {
					it := r.Entries(m)
					for _, ok := it.Next(); ok; _, ok = it.Next() {
					}
					if err := it.Err(); err != nil {
						return err
					}
				}
				return nil
			})
			if readErr != nil && !errors.Is(readErr, record.ErrCorrupt) && !errors.Is(readErr, record.ErrNotFound) {
				t.Errorf("reading the damaged store: %v, want ErrCorrupt", readErr)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
