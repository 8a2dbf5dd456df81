package record_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/record"
)

// FuzzRunLayout writes arbitrary keys, values and buckets into a run's
// bucket, in either layout or a mix, and reads the store the way every
// command does. Nothing may panic; Check either passes or reports
// ErrCorrupt; and a store that Check passes reads whole, machine by machine,
// and merges into a fresh store that Check passes too, with the same
// entries and the same values.
func FuzzRunLayout(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.db")
	st, err := record.Open(good, record.Options{})
	if err != nil {
		f.Fatal(err)
	}
	recordRun(f, st, testMeta("r", 5, t0, ids3), schedule(f, 5, ids3, 120), record.RecorderOptions{ChunkEntries: 16})
	if err := st.Close(); err != nil {
		f.Fatal(err)
	}
	// The seeds: the run's own keys and values in the flat layout, and in
	// the nested one.
	nested := filepath.Join(dir, "nested.db")
	copyTo(f, good, nested)
	rawUpdateTB(f, nested, func(tx *bolt.Tx) error { return nestRun(tx, "r") })
	for _, path := range []string{good, nested} {
		layout := layoutOf(f, path, path == nested)
		// The seeds must pass Check, or the target would never reach its
		// stronger properties.
		st, err := record.Open(withLayout(f, good, layout), record.Options{ReadOnly: true})
		if err != nil {
			f.Fatal(err)
		}
		if err := st.Check(); err != nil {
			f.Fatalf("the seed layout of %s fails Check: %v", path, err)
		}
		st.Close()
		f.Add(layout)
		// The same with a flat chunk key beside machine 1's log, which no
		// reader of a nested log would read.
		f.Add(append(append(layout, 12), append(append(mkey(1), ckey(500)...), 0, 1, 'x')...))
	}
	f.Add([]byte{})
	f.Add([]byte{4, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 3, 1, 0})

	f.Fuzz(func(t *testing.T, layout []byte) {
		ro, err := record.Open(withLayout(t, good, layout), record.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer ro.Close()
		checkErr := ro.Check()
		if checkErr != nil && !errors.Is(checkErr, record.ErrCorrupt) {
			t.Fatalf("Check: %v, want nil or ErrCorrupt", checkErr)
		}
		var read map[uint32]int
		readErr := ro.View("r", func(r *record.Reader) error {
			read = map[uint32]int{}
			for _, m := range r.Machines() {
				if _, _, err := r.Stats(m); err != nil {
					return err
				}
				it := r.Entries(m)
				for _, ok := it.Next(); ok; _, ok = it.Next() {
					read[uint32(m)]++
				}
				if err := it.Err(); err != nil {
					return err
				}
			}
			return nil
		})
		if readErr != nil && !errors.Is(readErr, record.ErrCorrupt) {
			t.Fatalf("reading: %v, want nil or ErrCorrupt", readErr)
		}
		out, err := record.Open(filepath.Join(t.TempDir(), "out.db"), record.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		mergeErr := record.Merge(out, ro)
		if checkErr != nil {
			return
		}
		if readErr != nil || mergeErr != nil {
			t.Fatalf("Check passed, yet reading says %v and merging %v", readErr, mergeErr)
		}
		if err := out.Check(); err != nil {
			t.Fatalf("merged store fails Check: %v", err)
		}
		// A run that passes Check holds nothing but its logs, so the merge
		// copies every value it holds: a key that Check let through but no
		// reader reads would be lost here.
		inVals, _, err := ro.StoredValues("r")
		if err != nil {
			t.Fatal(err)
		}
		outVals, _, err := out.StoredValues("r")
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(inVals, bytes.Compare)
		slices.SortFunc(outVals, bytes.Compare)
		if !slices.EqualFunc(inVals, outVals, bytes.Equal) {
			t.Fatalf("the run holds %d values, the merged run %d, or they differ", len(inVals), len(outVals))
		}
		err = out.View("r", func(r *record.Reader) error {
			for _, m := range r.Machines() {
				it := r.Entries(m)
				n := 0
				for _, ok := it.Next(); ok; _, ok = it.Next() {
					n++
				}
				if err := it.Err(); err != nil {
					return err
				}
				if n != read[uint32(m)] {
					t.Errorf("machine %d: %d entries merged, %d read", m, n, read[uint32(m)])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// withLayout copies the store at good and gives its run r the layout.
func withLayout(tb testing.TB, good string, layout []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "s.db")
	copyTo(tb, good, path)
	rawUpdateTB(tb, path, func(tx *bolt.Tx) error {
		data := tx.Bucket([]byte("data"))
		if err := data.DeleteBucket([]byte("r")); err != nil {
			return err
		}
		run, err := data.CreateBucket([]byte("r"))
		if err != nil {
			return err
		}
		writeLayout(run, layout)
		return nil
	})
	return path
}

// A layout is a sequence of items: a key length byte, the key, then a kind
// byte, even for a value (a length byte and the value) and odd for a
// bucket, whose items follow up to a 0xff byte. Items that bbolt refuses
// (an empty key, a key put twice as value and bucket) are skipped, with
// all a refused bucket's items: b is nil while skipping. It returns what
// follows the items.
func writeLayout(b *bolt.Bucket, layout []byte) []byte {
	for len(layout) > 0 {
		n := int(layout[0])
		if n == 0xff {
			return layout[1:]
		}
		layout = layout[1:]
		if len(layout) < n+1 {
			return nil
		}
		key, kind := layout[:n], layout[n]
		layout = layout[n+1:]
		if kind%2 == 1 {
			var sub *bolt.Bucket
			if b != nil {
				sub, _ = b.CreateBucketIfNotExists(bytes.Clone(key))
			}
			layout = writeLayout(sub, layout)
			continue
		}
		if len(layout) < 1 {
			return nil
		}
		vn := min(int(layout[0]), len(layout)-1)
		v := layout[1 : 1+vn]
		layout = layout[1+vn:]
		if b != nil {
			_ = b.Put(bytes.Clone(key), bytes.Clone(v))
		}
	}
	return nil
}

// layoutOf writes run r's bucket of the store at path as a layout.
func layoutOf(tb testing.TB, path string, nested bool) []byte {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var out []byte
	var walk func(b *bolt.Bucket)
	walk = func(b *bolt.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			out = append(append(out, byte(len(k))), k...)
			if v == nil {
				out = append(out, 1)
				walk(b.Bucket(k))
				out = append(out, 0xff)
				return nil
			}
			// Values over 255 bytes are cut: the decoders meet short
			// chunks too.
			v = v[:min(len(v), 255)]
			out = append(append(out, 0, byte(len(v))), v...)
			return nil
		})
	}
	_ = db.View(func(tx *bolt.Tx) error {
		walk(tx.Bucket([]byte("data")).Bucket([]byte("r")))
		return nil
	})
	if len(out) == 0 {
		tb.Fatalf("run r of %s (nested %v) has no keys", path, nested)
	}
	return out
}

func copyTo(tb testing.TB, from, to string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// rawUpdateTB is rawUpdate for a fuzz target's testing.TB, without an
// fsync: the file is thrown away after one execution.
func rawUpdateTB(tb testing.TB, path string, fn func(tx *bolt.Tx) error) {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		tb.Fatal(err)
	}
}
