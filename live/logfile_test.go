package live_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/live"
	"lamport/record"
)

// Two runs that share an id (two stores, as 'lamport machine' derives the
// id from the seed and config) must not share a log file: the second is
// refused before it records anything, and the first's log is untouched.
func TestAFreshRunNeverOverwritesAnotherRunsLog(t *testing.T) {
	logDir := t.TempDir()
	spec := live.Spec{RunID: "same", Config: core.RingConfig(2, "127.0.0.1", 0), Params: core.DefaultParams(3),
		Speed: 20, Duration: 500 * time.Millisecond, Store: openStore(t), LogDir: logDir, Tool: "test"}
	if _, err := live.Run(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(logDir, "same", "log_1.txt")
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec.Store = openStore(t)
	_, err = live.Run(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("second run with the same id and log directory: %v, want a refusal", err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("the refused run changed the first run's log")
	}
	if runs, _ := spec.Store.Runs(); len(runs) != 0 {
		t.Fatalf("the refused run recorded %d runs", len(runs))
	}
}

func TestLogHeaderNamesTheRunAndItsParameters(t *testing.T) {
	meta := record.RunMeta{ID: "r1", Seed: 42, Params: core.Params{Actions: 4, MinRate: 2, MaxRate: 3}, Speed: 2.5,
		Options: map[string]string{
			"duration": "10s", "drop": "0.1", "variant": "max-rate=2 (slow)",
			"restarts.m1": "1", "wire.rejected.m1": "3", // added during the run: not in the header
		}}
	got := string(meta.LogHeader(record.MachineMeta{ID: 1, Rate: 3}).Append([]byte("x")))
	want := `x# lamport run r1 seed 42 machine 1 rate 3 tick/s actions 4 min-rate 2 max-rate 3 speed 2.5 duration 10s drop 0.1 variant "max-rate=2 (slow)"` + "\n"
	if got != want {
		t.Fatalf("header\n%q\nwant\n%q", got, want)
	}
}
