package record_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"lamport/record"
)

// damagedStoreBytes records a run and returns the closed file's bytes and
// how many of them bbolt says are in use.
func damagedStoreBytes(t *testing.T) ([]byte, int) {
	t.Helper()
	st, path := tempStore(t)
	recordRun(t, st, testMeta("r1", 3, t0, ids3), schedule(t, 3, ids3, 3000), record.RecorderOptions{})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var used int
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *bolt.Tx) error { used = int(tx.Size()); return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if used < 8*4096 || used > len(data) {
		t.Fatalf("store uses %d of %d bytes; want several pages", used, len(data))
	}
	return data, used
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.db")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Files that are not stores at all: ErrNotStore from Open, read-only or not,
// and the file is left as it was (an empty file is not initialised).
func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty": nil, "short text": []byte("hello\n"), "long text": bytes.Repeat([]byte("not a store\n"), 1000),
	} {
		for _, ro := range []bool{true, false} {
			p := writeFile(t, b)
			_, err := record.Open(p, record.Options{ReadOnly: ro})
			wantErrIs(t, err, record.ErrNotStore)
			if after, _ := os.ReadFile(p); !bytes.Equal(after, b) {
				t.Fatalf("%s (read-only %v): Open changed the file", name, ro)
			}
		}
	}
	_, err := record.Open(t.TempDir(), record.Options{ReadOnly: true})
	wantErrIs(t, err, record.ErrNotStore)
}

// A truncated store would make bbolt read past the end of its memory map, a
// SIGBUS that kills the process; Open refuses it first.
func TestOpenRefusesATruncatedStore(t *testing.T) {
	data, used := damagedStoreBytes(t)
	for _, cut := range []int{100, 4096, 2 * 4096, used / 2, used - 1} {
		for _, ro := range []bool{true, false} {
			_, err := record.Open(writeFile(t, data[:cut]), record.Options{ReadOnly: ro})
			wantErrIs(t, err, record.ErrCorrupt)
		}
	}
	// Free pages past the last one in use may go: the store still reads.
	st := openStore(t, writeFile(t, data[:used]), record.Options{ReadOnly: true})
	if _, err := st.Run("r1"); err != nil {
		t.Fatalf("a store cut after its last page in use: %v", err)
	}
}

// pagesNotRead are the pages of a store file whose first bytes are not a
// page header that reads visit: bbolt's freelist, the free pages it lists,
// and the overflow of every page (the rest of a large page's contents), as
// bbolt itself reports them.
func pagesNotRead(t *testing.T, data []byte) map[int]bool {
	t.Helper()
	db, err := bolt.Open(writeFile(t, data), 0o600, nil) // writable: the freelist is loaded
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[int]bool{}
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; ; id++ {
			info, err := tx.Page(id)
			if err != nil || info == nil {
				return err
			}
			if info.Type == "free" || info.Type == "freelist" {
				out[id] = true
			}
			for i := range info.OverflowCount {
				out[id+1+i] = true
			}
			id += info.OverflowCount
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A damaged page header makes bbolt panic or fault; every read reports
// ErrCorrupt instead, and the process goes on.
func TestDamagedPagesAreErrCorrupt(t *testing.T) {
	data, used := damagedStoreBytes(t)
	notRead := pagesNotRead(t, data)
	refused, tried := 0, 0
	for p := 2; p < used/4096; p++ {
		if notRead[p] {
			continue
		}
		for _, off := range []int{0, 8} { // the page id, the element count
			tried++
			b := bytes.Clone(data)
			for i := range 4 {
				b[p*4096+off+i] ^= 0xff
			}
			st, err := record.Open(writeFile(t, b), record.Options{ReadOnly: true})
			if err != nil {
				wantErrIs(t, err, record.ErrCorrupt)
				refused++
				continue
			}
			// Not every page is on every path; reading the whole run and
			// checking the store visit them all.
			err = st.View("r1", func(r *record.Reader) error {
				for _, id := range r.Machines() {
					it := r.Entries(id)
					for _, ok := it.Next(); ok; _, ok = it.Next() {
					}
					if err := it.Err(); err != nil {
						return err
					}
				}
				return nil
			})
			if err == nil {
				err = st.Check()
			}
			st.Close()
			if err == nil {
				t.Errorf("page %d damaged at byte %d was not reported", p, off)
				continue
			}
			wantErrIs(t, err, record.ErrCorrupt)
			refused++
		}
	}
	if tried < 8 {
		t.Fatalf("only %d damaged pages tried", tried)
	}
	t.Logf("%d of %d damaged pages reported; %d pages free, the freelist or overflow, not tried", refused, tried, len(notRead))
}
