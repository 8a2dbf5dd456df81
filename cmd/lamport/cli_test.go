package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/record"
)

// lamport runs the CLI in-process and returns exit code, stdout, stderr.
func lamport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpForEverySubcommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			code, out, errOut := lamport(t, args...)
			if code != 0 {
				t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
			}
			if !strings.Contains(out, "Usage: lamport "+c.name) {
				t.Errorf("%v: help does not start with the usage line:\n%s", args, out)
			}
			if strings.Count(out, "Usage:") != 1 {
				t.Errorf("%v: help printed %d times", args, strings.Count(out, "Usage:"))
			}
		}
	}
	code, out, _ := lamport(t, "--help")
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("top-level help does not list %s", c.name)
		}
	}
	if code != 0 {
		t.Errorf("lamport --help: exit %d", code)
	}
}

// assertUsageFailure checks the CLI's promise for bad input: exit 2 and one
// line on stderr that mentions what went wrong.
func assertUsageFailure(t *testing.T, want string, args ...string) {
	t.Helper()
	code, _, errOut := lamport(t, args...)
	if code != 2 {
		t.Fatalf("%v: exit %d, want 2 (stderr %q)", args, code, errOut)
	}
	lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "lamport: ") || !strings.Contains(last, want) {
		t.Fatalf("%v: last stderr line %q does not mention %q", args, last, want)
	}
}

func TestBadConfigIsOneClearLineAndExit2(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ doc, want string }{
		"invalid json":  {`{"machines": [{"id": 1,`, "invalid JSON"},
		"duplicate ids": {`{"machines":[{"id":1,"host":"127.0.0.1","port":5001},{"id":1,"host":"127.0.0.1","port":5002}]}`, "duplicate machine id 1"},
		"missing port":  {`{"machines":[{"id":1,"host":"127.0.0.1"},{"id":2,"host":"127.0.0.1","port":5002}]}`, `missing "port"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(c.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			store := filepath.Join(dir, "s.db")
			assertUsageFailure(t, c.want, "run", "--config", path, "--store", store, "--duration", "1s")
			assertUsageFailure(t, c.want, "machine", "--id", "1", "--seed", "1", "--config", path, "--store", store)
			if _, err := os.Stat(store); err == nil {
				t.Fatal("a bad config still created the store")
			}
		})
	}
	assertUsageFailure(t, "does not exist", "run", "--config", filepath.Join(dir, "absent.json"))
}

func TestBadCommandLines(t *testing.T) {
	assertUsageFailure(t, `unknown command "frobnicate"`, "frobnicate")
	assertUsageFailure(t, "unknown flag: --bogus (see 'lamport ls --help')", "ls", "--bogus")
	assertUsageFailure(t, `unknown command "-v": flags go after the command`, "-v", "ls")
	missingDir := filepath.Join(t.TempDir(), "absent", "s.db")
	assertUsageFailure(t, "--store "+missingDir+": no directory "+filepath.Dir(missingDir)+" to create it in", "sim", "--duration", "1s", "--store", missingDir)
	assertUsageFailure(t, "no command given")
	assertUsageFailure(t, "machine needs --id", "machine")
	assertUsageFailure(t, "does not exist", "ls", "--store", filepath.Join(t.TempDir(), "none.db"))
	assertUsageFailure(t, "unknown --format", "export", "latest", "--format", "xml", "--store", filepath.Join(t.TempDir(), "none.db"))
	assertUsageFailure(t, "speed must be", "run", "--speed", "0", "--config", "../../config.json")
	assertUsageFailure(t, "max-rate", "run", "--min-rate", "5", "--max-rate", "2", "--config", "../../config.json")
	assertUsageFailure(t, "machine needs --seed", "machine", "--id", "1", "--config", "../../config.json")
	assertUsageFailure(t, "machine 9 is not in", "machine", "--id", "9", "--seed", "1", "--config", "../../config.json")
}

func TestLockedStoreIsReportedNotAHang(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	begin := time.Now()
	assertUsageFailure(t, "held open by another lamport process", "ls", "--store", path)
	if waited := time.Since(begin); waited > 20*time.Second {
		t.Fatalf("reporting a locked store took %v", waited)
	}
}

func TestRunRefusesWhatCannotWorkBeforeStartingAnything(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	store := filepath.Join(dir, "s.db")
	assertUsageFailure(t, "--procs needs a real port", "run", "--procs", "--config", config, "--store", store)
	assertUsageFailure(t, "--connect-timeout must be positive", "run", "--connect-timeout", "-1s", "--config", config, "--store", store)
	assertUsageFailure(t, "takes no arguments", "version", "extra")
	if _, err := os.Stat(store); err == nil {
		t.Fatal("a refused run created the store")
	}
}

func TestFailedMergeLeavesNoNewStore(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.db")
	notAStore := filepath.Join(dir, "config.json")
	if err := os.WriteFile(notAStore, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := lamport(t, "merge", out, notAStore)
	if code != 2 {
		t.Fatalf("merging a non-store: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed merge left a new OUT store behind")
	}
}

// A new user who runs lamport outside the checkout is told where a config
// comes from; and --help does not claim sim's machines default to 3 when
// they are the config's.
func TestMissingConfigSaysWhereOneComesFrom(t *testing.T) {
	t.Chdir(t.TempDir())
	assertUsageFailure(t, "does not exist (the repository's config.json can be copied here; --config names another)", "run", "--duration", "1s")
	if _, err := os.Stat("lamport.db"); err == nil {
		t.Error("a run without a config created a store")
	}
	for _, cmd := range []string{"sim", "sweep"} {
		_, help, _ := lamport(t, cmd, "--help")
		for _, line := range strings.Split(help, "\n") {
			if strings.Contains(line, "--machines int") && strings.Contains(line, "(default 3)") {
				t.Errorf("%s --help: %s", cmd, line)
			}
			if strings.Contains(line, "--machines int") && !strings.Contains(line, "default: the config's machines") {
				t.Errorf("%s --help does not say where the machines come from: %s", cmd, line)
			}
		}
	}
}

// A live run's summary shows wall time; at another speed it says which.
func TestRunSummaryNamesItsSpeed(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	meta := record.RunMeta{ID: "r", Status: record.StatusComplete, Seed: 7, Started: started, Ended: started.Add(5 * time.Second), Speed: 10}
	var out bytes.Buffer
	printRunSummary(&out, "lamport.db", meta, nil)
	if first := strings.SplitN(out.String(), "\n", 2)[0]; !strings.Contains(first, "  5s at speed 10  ") {
		t.Errorf("summary: %q", first)
	}
	meta.Speed = 1
	out.Reset()
	printRunSummary(&out, "lamport.db", meta, nil)
	if strings.Contains(out.String(), "speed") {
		t.Errorf("summary at speed 1 names it: %q", out.String())
	}
}

// TestVerboseAndQuietAreWhereTheREADMESays: the README names the commands
// that take -v and --quiet; their help must list them, and the others' not.
func TestVerboseAndQuietAreWhereTheREADMESays(t *testing.T) {
	verbose := map[string]bool{"run": true, "machine": true, "sim": true, "sweep": true, "replay": true, "report": true}
	quiet := map[string]bool{"run": true, "machine": true, "sim": true, "sweep": true, "replay": true}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	if !strings.Contains(text, "(`run`, `machine`, `sim`, `sweep`, `replay`, `report`) take `-v`") || !strings.Contains(text, "all but `report` take `--quiet`") {
		t.Fatal("the README no longer says which commands take -v and --quiet; update this test with it")
	}
	for _, c := range commands() {
		code, out, _ := lamport(t, c.name, "--help")
		if code != 0 {
			t.Fatalf("%s --help: exit %d", c.name, code)
		}
		if got := strings.Contains(out, "-v, --verbose"); got != verbose[c.name] {
			t.Errorf("%s --help lists -v: %v, the README says %v", c.name, got, verbose[c.name])
		}
		if got := strings.Contains(out, "--quiet"); got != quiet[c.name] {
			t.Errorf("%s --help lists --quiet: %v, the README says %v", c.name, got, quiet[c.name])
		}
	}
}

// TestALoneMachineSaysToStartTheOthers: a machine whose peers never come
// gives up after --connect-timeout with one line that says what to do.
func TestALoneMachineSaysToStartTheOthers(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, freePorts(t, 2))
	assertUsageFailure(t, "start every machine of the config ('lamport machine --id N' with the same config and --seed) within --connect-timeout (1s) of each other",
		"machine", "--id", "1", "--seed", "7", "--config", config, "--connect-timeout", "1s", "--store", filepath.Join(dir, "m1.db"), "--log-dir", "")
}
