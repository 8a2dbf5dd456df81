package record_test

import (
	"os"
	"strings"
	"testing"

	"lamport/core"
	"lamport/internal/boltdamage"
	"lamport/record"
)

// plantedPanic is a value only these tests panic with.
type plantedPanic struct{ where string }

// recoverPlanted runs fn and returns what it panicked with, or nil.
func recoverPlanted(fn func() error) (p any, err error) {
	defer func() { p = recover() }()
	return nil, fn()
}

// wantPlanted checks that fn's panic came out as planted, not as an error.
func wantPlanted(t *testing.T, what string, fn func() error) {
	t.Helper()
	p, err := recoverPlanted(fn)
	if p != (plantedPanic{what}) {
		t.Fatalf("%s: a panic in the caller's callback came out as panic %v, error %v; want the planted panic", what, p, err)
	}
}

// A panic in code the caller runs inside a transaction is the caller's bug:
// it goes on as it was, not as "corrupt", and the transaction is let go (the
// store reads, writes and closes afterwards).
func TestCallerPanicsInsideTransactionsPropagate(t *testing.T) {
	st, _ := tempStore(t)
	recordRun(t, st, testMeta("r1", 3, t0, ids3), schedule(t, 3, ids3, 500), record.RecorderOptions{})

	wantPlanted(t, "view", func() error {
		return st.View("r1", func(r *record.Reader) error {
			it := r.Entries(ids3[0])
			if _, ok := it.Next(); !ok {
				t.Errorf("no entry: %v", it.Err())
			}
			panic(plantedPanic{"view"})
		})
	})
	wantPlanted(t, "scan", func() error {
		return st.Scan("r1", ids3[1], func(core.Entry) error { panic(plantedPanic{"scan"}) })
	})
	wantPlanted(t, "nested view", func() error {
		return st.View("r1", func(*record.Reader) error {
			return st.View("r1", func(*record.Reader) error { panic(plantedPanic{"nested view"}) })
		})
	})
	before, err := st.Run("r1")
	if err != nil {
		t.Fatal(err)
	}
	wantPlanted(t, "update", func() error {
		return st.UpdateRun("r1", func(m *record.RunMeta) {
			m.Status = record.StatusInterrupted
			panic(plantedPanic{"update"})
		})
	})
	after, err := st.Run("r1")
	if err != nil {
		t.Fatalf("the store after a caller's panic: %v", err)
	}
	if after.Status != before.Status {
		t.Errorf("a panicking UpdateRun was committed: status %s -> %s", before.Status, after.Status)
	}
	if err := st.UpdateRun("r1", func(m *record.RunMeta) { m.Options = map[string]string{"k": "v"} }); err != nil {
		t.Fatalf("a write after a caller's panic: %v", err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// zeroFreelist zeroes the freelist page named by the newer valid meta page
// of a bbolt file (meta layout: 16-byte page header, then magic, version,
// page size, flags, root bucket (16), freelist, pgid, txid).
func zeroFreelist(t *testing.T, data []byte) {
	t.Helper()
	if err := boltdamage.ZeroFreelist(data); err != nil {
		t.Fatal(err)
	}
}

// A zeroed freelist page makes bbolt panic while a writable Open loads it:
// Open reports the damage, lets the lock go, and a reader (which never
// loads the freelist) still reads the store.
func TestZeroedFreelistIsDamageAtOpen(t *testing.T) {
	data, _ := damagedStoreBytes(t)
	zeroFreelist(t, data)
	path := writeFile(t, data)
	_, err := record.Open(path, record.Options{})
	wantErrIs(t, err, record.ErrCorrupt)
	if !strings.Contains(err.Error(), "store "+path+" is damaged: ") {
		t.Fatalf("writable Open of a zeroed freelist: %v", err)
	}
	st, err := record.Open(path, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("after the failed writable Open (is the lock still held?): %v", err)
	}
	defer st.Close()
	if _, err := st.Run("r1"); err != nil {
		t.Fatalf("reading a store with a zeroed freelist: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(data) {
		t.Fatal("the failed Open changed the file")
	}
}
