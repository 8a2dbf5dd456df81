package record_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

func TestRoundTrip(t *testing.T) {
	const seed = 7
	steps := schedule(t, seed, ids3, 3000)
	want := perMachine(steps)
	for _, id := range ids3 {
		if len(want[id]) == 0 {
			t.Fatalf("schedule gave machine %d no entries", id)
		}
	}

	path := filepath.Join(t.TempDir(), "rt.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	meta := testMeta("rt-1", seed, t0, ids3)
	recordRun(t, st, meta, steps, record.RecorderOptions{FlushEvery: 2 * time.Millisecond, ChunkEntries: 64})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openStore(t, path, record.Options{ReadOnly: true})
	if err := st.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if diff := diffLogs(want, readAll(t, st, meta.ID)); diff != nil {
		t.Fatal(diff)
	}

	// Replay advances machines independently: several iterators at once,
	// interleaved in the schedule's global order.
	err = st.View(meta.ID, func(r *record.Reader) error {
		if got := r.Machines(); !slices.Equal(got, ids3) {
			t.Errorf("Machines() = %v, want %v", got, ids3)
		}
		if got := r.Meta(); got.ID != meta.ID || got.Seed != seed || got.Status != record.StatusComplete {
			t.Errorf("Meta() = %+v", got)
		}
		its := map[core.MachineID]*record.EntryIter{}
		for _, id := range ids3 {
			its[id] = r.Entries(id)
		}
		for i, s := range steps {
			e, ok := its[s.m].Next()
			if !ok {
				t.Fatalf("step %d: machine %d log ended early: %v", i, s.m, its[s.m].Err())
			}
			if !reflect.DeepEqual(e, s.e) {
				t.Fatalf("step %d machine %d: got %+v, want %+v", i, s.m, e, s.e)
			}
		}
		for _, id := range ids3 {
			if e, ok := its[id].Next(); ok || its[id].Err() != nil {
				t.Errorf("machine %d: extra entry %+v or error %v", id, e, its[id].Err())
			}
		}
		if _, ok := r.Entries(99).Next(); ok {
			t.Error("a machine without a log yielded an entry")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	stats, err := st.Stats(meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wantSt []core.MachineStats
	for _, id := range ids3 {
		wantSt = append(wantSt, wantStats(id, want[id]))
	}
	if !reflect.DeepEqual(stats, wantSt) {
		t.Errorf("Stats:\n got %+v\nwant %+v", stats, wantSt)
	}

	// Scan stops at fn's error and returns it.
	stop := errors.New("stop")
	n := 0
	err = st.Scan(meta.ID, 2, func(e core.Entry) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("Scan: err %v after %d entries, want stop after 5", err, n)
	}

	got, err := st.Run(meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != record.SchemaVersion || got.Status != record.StatusComplete ||
		!got.Started.Equal(t0) || !got.Ended.Equal(t0.Add(time.Minute)) ||
		got.Params != meta.Params || !reflect.DeepEqual(got.Config, meta.Config) ||
		got.Fingerprint != meta.Fingerprint || got.Options["duration"] != "10s" || len(got.Machines) != 3 ||
		got.Machines[1].Rate != meta.Machines[1].Rate || !got.Machines[1].StartWall.Equal(t0) {
		t.Errorf("Run() = %+v\nwant like %+v", got, meta)
	}
}

func TestRunsAndResolve(t *testing.T) {
	st, _ := tempStore(t)
	if _, err := st.Resolve("latest"); !errors.Is(err, record.ErrNotFound) {
		t.Errorf("Resolve(latest) on an empty store: %v", err)
	}
	runs := []struct {
		id      string
		seed    uint64
		started time.Time
	}{
		{"20250301-a1", 7, t0},
		{"20250301-a2", 8, t0.Add(time.Hour)},
		{"20250301-b", 7, t0.Add(2 * time.Hour)},
		{"run", 9, t0.Add(3 * time.Hour)},
		{"run-10", 9, t0.Add(3 * time.Hour)}, // same start: ID breaks the tie
		{"old", 7, t0.Add(-time.Hour)},
	}
	for _, r := range runs {
		if err := st.BeginRun(testMeta(r.id, r.seed, r.started, ids3)); err != nil {
			t.Fatal(err)
		}
	}
	wantErrIs(t, st.BeginRun(testMeta("run", 1, t0, ids3)), record.ErrExists)
	for _, bad := range []string{"", "latest", "has space", strings.Repeat("x", 300)} {
		if err := st.BeginRun(testMeta(bad, 1, t0, ids3)); err == nil {
			t.Errorf("BeginRun(%q) accepted a bad id", bad)
		}
	}

	all, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range all {
		order = append(order, m.ID)
		if m.Status != record.StatusRunning || m.Schema != record.SchemaVersion || !m.Ended.IsZero() {
			t.Errorf("new run %s: status %s schema %d ended %v", m.ID, m.Status, m.Schema, m.Ended)
		}
	}
	wantOrder := []string{"run-10", "run", "20250301-b", "20250301-a2", "20250301-a1", "old"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("Runs order %v, want %v", order, wantOrder)
	}

	for _, tc := range []struct {
		ref, want string
		err       error
	}{
		{"latest", "run-10", nil},
		{"run", "run", nil},      // exact beats being a prefix of run-10
		{"run-1", "run-10", nil}, // unique prefix
		{"20250301-b", "20250301-b", nil},
		{"20250301-a", "", record.ErrAmbiguous},
		{"2025", "", record.ErrAmbiguous},
		{"nope", "", record.ErrNotFound},
		{"", "", record.ErrNotFound},
	} {
		m, err := st.Resolve(tc.ref)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Resolve(%q): error %v, want %v", tc.ref, err, tc.err)
			}
			continue
		}
		if err != nil || m.ID != tc.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.ref, m.ID, err, tc.want)
		}
	}
	_, err = st.Resolve("20250301-a")
	if err == nil || !strings.Contains(err.Error(), "20250301-a1") || !strings.Contains(err.Error(), "20250301-a2") {
		t.Errorf("ambiguous prefix error does not list the candidates: %v", err)
	}

	for seed, want := range map[uint64]string{7: "20250301-b", 8: "20250301-a2", 9: "run-10"} {
		m, err := st.LatestWithSeed(seed)
		if err != nil || m.ID != want {
			t.Errorf("LatestWithSeed(%d) = %q, %v; want %q", seed, m.ID, err, want)
		}
	}
	_, err = st.LatestWithSeed(1234)
	wantErrIs(t, err, record.ErrNotFound)
	_, err = st.Run("nope")
	wantErrIs(t, err, record.ErrNotFound)
	wantErrIs(t, st.View("nope", func(*record.Reader) error { return nil }), record.ErrNotFound)
	_, err = st.NewRecorder("nope", record.RecorderOptions{})
	wantErrIs(t, err, record.ErrNotFound)
	wantErrIs(t, st.FinishRun("nope", record.StatusComplete, t0), record.ErrNotFound)

	// FinishRun and UpdateRun.
	if err := st.FinishRun("old", record.StatusRunning, t0); err == nil {
		t.Error("FinishRun accepted status running")
	}
	if err := st.FinishRun("old", record.StatusInterrupted, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateRun("old", func(m *record.RunMeta) { m.Options["note"] = "x" }); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateRun("old", func(m *record.RunMeta) { m.ID = "new" }); err == nil {
		t.Error("UpdateRun let the id change")
	}
	m, err := st.Run("old")
	if err != nil || m.Status != record.StatusInterrupted || !m.Ended.Equal(t0) || m.Options["note"] != "x" {
		t.Errorf("after FinishRun/UpdateRun: %+v, %v", m, err)
	}
	if _, err := st.Run("new"); !errors.Is(err, record.ErrNotFound) {
		t.Errorf("a refused UpdateRun wrote run new: %v", err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	_, err := record.Open(missing, record.Options{ReadOnly: true})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("read-only Open of a missing file: %v", err)
	}
	if _, statErr := os.Stat(missing); !errors.Is(statErr, os.ErrNotExist) {
		t.Error("read-only Open created the file")
	}

	path := filepath.Join(dir, "s.db")
	st := openStore(t, path, record.Options{})
	if err := st.BeginRun(testMeta("r", 1, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ro := openStore(t, path, record.Options{ReadOnly: true})
	if ro.Path() != path {
		t.Errorf("Path() = %q, want %q", ro.Path(), path)
	}
	wantErrIs(t, ro.BeginRun(testMeta("r2", 1, t0, ids3)), record.ErrReadOnly)
	wantErrIs(t, ro.FinishRun("r", record.StatusComplete, t0), record.ErrReadOnly)
	_, err = ro.NewRecorder("r", record.RecorderOptions{})
	wantErrIs(t, err, record.ErrReadOnly)
	if _, err := ro.Run("r"); err != nil {
		t.Error(err)
	}
	// Readers share the file.
	ro2 := openStore(t, path, record.Options{ReadOnly: true})
	if runs, err := ro2.Runs(); err != nil || len(runs) != 1 {
		t.Errorf("second reader: %v, %v", runs, err)
	}
}

// An entry appended after Close is dropped and reported, never written.
func TestAppendAfterClose(t *testing.T) {
	st, _ := tempStore(t)
	if err := st.BeginRun(testMeta("r", 1, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder("r", record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := core.Event{Index: 1, Tick: 1, Kind: core.KindInternal, Die: 5, Clock: 1}
	rec.Append(1, core.Entry{At: 1, Event: ev})
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec.Append(1, core.Entry{At: 2, Event: ev})
	wantErrIs(t, rec.Err(), record.ErrClosed)
	wantErrIs(t, rec.Close(), record.ErrClosed)
	got := readAll(t, st, "r")
	if len(got[1]) != 1 {
		t.Errorf("got %d entries, want the 1 appended before Close", len(got[1]))
	}
}

// TestReadingWhileReleasingMappedPages: a reader that drops the store's
// mapped pages after every chunk (readers do it every few MB, to keep
// their resident memory flat) still reads every log exactly, also while
// a Recorder of the same process commits.
func TestReadingWhileReleasingMappedPages(t *testing.T) {
	defer record.SetReleaseEvery(1)()
	st, _ := tempStore(t)
	steps := schedule(t, 21, ids3, 3000)
	meta := testMeta("rel", 21, t0, ids3)
	recordRun(t, st, meta, steps[:2000], record.RecorderOptions{ChunkEntries: 16})
	want := perMachine(steps[:2000])
	if diff := diffLogs(want, readAll(t, st, "rel")); diff != nil {
		t.Fatal(diff)
	}
	rec, err := st.NewRecorder("rel", record.RecorderOptions{ChunkEntries: 16, FlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps[2000:] {
		rec.Append(s.m, s.e)
		if i%100 == 0 {
			if diff := diffLogs(want, readPrefix(t, st, "rel", want)); diff != nil {
				t.Fatal(diff)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := diffLogs(perMachine(steps), readAll(t, st, "rel")); diff != nil {
		t.Fatal(diff)
	}
}

// readPrefix reads each machine's first len(want[m]) entries.
func readPrefix(t *testing.T, st *record.Store, runID string, want map[core.MachineID][]core.Entry) map[core.MachineID][]core.Entry {
	t.Helper()
	got := map[core.MachineID][]core.Entry{}
	err := st.View(runID, func(r *record.Reader) error {
		for m, es := range want {
			it := r.Entries(m)
			for e, ok := it.Next(); ok && len(got[m]) < len(es); e, ok = it.Next() {
				got[m] = append(got[m], e)
			}
			if err := it.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
