package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"lamport/record"
)

// stopAfter is a context whose Err reports Canceled from its limit+1-th
// call on: a Ctrl-C at a chosen point of a deterministic sim, with no
// timing. A negative limit never stops; calls counts the calls.
type stopAfter struct {
	context.Context
	limit int64
	calls atomic.Int64
}

func (c *stopAfter) Err() error {
	if n := c.calls.Add(1); c.limit >= 0 && n > c.limit {
		return context.Canceled
	}
	return nil
}

// TestSweepStoppedByCtrlC: a sweep cut in its second run keeps the first
// in the table (runs 1), records the second as interrupted and leaves it
// out of the figures, and exits 130 with one line saying so.
func TestSweepStoppedByCtrlC(t *testing.T) {
	dir := t.TempDir()
	// 20 virtual minutes: enough steps that the sim asks ctx several times.
	args := func(store string, runs string) []string {
		return []string{"sweep", "--seed", "3", "--runs", runs, "--duration", "20m", "--vary", "actions=5,6",
			"--quiet", "--store", filepath.Join(dir, store)}
	}
	sweep := func(ctx context.Context, args []string) (int, string, string) {
		var out, errOut bytes.Buffer
		// With --quiet errOut holds only what Main prints of the error.
		code := exitCode(sweepUntil(ctx, newEnv(&out, &errOut), args[1:]), &errOut)
		return code, out.String(), errOut.String()
	}

	// Count the first run by itself: one variant, one seed.
	one := &stopAfter{Context: context.Background(), limit: -1}
	oneArgs := []string{"sweep", "--seed", "3", "--runs", "1", "--duration", "20m", "--vary", "actions=5", "--quiet", "--store", filepath.Join(dir, "one.db")}
	if code, _, errOut := sweep(one, oneArgs); code != 0 {
		t.Fatalf("one-run sweep: exit %d: %s", code, errOut)
	}
	calls := one.calls.Load()
	if calls < 3 {
		t.Fatalf("the run asked ctx only %d times; the test needs a longer run", calls)
	}

	// Stop two calls into the second run (the loop's check, then the sim's
	// first Stop), so the third call cuts it.
	stop := &stopAfter{Context: context.Background(), limit: calls + 2}
	code, out, errOut := sweep(stop, args("cut.db", "2"))
	if code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "stopped after 1 of 4 runs") || !strings.Contains(lines[0], "recorded as interrupted") {
		t.Fatalf("stderr is not one line saying where the sweep stopped:\n%s", errOut)
	}

	st, err := record.Open(filepath.Join(dir, "cut.db"), record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	metas, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) != 2 || metas[1].Status != record.StatusComplete || metas[0].Status != record.StatusInterrupted {
		t.Fatalf("store holds %d runs, want the first complete and the cut one interrupted: %+v", len(metas), metas)
	}
	cutStats, err := st.Stats(metas[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	fullStats, err := st.Stats(metas[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	var cutEvents, fullEvents uint64
	for _, s := range cutStats {
		cutEvents += s.Events
	}
	for _, s := range fullStats {
		fullEvents += s.Events
	}
	// The one row: variant actions=5 with 1 run, whose events are the
	// finished run's alone (the cut run's would pull the mean down).
	row := regexp.MustCompile(`(?m)^\| actions=5 \| (\d+) \| ([\d ]+) \|`).FindStringSubmatch(out)
	if row == nil {
		t.Fatalf("no table row for actions=5:\n%s", out)
	}
	if row[1] != "1" {
		t.Errorf("actions=5 has %s runs in the table, want 1 (the cut run left out):\n%s", row[1], out)
	}
	if got := strings.ReplaceAll(row[2], " ", ""); got != uint64String(fullEvents) {
		t.Errorf("events %s, want the finished run's %d (the cut run had %d)", got, fullEvents, cutEvents)
	}
	if strings.Contains(out, "actions=6") {
		t.Errorf("the variant that never ran is in the table:\n%s", out)
	}

	// The table rebuilt from the store is, byte for byte, the one the
	// stopped sweep printed: the cut run is left out of it too.
	assertTableRebuilt(t, out, filepath.Join(dir, "cut.db"), "the table has the 1 of its 4 runs")

	// A stop that comes just after a run ended complete (the loop's check,
	// every Stop of the sim, then the check after the run) keeps that run:
	// it is whole in the store, and the table counts it.
	stop = &stopAfter{Context: context.Background(), limit: calls - 2}
	code, out, errOut = sweep(stop, args("late.db", "2"))
	if code != 130 || !strings.Contains(errOut, "stopped after 1 of 4 runs") || strings.Contains(errOut, "cut short") {
		t.Fatalf("a stop after the first run ended: exit %d, stderr:\n%s", code, errOut)
	}
	if !regexp.MustCompile(`(?m)^\| actions=5 \| 1 \| `).MatchString(out) {
		t.Errorf("the run that ended before the stop is not in the table:\n%s", out)
	}
	assertTableRebuilt(t, out, filepath.Join(dir, "late.db"), "the table has the 1 of its 4 runs")
}

// assertTableRebuilt checks that 'sweep --table' on store prints out, the
// output of the sweep that recorded it, and warns with want.
func assertTableRebuilt(t *testing.T, out, store, want string) {
	t.Helper()
	id := regexp.MustCompile(`^sweep (\S+): `).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no sweep id in:\n%s", out)
	}
	code, table, errOut := lamport(t, "sweep", "--table", id[1], "--store", store)
	if code != 0 || table != out {
		t.Errorf("sweep --table %s: exit %d (%s)\n%s\nthe sweep printed:\n%s", id[1], code, errOut, table, out)
	}
	if !strings.Contains(errOut, want) {
		t.Errorf("sweep --table %s: stderr %q, want it to say %q", id[1], errOut, want)
	}
}
