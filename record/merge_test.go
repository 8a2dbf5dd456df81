package record_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// machineStore records one machine's part of a run, as one `lamport
// machine` process does, and returns the store (left open for Merge).
func machineStore(t *testing.T, dir string, id core.MachineID, meta record.RunMeta, log []core.Entry, status record.Status, ended time.Time) *record.Store {
	t.Helper()
	st := openStore(t, filepath.Join(dir, fmt.Sprintf("machine-%d.db", id)), record.Options{})
	m, _ := meta.Machine(id)
	meta.Machines = []record.MachineMeta{m}
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder(meta.ID, record.RecorderOptions{ChunkEntries: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		rec.Append(id, e)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if status != record.StatusRunning {
		if err := st.FinishRun(meta.ID, status, ended); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// snapshot is everything a reader can see of a store, to tell whether a
// failed Merge changed it.
func snapshot(t *testing.T, st *record.Store) string {
	t.Helper()
	runs, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range runs {
		stats, err := st.Stats(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v\n%+v\n%v\n", m, stats, readAll(t, st, m.ID))
	}
	return b.String()
}

func TestMerge(t *testing.T) {
	const seed = 11
	steps := schedule(t, seed, ids3, 1500)
	logs := perMachine(steps)
	meta := testMeta("seed11-run", seed, t0, ids3)
	// Each process started and stopped at a slightly different time.
	meta.Machines[0].StartWall = t0.Add(2 * time.Second)
	meta.Machines[1].StartWall = t0.Add(time.Second)
	meta.Machines[2].StartWall = t0.Add(3 * time.Second)
	dir := t.TempDir()
	var ins []*record.Store
	for i, id := range ids3 {
		part := meta
		part.Started = meta.Machines[i].StartWall
		ins = append(ins, machineStore(t, dir, id, part, logs[id], record.StatusComplete, t0.Add(time.Minute+time.Duration(i)*time.Second)))
	}

	out := openStore(t, filepath.Join(dir, "merged.db"), record.Options{})
	if err := record.Merge(out, ins...); err != nil {
		t.Fatal(err)
	}
	if err := out.Check(); err != nil {
		t.Fatal(err)
	}
	got, err := out.Run(meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Machines, meta.Machines) {
		t.Errorf("merged machines %+v, want %+v", got.Machines, meta.Machines)
	}
	if !got.Started.Equal(t0.Add(time.Second)) || !got.Ended.Equal(t0.Add(time.Minute+2*time.Second)) || got.Status != record.StatusComplete {
		t.Errorf("merged started %v ended %v status %s", got.Started, got.Ended, got.Status)
	}
	if got.Seed != seed || got.Params != meta.Params || got.Fingerprint != meta.Fingerprint || got.Tool != "test" {
		t.Errorf("merged meta %+v", got)
	}
	if diff := diffLogs(logs, readAll(t, out, meta.ID)); diff != nil {
		t.Fatal(diff)
	}
	stats, err := out.Stats(meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids3 {
		if i >= len(stats) || stats[i] != wantStats(id, logs[id]) {
			t.Errorf("merged stats %+v", stats)
			break
		}
	}

	// A second merge of one part duplicates machine 2's log: an error that
	// names run and machine, and out is unchanged, even the new run that
	// the same input also carries.
	before := snapshot(t, out)
	if err := ins[1].BeginRun(testMeta("other", 5, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	err = record.Merge(out, ins[1])
	wantErrIs(t, err, record.ErrExists)
	if !strings.Contains(err.Error(), meta.ID) || !strings.Contains(err.Error(), "machine 2") {
		t.Errorf("duplicate error does not name run and machine: %v", err)
	}
	if after := snapshot(t, out); after != before {
		t.Errorf("a failed Merge changed out:\nbefore %s\nafter %s", before, after)
	}
	// Two inputs holding the same machine fail the same way.
	empty := openStore(t, filepath.Join(dir, "empty.db"), record.Options{})
	err = record.Merge(empty, ins[0], ins[2], ins[0])
	wantErrIs(t, err, record.ErrExists)
	if runs, _ := empty.Runs(); len(runs) != 0 {
		t.Errorf("failed Merge left runs %v", runs)
	}

	// A part with another seed under the same id is refused.
	bad := testMeta(meta.ID, seed+1, t0, ids3)
	badStore := machineStore(t, dir, 9, withMachine(bad, 9), nil, record.StatusComplete, t0)
	err = record.Merge(out, badStore)
	if err == nil || !strings.Contains(err.Error(), "seed") {
		t.Errorf("merging a different seed: %v", err)
	}
	if after := snapshot(t, out); after != before {
		t.Error("a refused Merge changed out")
	}
	if err := record.Merge(out, out); err == nil {
		t.Error("merging a store into itself was accepted")
	}
}

func withMachine(m record.RunMeta, id core.MachineID) record.RunMeta {
	m.Machines = append(slices.Clone(m.Machines), record.MachineMeta{ID: id, Rate: 1, StartWall: m.Started})
	return m
}

func TestMergeStatus(t *testing.T) {
	for _, tc := range []struct {
		parts []record.Status
		want  record.Status
	}{
		{[]record.Status{record.StatusComplete, record.StatusComplete, record.StatusComplete}, record.StatusComplete},
		{[]record.Status{record.StatusComplete, record.StatusInterrupted, record.StatusComplete}, record.StatusInterrupted},
		{[]record.Status{record.StatusInterrupted, record.StatusComplete, record.StatusRunning}, record.StatusRunning},
		{[]record.Status{record.StatusRunning, record.StatusComplete, record.StatusComplete}, record.StatusRunning},
	} {
		t.Run(fmt.Sprint(tc.parts), func(t *testing.T) {
			dir := t.TempDir()
			meta := testMeta("s", 3, t0, ids3)
			logs := perMachine(schedule(t, 3, ids3, 60))
			var ins []*record.Store
			for i, id := range ids3 {
				ins = append(ins, machineStore(t, dir, id, meta, logs[id], tc.parts[i], t0.Add(time.Minute)))
			}
			out := openStore(t, filepath.Join(dir, "out.db"), record.Options{})
			if err := record.Merge(out, ins...); err != nil {
				t.Fatal(err)
			}
			got, err := out.Run("s")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want || (tc.want == record.StatusRunning) != got.Ended.IsZero() {
				t.Errorf("status %s ended %v, want %s", got.Status, got.Ended, tc.want)
			}
			if err := out.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// Merging read-only inputs into a store that already holds part of the
// run, as `lamport merge lamport.db machine-*.db` does.
func TestMergeIntoPartialRun(t *testing.T) {
	dir := t.TempDir()
	meta := testMeta("p", 4, t0, ids3)
	logs := perMachine(schedule(t, 4, ids3, 300))
	out := machineStore(t, dir, 1, meta, logs[1], record.StatusComplete, t0.Add(time.Minute))
	var ins []*record.Store
	for _, id := range ids3[1:] {
		st := machineStore(t, dir, id, meta, logs[id], record.StatusComplete, t0.Add(time.Minute))
		path := st.Path()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, openStore(t, path, record.Options{ReadOnly: true}))
	}
	if err := record.Merge(out, ins...); err != nil {
		t.Fatal(err)
	}
	if err := out.Check(); err != nil {
		t.Fatal(err)
	}
	if diff := diffLogs(logs, readAll(t, out, "p")); diff != nil {
		t.Fatal(diff)
	}
	if err := record.Merge(ins[0], out); !errors.Is(err, record.ErrReadOnly) {
		t.Errorf("merge into a read-only store: %v", err)
	}
}
