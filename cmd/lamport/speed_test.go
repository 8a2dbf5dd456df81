package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A speed whose tick interval, 1s/(rate × speed), a Go duration cannot
// hold for some rate in [min-rate, max-rate] is refused up front with one
// line, exit 2, by every command that takes --speed; before, 1e-12
// overflowed the interval and a one-second run did not stop.
func TestSpeedOutsideWhatATickIntervalHoldsIsRefused(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	store, logs := filepath.Join(dir, "s.db"), filepath.Join(dir, "logs")
	commands := map[string][]string{
		"run":     {"run", "--config", config, "--store", store, "--log-dir", logs, "--duration", "1s"},
		"machine": {"machine", "--config", config, "--id", "1", "--seed", "1", "--store", store, "--log-dir", logs, "--duration", "1s"},
		"sweep":   {"sweep", "--mode", "live", "--runs", "1", "--store", store, "--log-dir", logs, "--duration", "1s"},
	}
	speeds := []struct{ args []string }{
		{[]string{"--speed", "1e-12"}},                             // the interval overflows
		{[]string{"--speed", "1.08e-10"}},                          // just past 2^63 ns at rate 1
		{[]string{"--speed", "1000001"}},                           // just past the cap
		{[]string{"--speed", "1000.001", "--max-rate", "1000000"}}, // under 1ns at rate 1e6
		{[]string{"--speed", "0"}},
		{[]string{"--speed", "-2"}},
		{[]string{"--speed", "NaN"}},
		{[]string{"--speed", "Inf"}},
	}
	for name, base := range commands {
		for _, s := range speeds {
			args := append(append([]string{}, base...), s.args...)
			code, out, errOut := lamport(t, args...)
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "lamport: speed must be between ") {
				t.Errorf("%s %v: exit %d, want 2 and one line naming the range\nstderr: %s\nstdout: %s", name, s.args, code, errOut, out)
			}
		}
	}
	// A sweep whose variant raises max-rate past what the speed allows is
	// refused before any run starts.
	assertUsageFailure(t, `variant "max-rate=1000000": speed must be between`, "sweep", "--mode", "live", "--runs", "1", "--store", store,
		"--log-dir", logs, "--duration", "1s", "--speed", "2000", "--vary", "max-rate=6,1000000")
	// Just inside the slowest end: the run is accepted and simply has no
	// tick due within its duration.
	code, out, errOut := lamport(t, "run", "--config", config, "--store", store, "--log-dir", "", "--duration", "200ms", "--speed", "1.0843e-10", "--seed", "3")
	if code != 0 || !strings.Contains(out, "  0 events\n") {
		t.Fatalf("run at the slowest accepted speed: exit %d\n%s%s", code, out, errOut)
	}
}
