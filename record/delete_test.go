package record_test

import (
	"errors"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

func TestDeleteRunRemovesMetaAndLogsOnly(t *testing.T) {
	st, _ := tempStore(t)
	ids := []core.MachineID{1, 2, 3}
	steps := schedule(t, 4, ids, 300)
	for _, id := range []string{"keep", "drop"} {
		recordRun(t, st, testMeta(id, 4, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ids), steps, record.RecorderOptions{})
	}
	if err := st.DeleteRun("drop"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Run("drop"); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("deleted run still there: %v", err)
	}
	if err := st.DeleteRun("drop"); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := diffLogs(perMachine(steps), readAll(t, st, "keep")); err != nil {
		t.Fatalf("the other run changed: %v", err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	// The id can be used again.
	recordRun(t, st, testMeta("drop", 4, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ids), steps, record.RecorderOptions{})
}
