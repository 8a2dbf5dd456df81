package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lamport/report"
)

func decodeJSON[T any](t *testing.T, what, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, s)
	}
	return v
}

// A sweep of 2 variants x 3 seeds must give, for every run, exactly what
// 'lamport sim' with that seed and setting followed by 'lamport report'
// gives, and its spreads must be those of the individual runs.
func TestSweepMatchesIndividualReports(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "sweep.db")
	code, out, errOut := lamport(t, "sweep", "--runs", "3", "--seed", "100", "--vary", "actions=10,4",
		"--duration", "20s", "--json", "--store", store, "--quiet")
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	sweep := decodeJSON[report.Sweep](t, "sweep --json", out)
	if len(sweep.Variants) != 2 || sweep.Variants[0].Name != "actions=10" || sweep.Variants[1].Name != "actions=4" {
		t.Fatalf("variants %+v", sweep.Variants)
	}

	alone := filepath.Join(dir, "alone.db")
	for _, v := range sweep.Variants {
		actions := v.Settings[0].Value
		var maxJumps, meanJumps []float64
		for k, run := range v.Runs {
			seed := strconv.Itoa(100 + k)
			if run.Seed != uint64(100+k) {
				t.Errorf("%s run %d: seed %d, want %s", v.Name, k, run.Seed, seed)
			}
			if code, _, errOut := lamport(t, "sim", "--seed", seed, "--actions", actions, "--duration", "20s", "--store", alone, "--quiet"); code != 0 {
				t.Fatalf("sim: exit %d: %s", code, errOut)
			}
			_, indiv, _ := lamport(t, "report", "latest", "--json", "--store", alone)
			_, inSweep, _ := lamport(t, "report", run.Run, "--json", "--store", store)
			a := decodeJSON[report.Analysis](t, "report alone", indiv)
			b := decodeJSON[report.Analysis](t, "report of the sweep's run", inSweep)
			ma, _ := json.Marshal([]any{a.Machines, a.Pairs, a.Events, a.Seed})
			mb, _ := json.Marshal([]any{b.Machines, b.Pairs, b.Events, b.Seed})
			if string(ma) != string(mb) {
				t.Errorf("%s seed %s: the sweep's run differs from the same sim run alone", v.Name, seed)
			}
			// The figures, derived here another way: jumps sum to the final
			// clock, so the mean jump is the clocks' sum over the events.
			var clocks, maxJump float64
			for _, m := range a.Machines {
				clocks += float64(m.FinalClock)
				maxJump = max(maxJump, float64(m.Jumps.Max))
			}
			if mean := clocks / float64(a.Events); math.Abs(mean-run.MeanJump) > 1e-9 {
				t.Errorf("%s seed %s: mean jump %v, want %v", v.Name, seed, run.MeanJump, mean)
			}
			if run.MaxJump != maxJump || run.Events != float64(a.Events) {
				t.Errorf("%s seed %s: max jump %v events %v, want %v and %d", v.Name, seed, run.MaxJump, run.Events, maxJump, a.Events)
			}
			maxJumps = append(maxJumps, maxJump)
			meanJumps = append(meanJumps, clocks/float64(a.Events))
		}
		if v.MaxJump.Max != slices.Max(maxJumps) || v.MaxJump.Min != slices.Min(maxJumps) {
			t.Errorf("%s: max jump spread %+v from runs %v", v.Name, v.MaxJump, maxJumps)
		}
		if mean := (meanJumps[0] + meanJumps[1] + meanJumps[2]) / 3; math.Abs(v.MeanJump.Mean-mean) > 1e-9 {
			t.Errorf("%s: mean jump across seeds %v, want %v", v.Name, v.MeanJump.Mean, mean)
		}
	}

	// Every run is recorded and carries the sweep's id and its variant.
	_, lsOut, _ := lamport(t, "ls", "--sweep", sweep.ID, "--json", "--store", store)
	runs := decodeJSON[[]lsRun](t, "ls --sweep", lsOut)
	if len(runs) != 6 {
		t.Fatalf("ls --sweep %s: %d runs, want 6", sweep.ID, len(runs))
	}
	for _, r := range runs {
		if r.Sweep != sweep.ID || (r.Variant != "actions=10" && r.Variant != "actions=4") || r.Seed < 100 || r.Seed > 102 || r.Status != "complete" {
			t.Errorf("recorded run %+v", r)
		}
	}
	// A prefix picks the sweep too, and the table names each run's variant.
	code, table, _ := lamport(t, "ls", "--sweep", sweep.ID[:len(sweep.ID)-3], "--store", store)
	if code != 0 || strings.Count(table, "actions=4") != 3 || strings.Count(table, "actions=10") != 3 || !strings.Contains(table, "VARIANT") {
		t.Errorf("ls --sweep PREFIX: exit %d\n%s", code, table)
	}
	assertOneLineFailure(t, `no sweep "sweep-nope"`, "ls", "--sweep", "sweep-nope", "--store", store)
}

// The same sweep twice gives the same table: only the sweep id differs.
func TestSweepIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	var tables [2][][]string
	for i := range tables {
		code, out, errOut := lamport(t, "sweep", "--runs", "2", "--seed", "5", "--vary", "max-rate=6,2", "--vary", "machines=3,4",
			"--duration", "30s", "--csv", "--store", filepath.Join(dir, "s.db"), "--quiet")
		if code != 0 {
			t.Fatalf("sweep: exit %d: %s", code, errOut)
		}
		records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("sweep --csv does not parse: %v\n%s", err, out)
		}
		for _, r := range records {
			tables[i] = append(tables[i], r[1:]) // drop the sweep id
		}
	}
	if len(tables[0]) != 5 {
		t.Fatalf("want a header and 4 variants, got %d rows", len(tables[0]))
	}
	if !slices.EqualFunc(tables[0], tables[1], slices.Equal) {
		t.Errorf("two sweeps with the same seeds differ:\n%v\n%v", tables[0], tables[1])
	}
	// The grid varies the first --vary slowest.
	var names []string
	for _, r := range tables[0][1:] {
		names = append(names, r[0])
	}
	want := []string{"max-rate=6 machines=3", "max-rate=6 machines=4", "max-rate=2 machines=3", "max-rate=2 machines=4"}
	if !slices.Equal(names, want) {
		t.Errorf("variants %v, want %v", names, want)
	}
}

// Without --vary a sweep is the original experiment: the model as given,
// smaller clock variation, fewer internal events.
func TestSweepDefaultGridIsTheOriginalExperiment(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s.db")
	code, out, errOut := lamport(t, "sweep", "--runs", "1", "--seed", "3", "--duration", "10s", "--json", "--store", store, "--quiet")
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	sweep := decodeJSON[report.Sweep](t, "sweep --json", out)
	var got []string
	for _, v := range sweep.Variants {
		set := ""
		for _, s := range v.Settings {
			set += s.Key + "=" + s.Value
		}
		got = append(got, set)
		if len(v.Runs) != 1 || v.Runs[0].Seed != 3 {
			t.Errorf("%s: runs %+v", v.Name, v.Runs)
		}
	}
	if !slices.Equal(got, []string{"", "max-rate=2", "actions=4"}) {
		t.Errorf("default grid settings %q", got)
	}
	// The setting is really applied: with max-rate 2 no machine ticks
	// faster than 2 per second.
	_, lsOut, _ := lamport(t, "ls", "--sweep", sweep.ID, "--json", "--store", store)
	for _, r := range decodeJSON[[]lsRun](t, "ls", lsOut) {
		for _, m := range r.Machines {
			if strings.Contains(r.Variant, "max-rate=2") && m.Rate > 2 {
				t.Errorf("run %s (%s): machine %d ticks at %d", r.ID, r.Variant, m.ID, m.Rate)
			}
		}
	}
	if !strings.Contains(sweep.Variants[1].Name, "smaller clock variation") || !strings.Contains(sweep.Variants[2].Name, "fewer internal events") {
		t.Errorf("variant names %q, %q", sweep.Variants[1].Name, sweep.Variants[2].Name)
	}
}

// A live sweep runs real machines over loopback TCP; every run it records
// replays identically, and leaves its own log files, which export rebuilds.
func TestLiveSweepRecordsRunsThatReplay(t *testing.T) {
	store := filepath.Join(t.TempDir(), "live.db")
	logs := t.TempDir()
	code, out, errOut := lamport(t, "sweep", "--mode", "live", "--runs", "1", "--seed", "11", "--vary", "machines=2,3",
		"--duration", "2s", "--speed", "10", "--json", "--store", store, "--log-dir", logs, "-v")
	if code != 0 {
		t.Fatalf("live sweep: exit %d: %s", code, errOut)
	}
	sweep := decodeJSON[report.Sweep](t, "sweep --json", out)
	if sweep.Mode != "live" || len(sweep.Variants) != 2 || sweep.Speed != 10 {
		t.Fatalf("sweep %+v", sweep)
	}
	// The variants' log lines name no latency: a live run's is the network's.
	if !strings.Contains(errOut, "variant") || strings.Contains(errOut, "latency") {
		t.Errorf("a live sweep's log mentions a latency:\n%s", errOut)
	}
	for i, v := range sweep.Variants {
		run := v.Runs[0]
		// 2 s at speed 10 is at least 20 ticks per machine.
		if run.Events < 40 {
			t.Errorf("%s: %v events", v.Name, run.Events)
		}
		// Per second of the model's time: the clocks rise at about the
		// drawn rates (1 to 6 a second). Per wall second at speed 10 every
		// clock would rise at least 10 a second.
		if !(run.ClockRate > 0 && run.ClockRate < 10) {
			t.Errorf("%s: clock rate %v per second, want it in the drawn rates' range, not per wall second", v.Name, run.ClockRate)
		}
		if code, out, errOut := lamport(t, "replay", run.Run, "--store", store); code != 0 || !strings.HasPrefix(out, "identical") {
			t.Errorf("replay %s: exit %d\n%s%s", run.Run, code, out, errOut)
		}
		if files := compareLogFiles(t, store, logs, run.Run); files != 2+i { // machines=2,3
			t.Errorf("%s: %d log files", v.Name, files)
		}
	}
	if dirs, err := os.ReadDir(logs); err != nil || len(dirs) != 2 {
		t.Errorf("two runs left %d log directories (%v)", len(dirs), err)
	}
}

func TestSweepRefusesABadGridBeforeRunningAnything(t *testing.T) {
	store := filepath.Join(t.TempDir(), "never.db")
	for _, c := range []struct {
		want string
		args []string
	}{
		{"unknown key \"speed\"", []string{"--vary", "speed=1,2"}},
		{"want key=v1,v2", []string{"--vary", "actions"}},
		{"empty value", []string{"--vary", "actions=4,,5"}},
		{"--vary actions given twice", []string{"--vary", "actions=4", "--vary", "actions=5"}},
		{`variant "actions=x": actions="x" is not an integer`, []string{"--vary", "actions=x"}},
		{`variant "min-rate=3 max-rate=2"`, []string{"--vary", "min-rate=3", "--vary", "max-rate=2"}},
		{`variant "machines=1": machines must be in 2..`, []string{"--vary", "machines=3,1"}},
		{"latency", []string{"--vary", "latency=exp:1ms,fast"}},
		{"--vary latency needs --mode sim", []string{"--mode", "live", "--vary", "latency=exp:1ms"}},
		{"--mode must be sim or live", []string{"--mode", "both"}},
		{"--runs must be in 1..", []string{"--runs", "0"}},
		{"--speed applies to --mode live only", []string{"--speed", "3"}},
		{"--csv and --json", []string{"--csv", "--json"}},
		{"needs a --duration above 0", []string{"--duration", "0s"}},
		{"sweep takes no arguments", []string{"extra"}},
	} {
		assertOneLineFailure(t, c.want, append([]string{"sweep", "--store", store}, c.args...)...)
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		t.Errorf("a refused sweep created the store: %v", err)
	}
}

func TestSweepWritesItsPage(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "sweep.html")
	code, out, errOut := lamport(t, "sweep", "--runs", "2", "--seed", "1", "--vary", "actions=10,4", "--duration", "10s",
		"--html", page, "--store", filepath.Join(dir, "s.db"), "--quiet")
	if code != 0 {
		t.Fatalf("sweep --html: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "| actions=4 |") {
		t.Errorf("the table still goes to stdout with --html:\n%s", out)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="sweep-table"`, `id="sweep-mean-jump"`, `id="sweep-max-queue-at-tick"`, ">actions=4<"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the page has no %s", want)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".sweep.html.*")); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
	assertOneLineFailure(t, "--html needs a file name", "sweep", "--html", "-", "--store", filepath.Join(dir, "s.db"))
	assertOneLineFailure(t, "no directory", "sweep", "--html", filepath.Join(dir, "nowhere", "p.html"), "--store", filepath.Join(dir, "s.db"))
}
