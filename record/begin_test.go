package record_test

import (
	"errors"
	"testing"
	"time"

	"lamport/record"
)

// TestBeginRecordingFinishInOneCommit: a run begun with BeginRecording is
// not in the store before its first commit; with Finish, its metadata,
// every entry and its end land in one commit.
func TestBeginRecordingFinishInOneCommit(t *testing.T) {
	st, _ := tempStore(t)
	steps := schedule(t, 3, ids3, 300)
	meta := testMeta("one", 3, t0, ids3)
	commits := 0
	rec, err := st.BeginRecording(meta, record.RecorderOptions{FlushEvery: time.Hour, OnCommit: func(record.Committed) { commits++ }})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		rec.Append(s.m, s.e)
	}
	if _, err := st.Run("one"); err == nil {
		t.Fatal("the run is in the store before the Recorder committed")
	}
	ended := t0.Add(time.Minute)
	if err := rec.Finish(record.StatusComplete, ended); err != nil {
		t.Fatal(err)
	}
	if commits != 1 {
		t.Errorf("%d commits, want 1", commits)
	}
	got, err := st.Run("one")
	if err != nil || got.Status != record.StatusComplete || !got.Ended.Equal(ended) || got.Schema != record.SchemaVersion {
		t.Fatalf("run after Finish: %+v, %v", got, err)
	}
	if diff := diffLogs(perMachine(steps), readAll(t, st, "one")); diff != nil {
		t.Fatal(diff)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Finish(record.StatusComplete, ended); !isErr(err, record.ErrClosed) {
		t.Errorf("a second Finish: %v, want ErrClosed", err)
	}
}

func isErr(err, target error) bool {
	return err != nil && errors.Is(err, target)
}

// TestBeginRecordingRefusals: a taken id is refused at once, or at the
// first commit when another writer took it meanwhile; a Recorder closed
// without entries still leaves its run, running; Finish wants an end
// status.
func TestBeginRecordingRefusals(t *testing.T) {
	st, _ := tempStore(t)
	meta := testMeta("taken", 1, t0, ids3)
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	if _, err := st.BeginRecording(meta, record.RecorderOptions{}); !isErr(err, record.ErrExists) {
		t.Fatalf("BeginRecording of a taken id: %v, want ErrExists", err)
	}

	late := testMeta("late", 1, t0, ids3)
	rec, err := st.BeginRecording(late, record.RecorderOptions{FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.BeginRun(late); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); !isErr(err, record.ErrExists) {
		t.Fatalf("first commit after another writer took the id: %v, want ErrExists", err)
	}

	empty, err := st.BeginRecording(testMeta("empty", 1, t0, ids3), record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Run("empty"); err != nil || got.Status != record.StatusRunning {
		t.Fatalf("run of a Recorder closed without entries: %+v, %v", got, err)
	}

	bad, err := st.BeginRecording(testMeta("bad", 1, t0, ids3), record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Finish(record.StatusRunning, t0); err == nil {
		t.Error("Finish with status running was accepted")
	}
	if err := bad.Close(); err != nil {
		t.Fatal(err)
	}
}
