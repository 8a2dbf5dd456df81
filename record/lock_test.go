package record_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/record"
)

// A second Open of a store held read-write fails with ErrLocked after the
// timeout instead of hanging. bbolt's flock belongs to the open file
// description, so a second Open in the same process conflicts like another
// process would.
func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	openStore(t, path, record.Options{})
	for _, ro := range []bool{false, true} {
		done := make(chan error, 1)
		go func() {
			st, err := record.Open(path, record.Options{ReadOnly: ro, LockTimeout: 100 * time.Millisecond})
			if err == nil {
				st.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, record.ErrLocked) {
				t.Fatalf("read-only=%v: got %v, want ErrLocked", ro, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the path: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("read-only=%v: Open of a locked store hung", ro)
		}
	}
}

// The lock goes with Close: the next Open succeeds.
func TestOpenAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := record.Open(path, record.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	st2.Close()
}
