package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lamport/internal/textfmt"
	"lamport/record"
)

// TestUsageLinesNameOnlyRealFlags: every --flag that a command's Usage
// line names is one of the flags its help lists (and so parses), and a
// help lists a Flags section only when there are flags.
func TestUsageLinesNameOnlyRealFlags(t *testing.T) {
	flagName := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	listed := regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z][a-z0-9-]*)`)
	for _, c := range commands() {
		code, out, errOut := lamport(t, c.name, "--help")
		if code != 0 {
			t.Fatalf("%s --help: exit %d: %s", c.name, code, errOut)
		}
		usage, _, _ := strings.Cut(out, "\n")
		if !strings.HasPrefix(usage, "Usage: lamport "+c.name) {
			t.Fatalf("%s --help does not start with its usage line: %q", c.name, usage)
		}
		// A command without flags has no Flags section, and its usage
		// line may then name none.
		_, flagsPart, _ := strings.Cut(out, "\nFlags:\n")
		if strings.Contains(out, "\nFlags:\n") && strings.TrimSpace(flagsPart) == "" {
			t.Errorf("%s --help has an empty Flags section", c.name)
		}
		real := map[string]bool{"help": true}
		for _, m := range listed.FindAllStringSubmatch(flagsPart, -1) {
			real[m[1]] = true
		}
		for _, m := range flagName.FindAllStringSubmatch(usage, -1) {
			if !real[m[1]] {
				t.Errorf("%s: usage line names --%s, which is not one of its flags: %q", c.name, m[1], usage)
			}
		}
	}
}

// TestMergeSaysWhatItMerged: one line naming the stores, the output and
// each run with its machines and events, counted here from the inputs.
func TestMergeSaysWhatItMerged(t *testing.T) {
	dir := t.TempDir()
	a, b, out := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "out.db")
	for _, c := range []struct {
		store, machines string
	}{{a, "3"}, {b, "4"}} {
		if code, _, errOut := lamport(t, "sim", "--seed", "5", "--machines", c.machines, "--duration", "30s", "--quiet", "--store", c.store); code != 0 {
			t.Fatalf("sim: exit %d: %s", code, errOut)
		}
	}
	var want []string
	for _, path := range []string{a, b} {
		st, err := record.Open(path, record.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		metas, err := st.Runs()
		if err != nil || len(metas) != 1 {
			t.Fatalf("%s: %d runs, %v", path, len(metas), err)
		}
		stats, err := st.Stats(metas[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var events uint64
		for _, s := range stats {
			events += s.Events
		}
		want = append(want, fmt.Sprintf("run %s, %d machines, %s events", metas[0].ID, len(stats), textfmt.Thousands(events)))
		st.Close()
	}
	code, stdout, errOut := lamport(t, "merge", out, a, b)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	wantLine := "merged 2 stores into " + out + ": " + strings.Join(want, "; ") + "\n"
	if stdout != wantLine {
		t.Errorf("merge said\n%q\nwant\n%q", stdout, wantLine)
	}
}

// TestEmptyStoreAndMachineZero: ls of a store with no runs says so; show
// --machine 0 is refused like a machine the run lacks.
func TestEmptyStoreAndMachineZero(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	st, err := record.Open(empty, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut := lamport(t, "ls", "--store", empty)
	if code != 0 || out != "no runs in store "+empty+"\n" {
		t.Errorf("ls of an empty store: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := lamport(t, "ls", "--json", "--store", empty); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("ls --json of an empty store: exit %d, %q, want []", code, out)
	}

	store := filepath.Join(dir, "s.db")
	if code, _, errOut := lamport(t, "sim", "--seed", "5", "--duration", "10s", "--quiet", "--store", store); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errOut)
	}
	for _, cmd := range []string{"show", "export"} {
		for _, id := range []string{"0", "9"} {
			code, out, errOut := lamport(t, cmd, "latest", "--machine", id, "--store", store)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "has no machine "+id) {
				t.Errorf("%s --machine %s: exit %d, stdout %d bytes, stderr %q; want exit 2 and one line", cmd, id, code, len(out), errOut)
			}
		}
	}
}

// TestOneTickPerSecondIsSingular: a rate of 1 reads "1 tick/s" wherever a
// rate is printed with its unit.
func TestOneTickPerSecondIsSingular(t *testing.T) {
	err := checkSimBudget(1e6*3600e9, 3, 1)
	if err == nil || !strings.Contains(err.Error(), "up to 1 tick/s ") {
		t.Errorf("sim budget refusal at max-rate 1: %v", err)
	}
	if err := checkSimBudget(1e6*3600e9, 3, 2); err == nil || !strings.Contains(err.Error(), "up to 2 ticks/s ") {
		t.Errorf("sim budget refusal at max-rate 2: %v", err)
	}
	dir := t.TempDir()
	store, page := filepath.Join(dir, "s.db"), filepath.Join(dir, "r.html")
	if code, _, errOut := lamport(t, "sim", "--seed", "5", "--min-rate", "1", "--max-rate", "1", "--duration", "10s", "--quiet", "--store", store); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errOut)
	}
	if code, _, errOut := lamport(t, "report", "latest", "--html", page, "--store", store); code != 0 {
		t.Fatalf("report --html: exit %d: %s", code, errOut)
	}
	html := readFile(t, page)
	if strings.Contains(html, "1 ticks/s") || !strings.Contains(html, "(1 tick/s)") {
		t.Errorf("the report page of a run at 1 tick/s does not say \"(1 tick/s)\"")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
