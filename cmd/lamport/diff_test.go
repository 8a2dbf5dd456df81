package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// diffStore records small sim runs with fixed ids: alpha-7 and beta-7 with
// seed 7, gamma-8 with seed 8, and delta-7 with seed 7 but 15 virtual
// seconds instead of 20.
func diffStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	st, err := record.Open(path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	latency, err := replay.ParseLatency("constant:1ms")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range []struct {
		id   string
		seed uint64
		d    time.Duration
	}{{"alpha-7", 7, 20 * time.Second}, {"beta-7", 7, 20 * time.Second}, {"gamma-8", 8, 20 * time.Second}, {"delta-7", 7, 15 * time.Second}} {
		_, err := replay.RecordSim(st, replay.SimRun{
			RunID: r.id, Config: core.RingConfig(3, "sim", 0), Started: started.Add(time.Duration(i) * time.Minute),
			Spec: replay.SimSpec{Params: core.DefaultParams(r.seed), Duration: r.d, Latency: latency},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestDiffCommandExitCodes(t *testing.T) {
	store := diffStore(t)
	code, out, errOut := lamport(t, "diff", "alpha", "beta-7", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical: 3 machines, 260 events\n") || errOut != "" {
		t.Fatalf("alpha vs beta (same seed): exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "run A: alpha-7 (sim, seed 7,") || !strings.Contains(out, "run B: beta-7 (sim, seed 7,") {
		t.Fatalf("report does not name the runs:\n%s", out)
	}
	code, out, errOut = lamport(t, "diff", "alpha-7", "gamma", "--store", store)
	if code != 1 || !strings.HasPrefix(out, "different: first at machine ") || errOut != "" {
		t.Fatalf("alpha vs gamma (seeds 7, 8): exit %d\n%s%s", code, out, errOut)
	}
	// latest is delta-7, the last started: a prefix of alpha-7.
	code, out, _ = lamport(t, "diff", "alpha", "latest", "--store", store)
	if code != 1 || !strings.Contains(out, "B ends after event") || !strings.Contains(out, "machine 1: A has 25 more events") {
		t.Fatalf("alpha vs latest (shorter): exit %d\n%s", code, out)
	}
}

var contextLine = regexp.MustCompile(`(?m)^    #\d+ `)

func TestDiffCommandContext(t *testing.T) {
	store := diffStore(t)
	for _, c := range []struct {
		args []string
		want int
	}{{nil, replay.DefaultDiffContext}, {[]string{"--context", "0"}, 0}, {[]string{"--context", "7"}, 7}} {
		code, out, _ := lamport(t, append([]string{"diff", "alpha", "delta", "--store", store}, c.args...)...)
		if got := len(contextLine.FindAllString(out, -1)); code != 1 || got != c.want {
			t.Fatalf("%v: exit %d, %d context lines, want %d\n%s", c.args, code, got, c.want, out)
		}
	}
}

func TestDiffCommandJSON(t *testing.T) {
	store := diffStore(t)
	for _, c := range []struct {
		b         string
		code      int
		identical bool
	}{{"beta-7", 0, true}, {"gamma-8", 1, false}} {
		code, out, errOut := lamport(t, "diff", "alpha-7", c.b, "--store", store, "--json")
		if code != c.code {
			t.Fatalf("--json alpha vs %s: exit %d, want %d (%s)", c.b, code, c.code, errOut)
		}
		var got struct {
			Identical *bool `json:"identical"`
			A, B      struct {
				Run    string `json:"run"`
				Events uint64 `json:"events"`
			}
			Machines []struct {
				ID        int    `json:"id"`
				Differing uint64 `json:"differing"`
			} `json:"machines"`
			First *struct {
				Machine int    `json:"machine"`
				Index   uint64 `json:"index"`
			} `json:"first"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("--json output does not parse: %v\n%s", err, out)
		}
		if got.Identical == nil || *got.Identical != c.identical || got.A.Run != "alpha-7" || got.B.Run != c.b ||
			len(got.Machines) != 3 || got.A.Events != 260 || (got.First == nil) != c.identical {
			t.Fatalf("--json alpha vs %s:\n%s", c.b, out)
		}
		if !c.identical && (got.First.Index == 0 || got.Machines[0].Differing == 0) {
			t.Fatalf("--json of different runs lacks the first difference or counts:\n%s", out)
		}
	}
}

// The same seed simulated into two stores gives identical runs; --store-b
// reads RUN_B from the second store.
func TestDiffCommandAcrossStores(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, args := range [][]string{
		{"sim", "--seed", "7", "--duration", "30s", "--store", a},
		{"sim", "--seed", "7", "--duration", "30s", "--store", b},
		{"sim", "--seed", "7", "--duration", "30s", "--actions", "4", "--store", b},
	} {
		if code, _, errOut := lamport(t, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
	}
	stB, err := record.Open(b, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := stB.Runs()
	stB.Close()
	if err != nil || len(runs) != 2 {
		t.Fatalf("store b: %d runs, %v", len(runs), err)
	}
	var same, other string
	for _, r := range runs {
		if r.Params.Actions == 4 {
			other = r.ID
		} else {
			same = r.ID
		}
	}
	if code, out, errOut := lamport(t, "diff", "latest", same, "--store", a, "--store-b", b); code != 0 || !strings.HasPrefix(out, "identical: 3 machines") {
		t.Fatalf("seed 7 in two stores: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := lamport(t, "diff", "latest", other, "--store", a, "--store-b", b); code != 1 || !strings.HasPrefix(out, "different: ") {
		t.Fatalf("seed 7 vs seed 7 with --actions 4: exit %d\n%s", code, out)
	}
	// Without --store-b both runs come from --store, which lacks the other id.
	assertOneLineFailure(t, "RUN_B", "diff", "latest", other, "--store", a)
	// Every run id starts with the year.
	assertOneLineFailure(t, "ambiguous run prefix", "diff", "latest", "2", "--store", a, "--store-b", b)
}

// assertOneLineFailure checks exit 2 with exactly one stderr line that
// mentions want.
func assertOneLineFailure(t *testing.T, want string, args ...string) {
	t.Helper()
	code, out, errOut := lamport(t, args...)
	if code != 2 || out != "" {
		t.Fatalf("%v: exit %d, want 2 (stdout %q, stderr %q)", args, code, out, errOut)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "lamport: ") || !strings.Contains(errOut, want) {
		t.Fatalf("%v: stderr is not one line mentioning %q: %q", args, want, errOut)
	}
}

func TestDiffCommandErrors(t *testing.T) {
	store := diffStore(t)
	assertOneLineFailure(t, `run "nope": no such run ('lamport ls --store `+store+`' lists its runs)`, "diff", "nope", "alpha", "--store", store)
	assertOneLineFailure(t, `RUN_B: store `+store+`: run "nope"`, "diff", "alpha", "nope", "--store", store)
	assertOneLineFailure(t, "diff needs two runs", "diff", "alpha", "--store", store)
	assertOneLineFailure(t, "diff needs two runs", "diff", "alpha", "beta", "gamma", "--store", store)
	assertOneLineFailure(t, "--context must not be negative", "diff", "alpha", "beta", "--context", "-1", "--store", store)
	assertOneLineFailure(t, "does not exist", "diff", "alpha", "beta", "--store", filepath.Join(t.TempDir(), "none.db"))
	assertOneLineFailure(t, "does not exist", "diff", "alpha", "beta", "--store", store, "--store-b", filepath.Join(t.TempDir(), "none.db"))
	assertOneLineFailure(t, "unknown flag: --bogus", "diff", "alpha", "beta", "--bogus")
}

func TestDiffCommandHelp(t *testing.T) {
	code, out, errOut := lamport(t, "diff", "--help")
	if code != 0 || !strings.HasPrefix(out, "Usage: lamport diff RUN_A RUN_B") || !strings.Contains(out, "--store-b") || errOut != "" {
		t.Fatalf("diff --help: exit %d\n%s%s", code, out, errOut)
	}
}

// TestDiffCommandSeed: --seed N names RUN_A and --seed-b M RUN_B as the
// latest run with that seed, as show and replay read --seed; the same seed
// twice in one store compares its two latest runs.
func TestDiffCommandSeed(t *testing.T) {
	store := diffStore(t) // alpha-7, beta-7, gamma-8, delta-7, oldest first
	for _, c := range []struct {
		args []string
		a, b string
	}{
		{[]string{"--seed", "8", "alpha"}, "gamma-8", "alpha-7"},
		{[]string{"alpha", "--seed-b", "8"}, "alpha-7", "gamma-8"},
		{[]string{"--seed", "8", "--seed-b", "7"}, "gamma-8", "delta-7"},
		{[]string{"--seed", "7", "--seed-b", "7"}, "delta-7", "beta-7"},
	} {
		args := append([]string{"diff", "--store", store}, c.args...)
		code, out, errOut := lamport(t, args...)
		if code != 0 && code != 1 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if !strings.Contains(out, "run A: "+c.a+" (") || !strings.Contains(out, "run B: "+c.b+" (") {
			t.Errorf("%v: want run A %s and run B %s:\n%s", args, c.a, c.b, out)
		}
	}
	assertOneLineFailure(t, "only one run with seed 8", "diff", "--seed", "8", "--seed-b", "8", "--store", store)
	assertOneLineFailure(t, "no run with seed 9", "diff", "--seed", "9", "alpha", "--store", store)
	assertOneLineFailure(t, "diff needs two runs", "diff", "--seed", "7", "--store", store)
	assertOneLineFailure(t, "diff needs two runs", "diff", "--seed", "7", "--seed-b", "8", "alpha", "--store", store)
}
