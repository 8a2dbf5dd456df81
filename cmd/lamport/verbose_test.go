package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// By default a command prints its result and warnings only; INFO lines
// come with -v or LAMPORT_VERBOSE=1.
func TestDiagnosticsOnlyWhenAskedFor(t *testing.T) {
	for _, c := range []struct {
		name     string
		env      string
		flags    []string
		wantInfo bool
	}{
		{"default", "", nil, false},
		{"-v", "", []string{"-v"}, true},
		{"--verbose", "", []string{"--verbose"}, true},
		{"-vv", "", []string{"-vv"}, true},
		{"LAMPORT_VERBOSE=1", "1", nil, true},
		{"LAMPORT_VERBOSE=0", "0", nil, false},
		{"--quiet beats LAMPORT_VERBOSE=1", "1", []string{"--quiet"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(verboseEnv, c.env)
			store := filepath.Join(t.TempDir(), "s.db")
			args := append([]string{"sim", "--seed", "3", "--duration", "5s", "--store", store}, c.flags...)
			code, out, errOut := lamport(t, args...)
			if code != 0 || !strings.Contains(out, "seed 3") {
				t.Fatalf("sim %v: exit %d\n%s%s", c.flags, code, out, errOut)
			}
			if got := strings.Contains(errOut, "level=INFO msg=simulating"); got != c.wantInfo {
				t.Errorf("INFO line on stderr: %v, want %v; stderr:\n%s", got, c.wantInfo, errOut)
			}
			if !c.wantInfo && errOut != "" {
				t.Errorf("stderr should be empty:\n%s", errOut)
			}
		})
	}
}

func TestVerbosityRefusals(t *testing.T) {
	assertUsageFailure(t, "--quiet and --verbose contradict", "sim", "--quiet", "-v", "--no-record")
	t.Setenv(verboseEnv, "loud")
	assertUsageFailure(t, `LAMPORT_VERBOSE="loud"`, "sim", "--no-record")
}

// Warnings print by default, and not with --quiet: its output is the
// result alone.
func TestQuietDropsWarnings(t *testing.T) {
	for _, c := range []struct {
		flags              logFlags
		env                string
		wantWarn, wantInfo bool
	}{
		{logFlags{}, "", true, false},
		{logFlags{verbose: 1}, "", true, true},
		{logFlags{quiet: true}, "", false, false},
		{logFlags{quiet: true}, "2", false, false},
	} {
		t.Setenv(verboseEnv, c.env)
		var errOut bytes.Buffer
		e := newEnv(&bytes.Buffer{}, &errOut)
		if err := c.flags.apply(e); err != nil {
			t.Fatal(err)
		}
		e.log.Warn("careful")
		e.log.Info("busy")
		if got := strings.Contains(errOut.String(), "level=WARN msg=careful"); got != c.wantWarn {
			t.Errorf("%+v: warning printed %v, want %v: %q", c.flags, got, c.wantWarn, errOut.String())
		}
		if got := strings.Contains(errOut.String(), "msg=busy"); got != c.wantInfo {
			t.Errorf("%+v: INFO printed %v, want %v: %q", c.flags, got, c.wantInfo, errOut.String())
		}
	}
}

// The network's packages log through slog's default logger, which the
// real binary makes the CLI's: -vv shows their DEBUG lines, the default
// shows nothing from them. A real process, since only main sets the
// default logger.
func TestNetworkLogsFollowTheCLIsLevel(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	for _, c := range []struct {
		flag      string
		wantDebug bool
	}{{"-vv", true}, {"", false}} {
		args := []string{"run", "--config", config, "--store", filepath.Join(dir, "s"+c.flag+".db"), "--log-dir", "",
			"--duration", "1s", "--speed", "20", "--seed", "4"}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		cmd := exec.Command(lamportBin, args...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("run %s: %v\n%s", c.flag, err, errOut.String())
		}
		got := strings.Contains(errOut.String(), `level=DEBUG msg="wire: `)
		if got != c.wantDebug {
			t.Errorf("run %q: wire DEBUG lines %v, want %v; stderr:\n%s", c.flag, got, c.wantDebug, errOut.String())
		}
		if !c.wantDebug && errOut.Len() != 0 {
			t.Errorf("run without -v wrote to stderr:\n%s", errOut.String())
		}
	}
}
