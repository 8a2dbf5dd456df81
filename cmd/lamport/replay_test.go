package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

var hashLine = regexp.MustCompile(`(?m)^trace hash ([0-9a-f]{64})$`)

func TestSimThenReplayAndWhatIf(t *testing.T) {
	store := filepath.Join(t.TempDir(), "lamport.db")
	code, out, errOut := lamport(t, "sim", "--seed", "7", "--machines", "5", "--duration", "10m", "--store", store)
	if code != 0 {
		t.Fatalf("sim: exit %d %s", code, errOut)
	}
	m := hashLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "5 machines") {
		t.Fatalf("sim output lacks a trace hash or machine count:\n%s", out)
	}
	code, again, _ := lamport(t, "sim", "--seed", "7", "--machines", "5", "--duration", "10m", "--no-record", "--verify")
	if code != 0 || hashLine.FindStringSubmatch(again)[1] != m[1] || !strings.Contains(again, "verify: the second run gave the same trace hash") {
		t.Fatalf("the same sim gave another hash or failed verify (exit %d):\n%s", code, again)
	}
	if _, other, _ := lamport(t, "sim", "--seed", "8", "--machines", "5", "--duration", "10m", "--no-record"); hashLine.FindStringSubmatch(other)[1] == m[1] {
		t.Fatal("seed 8 gave seed 7's trace hash")
	}

	code, out, errOut = lamport(t, "replay", "--seed", "7", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical: 5 machines, ") || !strings.Contains(out, m[1]) {
		t.Fatalf("replay of the sim: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = lamport(t, "replay", "latest", "--set", "seed=8", "--store", store)
	if code != 1 || !strings.HasPrefix(out, "diverged: first at machine ") {
		t.Fatalf("replay --set seed=8: exit %d\n%s", code, out)
	}
	code, out, _ = lamport(t, "replay", "latest", "--trace", "--machine", "2", "--from", "100", "--to", "140", "--store", store)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 41+2 || !strings.HasPrefix(lines[0], "m2 #100 ") || !strings.HasPrefix(lines[40], "m2 #140 ") {
		t.Fatalf("replay --trace --machine 2 --from 100 --to 140: exit %d, %d lines\n%s", code, len(lines), out)
	}
	assertUsageFailure(t, "unknown key", "replay", "latest", "--set", "colour=red", "--store", store)
	assertUsageFailure(t, "actions must be", "replay", "latest", "--set", "actions=0", "--store", store)
	assertUsageFailure(t, "unknown distribution", "sim", "--latency", "normal:1ms", "--no-record")
	assertUsageFailure(t, "--machines must be", "sim", "--machines", "1", "--no-record")
}

// A live run killed with SIGKILL leaves the store as of its last committed
// batch: every machine cut at one instant, and the run read as
// interrupted (its process is gone). That prefix must replay with zero
// divergence. crash_test.go kills at random moments, many times.
func TestKilledLiveRunPrefixReplaysCleanly(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "lamport.db")
	config := writeConfig(t, dir, []int{0, 0, 0})
	cmd := exec.Command(lamportBin, "run", "--config", config, "--store", store, "--log-dir", "",
		"--duration", "0", "--speed", "30", "--seed", "3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	meta := latestRun(t, store)
	if meta.Status != record.StatusInterrupted {
		t.Fatalf("a killed run has status %s", meta.Status)
	}
	code, out, errOut := lamport(t, "replay", meta.ID, "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical: 3 machines, ") || strings.HasPrefix(out, "identical: 3 machines, 0 events") {
		t.Fatalf("replay of a killed run's prefix: exit %d\n%s%s", code, out, errOut)
	}
}

// A what-if that moves only the tick rates (the model's first draw, kept in
// the run's metadata, not in any event) is a divergence, exit 1, naming
// the machine and both rates; the unchanged run still replays identical.
func TestReplayWhatIfRateNamesTheMachineAndBothRates(t *testing.T) {
	store := filepath.Join(t.TempDir(), "lamport.db")
	if code, _, errOut := lamport(t, "sim", "--seed", "7", "--machines", "4", "--duration", "1m", "--store", store); code != 0 {
		t.Fatalf("sim: exit %d %s", code, errOut)
	}
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := st.Resolve("latest")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := lamport(t, "replay", "latest", "--store", store); code != 0 || !strings.HasPrefix(out, "identical: 4 machines") {
		t.Fatalf("unchanged replay: exit %d\n%s%s", code, out, errOut)
	}
	for _, c := range []struct {
		set      string
		min, max int
	}{{"max-rate=2", 1, 2}, {"min-rate=6", 6, 6}} {
		p := meta.Params
		p.MinRate, p.MaxRate = c.min, c.max
		var victim record.MachineMeta
		for _, mm := range meta.Machines { // in id order
			if core.Rate(p, mm.ID) != mm.Rate {
				victim = mm
				break
			}
		}
		if victim.ID == 0 {
			t.Fatalf("--set %s moves no rate of seed 7 (%+v); pick another seed", c.set, meta.Machines)
		}
		code, out, errOut := lamport(t, "replay", "latest", "--set", c.set, "--store", store)
		head := fmt.Sprintf("diverged: first at machine %d, before its first event, 0.000000s into the run\n"+
			"  tick rate differs: recorded %d, replayed %d ticks per second\n", victim.ID, victim.Rate, core.Rate(p, victim.ID))
		if code != 1 || !strings.HasPrefix(out, head) || errOut != "" {
			t.Fatalf("replay --set %s: exit %d, want 1 and a report starting\n%s\ngot\n%s%s", c.set, code, head, out, errOut)
		}
	}
}
