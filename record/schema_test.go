package record_test

import (
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

// TestSchemaOneStillReads: version 2 only added to version 1, so a version
// 1 store opens read-only as it is and is marked version 2 by the first
// writable open.
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
	if v := schema(); v != "2" {
		t.Errorf("after a writable open the schema is %q, want \"2\"", v)
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
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v != "2" {
			t.Errorf("a new store has schema %q, want \"2\"", v)
		}
		return nil
	})

	for _, tc := range []struct {
		name, version, msg string
	}{
		{"newer", "3", "schema version 3; this lamport reads versions 1 to 2"},
		{"garbage", "x1", "unreadable schema version"},
		{"zero", "0", "unreadable schema version"},
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
