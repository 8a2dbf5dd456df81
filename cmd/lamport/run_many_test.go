package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// 60 machines in one 'lamport run' fit in 256 open files: their messages
// share one connection, where one connection per ordered pair needed
// 7 144 descriptors. Nothing is lost, nothing is left in flight, and the
// run replays identically. Under a limit it cannot fit, the run is refused
// before anything is written.
func TestRunManyMachinesInOneProcessUnderALowFileLimit(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, make([]int, 60))
	store := filepath.Join(dir, "many.db")
	code, out, errOut := ulimited(t, "n", 256, "run", "--config", config, "--store", store,
		"--log-dir", filepath.Join(dir, "logs"), "--duration", "1s", "--speed", "10", "--seed", "3", "--quiet")
	if code != 0 || !strings.Contains(out, "complete") || !strings.Contains(out, "60 machines") {
		t.Fatalf("run of 60 machines with ulimit -n 256: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = lamport(t, "replay", "latest", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical: 60 machines") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = lamport(t, "report", "latest", "--json", "--store", store)
	if code != 0 {
		t.Fatalf("report: exit %d %s", code, errOut)
	}
	var rep struct {
		Sent     uint64 `json:"messages_sent"`
		Arrivals uint64 `json:"arrivals"`
		InFlight uint64 `json:"in_flight_at_end"`
		Lost     uint64 `json:"lost"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report --json: %v", err)
	}
	if rep.Sent == 0 || rep.Arrivals != rep.Sent || rep.InFlight != 0 || rep.Lost != 0 {
		t.Errorf("%d messages sent, %d arrived, %d in flight, %d lost; want all to arrive", rep.Sent, rep.Arrivals, rep.InFlight, rep.Lost)
	}

	refused := filepath.Join(dir, "refused.db")
	code, out, errOut = ulimited(t, "n", 100, "run", "--config", config, "--store", refused, "--log-dir", "",
		"--duration", "1s", "--speed", "10", "--seed", "3", "--quiet")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != 2 || out != "" || len(lines) != 1 || !strings.Contains(errOut, "60 machines in one process need about") || !strings.Contains(errOut, "ulimit -n") {
		t.Errorf("60 machines with ulimit -n 100: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(refused); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run left %s: %v", refused, err)
	}
}
