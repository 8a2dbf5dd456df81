package record_test

import (
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

	log := func(tx *bolt.Tx, id uint32) rawLog { return rawLog{rawRun(tx, "r"), id} }
	// editLog decodes a machine's whole log, lets edit change its entries,
	// and writes them back as one chunk.
	editLog := func(tx *bolt.Tx, id uint32, edit func([]core.Entry)) error {
		l := log(tx, id)
		ns, raw := l.chunks()
		es, err := record.DecodeLog(raw)
		if err != nil {
			return err
		}
		edit(es)
		for _, n := range ns {
			if err := l.deleteChunk(n); err != nil {
				return err
			}
		}
		return l.putChunk(1, record.EncodeLog(es))
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
		// wantFlat, when set, is what Check says of the flat layout.
		wantFlat string
	}{
		{"chunk gap", func(tx *bolt.Tx) error { return log(tx, 1).deleteChunk(2) }, "machine 1: chunk key 3 where 2 belongs", ""},
		{"chunk key not from 1", func(tx *bolt.Tx) error {
			l := log(tx, 2)
			v := l.chunk(1)
			if err := l.deleteChunk(1); err != nil {
				return err
			}
			return l.putChunk(0, v)
		}, "machine 2: chunk key 0 where 1 belongs", ""},
		{"undecodable chunk", func(tx *bolt.Tx) error {
			return log(tx, 2).putChunk(3, []byte{0x03, 0x01, 0x00, 0x07, 1, 2, 3, 4, 5})
		}, "machine 2 chunk 3: entry 0: unknown entry form 7", ""},
		{"undecodable schema 2 chunk", func(tx *bolt.Tx) error {
			return log(tx, 2).putChunk(1, []byte{0x91, 0xff, 1, 2, 3, 4, 5})
		}, "machine 2 chunk 1: entry 0: want an array", ""},
		{"chunk carries on from nothing", func(tx *bolt.Tx) error {
			l := log(tx, 1)
			v := l.chunk(1)
			v[2] = 0 // the count is one byte here: clear the reset flag
			return l.putChunk(1, v)
		}, "machine 1 chunk 1: delta chunk carries on from a chunk that is not a whole delta chunk", ""},
		{"trailing bytes", func(tx *bolt.Tx) error {
			l := log(tx, 3)
			return l.putChunk(1, append(l.chunk(1), 0x01))
		}, "bytes after the last entry", ""},
		{"empty chunk", func(tx *bolt.Tx) error { return log(tx, 3).putChunk(1, []byte{0x90}) }, "empty chunk", ""},
		{"stats mismatch", func(tx *bolt.Tx) error {
			var s []int64
			if err := msgpack.Unmarshal(log(tx, 1).stats(), &s); err != nil {
				return err
			}
			s[3]++ // sends
			v, err := msgpack.Marshal(s)
			if err != nil {
				return err
			}
			return log(tx, 1).putStats(v)
		}, "stored stats", ""},
		{"undecodable stats", func(tx *bolt.Tx) error { return log(tx, 2).putStats([]byte("{}")) }, "machine 2: stats:", ""},
		{"at goes back", func(tx *bolt.Tx) error {
			return editLog(tx, 1, func(es []core.Entry) {
				es[14].At = es[13].At - 1
			})
		}, "before the previous entry", ""},
		{"event index gap", func(tx *bolt.Tx) error {
			return editLog(tx, 2, func(es []core.Entry) {
				i := firstTick(es, 12)
				es[i].Event.Index++
			})
		}, "event index", ""},
		{"event tick gap", func(tx *bolt.Tx) error {
			return editLog(tx, 3, func(es []core.Entry) {
				i := firstTick(es, 0)
				es[i].Event.Tick += 2
			})
		}, "event tick", ""},
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
		}, "machine 3 has a log but is not in the run's machines", ""},
		{"data without meta", func(tx *bolt.Tx) error { return tx.Bucket([]byte("runs")).Delete([]byte("r")) }, "has data but no meta", ""},
		{"undecodable meta", func(tx *bolt.Tx) error { return tx.Bucket([]byte("runs")).Put([]byte("r"), []byte("{")) }, "run r: meta:", ""},
		{"meta of another run", func(tx *bolt.Tx) error {
			runs := tx.Bucket([]byte("runs"))
			return runs.Put([]byte("q"), append([]byte(nil), runs.Get([]byte("r"))...))
		}, `meta names run "r"`, ""},
		{"stray key in machine", func(tx *bolt.Tx) error {
			l := log(tx, 1)
			if b := l.nested(); b != nil {
				return b.Put([]byte("x"), []byte("y"))
			}
			return l.run.Put(append(mkey(1), 'x'), []byte("y"))
		}, "unexpected key", "key 0000000178 is neither a machine nor one of its chunks"},
		{"stray long key in machine", func(tx *bolt.Tx) error {
			l := log(tx, 1)
			if b := l.nested(); b != nil {
				return b.Bucket([]byte("chunks")).Put(append(ckey(99), 0), []byte("y"))
			}
			return l.run.Put(append(l.chunkKey(99), 0), []byte("y"))
		}, "chunk key 000000000000006300", "key 00000001000000000000006300 is neither a machine nor one of its chunks"},
		{"flat chunk key beside a nested log, a bucket", func(tx *bolt.Tx) error {
			_, err := rawRun(tx, "r").CreateBucket(append(mkey(1), ckey(500)...))
			return err
		}, "key 0000000100000000000001f4 is neither a machine nor one of its chunks", "machine 1: chunk key 00000000000001f4"},
		{"chunk past the last machine", func(tx *bolt.Tx) error {
			return rawRun(tx, "r").Put(append(mkey(9), ckey(1)...), []byte("y"))
		}, "key 000000090000000000000001 is neither a machine nor one of its chunks", ""},
		{"missing stats", func(tx *bolt.Tx) error { return log(tx, 1).deleteStats() }, "no stats", "key 000000010000000000000001 is neither a machine nor one of its chunks"},
		{"bad machine key", func(tx *bolt.Tx) error {
			_, err := rawRun(tx, "r").CreateBucket([]byte("xx"))
			return err
		}, "key 7878 is neither a machine nor one of its chunks", ""},
	}
	// The same damage to a run in the nested layout of schemas 1 to 3.
	nested := filepath.Join(dir, "nested.db")
	copyFile(t, good, nested)
	rawUpdate(t, nested, func(tx *bolt.Tx) error { return nestRun(tx, "r") })

	for _, layout := range []struct{ name, path string }{{"flat", good}, {"nested", nested}} {
		for _, tc := range cases {
			t.Run(layout.name+"/"+tc.name, func(t *testing.T) {
				want := tc.want
				if layout.name == "flat" && tc.wantFlat != "" {
					want = tc.wantFlat
				}
				path := filepath.Join(t.TempDir(), "bad.db")
				copyFile(t, layout.path, path)
				st := openStore(t, path, record.Options{ReadOnly: true})
				if err := st.Check(); err != nil {
					t.Fatalf("the undamaged copy fails Check: %v", err)
				}
				st.Close()
				rawUpdate(t, path, tc.damage)
				st = openStore(t, path, record.Options{ReadOnly: true})
				err := st.Check()
				if !errors.Is(err, record.ErrCorrupt) || !strings.Contains(err.Error(), want) {
					t.Fatalf("Check() = %v, want ErrCorrupt mentioning %q", err, want)
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
