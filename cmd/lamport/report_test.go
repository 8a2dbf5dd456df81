package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lamport/report"
)

// lamportReport runs 'lamport report ARGS' in-process.
func lamportReport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return lamport(t, append([]string{"report"}, args...)...)
}

func reportStore(t *testing.T) string {
	t.Helper()
	return simStore(t, "7", "3", "1m")
}

// simStore records 'lamport sim --seed SEED --machines N --duration D' into
// a fresh store and returns its path.
func simStore(t *testing.T, seed, machines, duration string) string {
	t.Helper()
	store := filepath.Join(t.TempDir(), "sim.db")
	if code, _, errOut := lamport(t, "sim", "--seed", seed, "--machines", machines, "--duration", duration, "--store", store, "--quiet"); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errOut)
	}
	return store
}

func TestReportCommand(t *testing.T) {
	store := reportStore(t)
	code, out, errOut := lamportReport(t, "latest", "--store", store)
	if code != 0 {
		t.Fatalf("report latest: exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "run ") || !strings.Contains(lines[0], "seed 7") || !strings.Contains(lines[0], "3 machines") {
		t.Errorf("header line %q", lines[0])
	}
	for _, section := range []string{"clock jumps, gaps and drift", "jump histogram", "messages per pair"} {
		if !strings.Contains(out, section) {
			t.Errorf("no %q section in\n%s", section, out)
		}
	}
	// Each machine has a row in both tables and a histogram line.
	for _, id := range []string{"1", "2", "3"} {
		rows := 0
		for _, l := range lines[1:] {
			if f := strings.Fields(l); len(f) > 0 && f[0] == id {
				rows++
			}
		}
		if rows < 3 {
			t.Errorf("machine %s: %d lines start with it, want its two table rows and its histogram\n%s", id, rows, out)
		}
	}
	// --seed picks the same run.
	if code, bySeed, _ := lamportReport(t, "--seed", "7", "--store", store); code != 0 || bySeed != out {
		t.Errorf("report --seed 7: exit %d, output differs from report latest:\n%s", code, bySeed)
	}
}

func TestReportCommandJSON(t *testing.T) {
	store := reportStore(t)
	code, out, errOut := lamportReport(t, "latest", "--json", "--store", store)
	if code != 0 {
		t.Fatalf("report --json: exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var a report.Analysis
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("report --json does not parse as an Analysis: %v\n%s", err, out)
	}
	if a.Seed != 7 || a.Mode != "sim" || len(a.Machines) != 3 || a.Events == 0 || len(a.Pairs) != 6 {
		t.Errorf("analysis: seed %d mode %s, %d machines, %d events, %d pairs", a.Seed, a.Mode, len(a.Machines), a.Events, len(a.Pairs))
	}
	var sum uint64
	for _, m := range a.Machines {
		sum += m.Events
	}
	if sum != a.Events {
		t.Errorf("machines' events sum to %d, run has %d", sum, a.Events)
	}
}

func TestReportCommandErrors(t *testing.T) {
	store := reportStore(t)
	for _, c := range []struct {
		want string
		args []string
	}{
		{`run "nope"`, []string{"nope", "--store", store}},
		{"no run with seed 8", []string{"--seed", "8", "--store", store}},
		{"name a run", []string{"--store", store}},
		{"RUN or --seed, not both", []string{"latest", "--seed", "7", "--store", store}},
		{"does not exist", []string{"latest", "--store", filepath.Join(t.TempDir(), "missing.db")}},
		{"unknown flag", []string{"latest", "--machine", "1", "--store", store}},
	} {
		code, out, errOut := lamportReport(t, c.args...)
		lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
		last := lines[len(lines)-1]
		if code != 2 || out != "" || !strings.HasPrefix(last, "lamport: ") || !strings.Contains(last, c.want) {
			t.Errorf("report %v: exit %d, stdout %q, stderr %q; want exit 2 and a line mentioning %q", c.args, code, out, errOut, c.want)
		}
	}
	code, out, _ := lamportReport(t, "--help")
	if code != 0 || !strings.HasPrefix(out, "Usage: lamport report") || !strings.Contains(out, "--json") {
		t.Errorf("report --help: exit %d\n%s", code, out)
	}
}

// TestReportCountsCausalityOfBigRunsOnlyWhenAsked: past the default number
// of machines the report says why the figures are missing and how to get
// them; --causality gets them, and they add up.
func TestReportCountsCausalityOfBigRunsOnlyWhenAsked(t *testing.T) {
	store := filepath.Join(t.TempDir(), "big.db")
	machines := strconv.Itoa(report.CausalityDefaultMachines + 1)
	if code, _, errOut := lamport(t, "sim", "--seed", "3", "--machines", machines, "--duration", "2s", "--store", store, "--quiet"); code != 0 {
		t.Fatalf("sim: %s", errOut)
	}
	code, out, errOut := lamport(t, "report", "latest", "--store", store)
	if code != 0 || !strings.Contains(out, "what Lamport clocks cannot tell: not computed: the run has "+machines+" machines") || !strings.Contains(out, "--causality") {
		t.Fatalf("exit %d, stderr %q, report:\n%s", code, errOut, out)
	}
	code, out, errOut = lamport(t, "report", "latest", "--store", store, "--json", "--causality")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var a struct {
		Causality *struct {
			CrossPairs uint64 `json:"cross_pairs"`
			Ordered    uint64 `json:"ordered"`
			Concurrent uint64 `json:"concurrent"`
		} `json:"causality"`
		Events uint64 `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if a.Causality == nil || a.Causality.CrossPairs == 0 || a.Causality.Ordered+a.Causality.Concurrent != a.Causality.CrossPairs ||
		a.Causality.CrossPairs >= a.Events*a.Events/2 {
		t.Fatalf("causality with --causality: %+v (events %d)", a.Causality, a.Events)
	}
}
