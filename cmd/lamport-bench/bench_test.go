package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lamport/internal/textfmt"
)

// Built once by TestMain: this command, to run as a real process, and
// lamport, whose sim counts the events each measurement must see.
var benchBin, lamportBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lamport-bench-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	benchBin, lamportBin = filepath.Join(dir, "lamport-bench"), filepath.Join(dir, "lamport")
	for bin, pkg := range map[string]string{benchBin: ".", lamportBin: "../lamport"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, out)
			os.Exit(2)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bench runs the command in-process and returns exit code, stdout, stderr.
func bench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// simEvents is the event count 'lamport sim --no-record' reports for a
// load and seed.
func simEvents(t *testing.T, seed uint64, l benchLoad, extra ...string) uint64 {
	t.Helper()
	args := []string{"sim", "--no-record", "--quiet", "--seed", strconv.FormatUint(seed, 10),
		"--machines", strconv.Itoa(l.machines), "--duration", l.duration.String()}
	args = append(args, extra...)
	if l.steady {
		args = append(args, "--min-rate", strconv.Itoa(steadyRate), "--max-rate", strconv.Itoa(steadyRate))
	}
	cmd := exec.Command(lamportBin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	outBytes, err := cmd.Output()
	out := string(outBytes)
	if err != nil {
		t.Fatalf("sim: %v: %s", err, stderr.String())
	}
	m := regexp.MustCompile(`machines  ([0-9 ]+) events`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no event count in sim's summary:\n%s", out)
	}
	n, err := strconv.ParseUint(strings.ReplaceAll(m[1], " ", ""), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantBenchEvents is, per row, the events the simulator reports for the
// same work at --quick sizes: a row that records, replays, reports or
// exports a run must count every event of it.
func wantBenchEvents(t *testing.T, seed uint64) map[string]uint64 {
	s := benchQuickSizes
	main := simEvents(t, seed, s.main)
	var exp uint64
	for i := range s.expRuns {
		exp += simEvents(t, seed+uint64(i), s.exp)
	}
	want := map[string]uint64{
		"sim": main, "record": main, "raw-bbolt": main, "replay": main, "report": main, "export": main,
		"experiment": exp,
		"scale":      simEvents(t, seed, s.scale),
	}
	want["scale-record"] = want["scale"]
	huge := simEvents(t, seed, s.steadyHuge)
	for _, what := range []string{"record", "replay", "report"} {
		want["steady-"+what+"-100M"] = huge
	}
	// The sweep's default grid: the original experiment, then max-rate=2,
	// then actions=4, each for seeds seed..seed+sweepRuns-1.
	var sweep uint64
	for _, variant := range [][]string{nil, {"--max-rate", "2"}, {"--actions", "4"}} {
		for i := range s.sweepRuns {
			sweep += simEvents(t, seed+uint64(i), s.exp, variant...)
		}
	}
	want["sweep"], want["sweep-2shards"] = sweep, sweep
	// Seed 7's three live machines tick 5, 5 and 3 times a second (their
	// drawn rates, as the sim reports them), at speed 1000 for --quick's
	// 0.2 s.
	want["live-lateness"] = 13 * 200
	for prefix, loads := range map[string][2]benchLoad{"": {s.short, s.long}, "steady-": {s.steadyShort, s.steadyLong}} {
		for i, size := range []string{"1M", "10M"} {
			n := simEvents(t, seed, loads[i])
			for _, what := range []string{"sim", "record", "replay", "report"} {
				want[prefix+what+"-"+size] = n
			}
		}
	}
	return want
}

// TestBenchQuick runs 'lamport-bench --quick --json' as a real process, so
// every row runs in its own child, and holds each row to the simulator's
// own count of events.
func TestBenchQuick(t *testing.T) {
	base := t.TempDir()
	cmd := exec.Command(benchBin, "--quick", "--json", "--dir", base)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench --quick: %v\n%s", err, stderr.String())
	}
	var rep benchReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, stdout.String())
	}
	if !rep.Quick || rep.Seed != 7 {
		t.Errorf("quick %v seed %d, want true and 7", rep.Quick, rep.Seed)
	}
	want := wantBenchEvents(t, 7)
	rows := benchRows()
	if len(rep.Rows) != len(rows) {
		t.Fatalf("%d rows, want %d: %+v", len(rep.Rows), len(rows), rep.Rows)
	}
	for i, row := range rows {
		got := rep.Rows[i]
		if got.Name != row.name {
			t.Fatalf("row %d is %q, want %q", i, got.Name, row.name)
		}
		if got.Events != want[row.name] {
			t.Errorf("%s: %d events, the simulator reports %d", row.name, got.Events, want[row.name])
		}
		runs := benchDefaultRepeat
		if row.once {
			runs = 1
		}
		if len(got.Runs) != runs {
			t.Errorf("%s: %d runs, want %d", row.name, len(got.Runs), runs)
		}
		for _, s := range got.Runs {
			if s <= 0 {
				t.Errorf("%s: a run took %v s", row.name, s)
			}
		}
		if got.Seconds <= 0 || got.CPUSeconds <= 0 || got.EventsPerSecond <= 0 || got.PeakRSS <= 0 {
			t.Errorf("%s: seconds %v, cpu %v, events/s %v, peak RSS %d: want all positive", row.name, got.Seconds, got.CPUSeconds, got.EventsPerSecond, got.PeakRSS)
		}
		if got.PeakRSS > 1<<30 {
			t.Errorf("%s: peak RSS %d bytes for a quick row", row.name, got.PeakRSS)
		}
		writes := row.makes != "" || row.name == "experiment" || row.name == "raw-bbolt"
		if writes != (got.BytesPerEvent > 0) {
			t.Errorf("%s: %v bytes per event", row.name, got.BytesPerEvent)
		}
	}
	// The record row ran in turns with sim and raw-bbolt: one ratio to each
	// per turn, and the CPU recording added; four targets (rate, ratio to
	// sim, CPU per event, bytes per event).
	rec := rep.row("record")
	if rec.RatioToRaw <= 0 || len(rec.RatiosToRaw) != benchDefaultRepeat || rec.RatioToSim <= 0 || len(rec.RatiosToSim) != benchDefaultRepeat ||
		len(rec.RecordCPUPerEvent) != benchDefaultRepeat || len(rec.Checks) != 4 {
		t.Errorf("record: ratio to raw %v, to sim %v, CPU/event %v, targets %+v", rec.RatiosToRaw, rec.RatiosToSim, rec.RecordCPUPerEvent, rec.Checks)
	}
	if sim, raw := rep.row("sim"), rep.row("raw-bbolt"); len(sim.Checks) != 1 || len(raw.Checks) != 0 {
		t.Errorf("sim targets %+v, raw-bbolt targets %+v: want the rate only, and none (raw bbolt is information)", sim.Checks, raw.Checks)
	}
	for name, n := range map[string]int{"live-lateness": 1, "scale-record": 3, "sweep": 1, "sweep-2shards": 1, "steady-record-100M": 2, "steady-report-100M": 1} {
		if got := rep.row(name); len(got.Checks) != n {
			t.Errorf("%s: targets %+v, want %d", name, got.Checks, n)
		}
	}
	for _, name := range []string{"replay-10M", "steady-report-10M"} {
		if long := rep.row(name); len(long.Checks) != 3 {
			t.Errorf("%s: targets %+v, want RSS under 150 MB, RSS and anon within 1.2x of 1M", name, long.Checks)
		}
	}
	// The stores went into a subdirectory of --dir, removed at the end.
	if left, _ := os.ReadDir(base); len(left) != 0 {
		t.Errorf("bench left %v in --dir", left)
	}
}

// TestBenchTableAndPreparedStore picks two rows: replay needs the record
// row's store, which is made first but not shown.
func TestBenchTableAndPreparedStore(t *testing.T) {
	cmd := exec.Command(benchBin, "--quick", "--only", "replay,sim", "--repeat", "2", "--dir", t.TempDir(), "-v") // -v: the per-run lines
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "measurement=record \"prepared store\"=1/1") {
		t.Errorf("no untimed record run before replay:\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "measurement ") {
		t.Fatalf("want a title, a header and two rows:\n%s", stdout.String())
	}
	events := textfmt.Thousands(simEvents(t, 7, benchQuickSizes.main))
	for i, name := range []string{"sim", "replay"} {
		f := strings.Fields(lines[2+i])
		if f[0] != name || f[1] != "2" || !strings.Contains(lines[2+i], " "+events+" ") {
			t.Errorf("row %q, want %s with 2 runs and %s events", lines[2+i], name, events)
		}
		if !strings.HasSuffix(lines[2+i], "FAIL") && !strings.HasSuffix(lines[2+i], "PASS") {
			t.Errorf("row %q does not end with its verdict", lines[2+i])
		}
	}
}

// TestBenchRowsInProcess runs the child side of a few rows in this process
// (under -race too): each prints one measure, and the rows that read the
// recording count all of its events.
func TestBenchRowsInProcess(t *testing.T) {
	dir := t.TempDir()
	measures := map[string]benchMeasure{}
	for _, row := range []string{"record", "raw-bbolt", "replay", "report", "export"} {
		code, out, errOut := bench(t, "--quick", "--row", row, "--dir", dir)
		if code != 0 {
			t.Fatalf("bench --row %s: exit %d: %s", row, code, errOut)
		}
		var m benchMeasure
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("bench --row %s: %v: %q", row, err, out)
		}
		measures[row] = m
	}
	rec := measures["record"]
	if rec.Events == 0 || rec.Bytes == 0 || rec.Hash == "" {
		t.Fatalf("record: %+v", rec)
	}
	for row, m := range measures {
		if m.Events != rec.Events || m.Seconds <= 0 {
			t.Errorf("%s: %+v, want %d events in a positive time", row, m, rec.Events)
		}
	}
	if measures["replay"].Hash != rec.Hash {
		t.Errorf("replay hash %s, recorded %s", measures["replay"].Hash, rec.Hash)
	}
	if fi, err := os.Stat(filepath.Join(dir, "bench-main.db")); err != nil || fi.Size() != rec.Bytes {
		t.Errorf("store: %v, %v; record said %d bytes", fi, err, rec.Bytes)
	}
	if _, err := os.Stat(filepath.Join(dir, "raw-bbolt.db")); err == nil {
		t.Error("raw-bbolt left its file behind")
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, c := range []struct {
		want string
		args []string
	}{
		{`unknown measurement "nope"`, []string{"--only", "sim,nope"}},
		{`unknown measurement "nope"`, []string{"--rows", "sim,nope"}}, // the former name
		{"--repeat must be at least 1", []string{"--repeat", "0"}},
		{"lamport-bench takes no arguments", []string{"extra"}},
		{"needs --dir", []string{"--row", "sim"}},
		{`unknown measurement "nope"`, []string{"--row", "nope", "--dir", t.TempDir()}},
		{"unknown flag: --nope", []string{"--nope"}},
	} {
		code, _, errOut := bench(t, c.args...)
		if code != 2 || !strings.HasPrefix(errOut, "lamport-bench: ") || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line naming %q", c.args, code, errOut, c.want)
		}
	}
}

// The bench must not run its rows in a test binary: the children would be
// the tests again.
func TestBenchRefusesTestBinary(t *testing.T) {
	code, _, errOut := bench(t, "--quick", "--only", "sim")
	if code != 2 || !strings.Contains(errOut, "test binary") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

var updateHelp = flag.Bool("update", false, "rewrite testdata/help.txt")

// TestBenchHelp: --help is its golden file, testdata/help.txt (-update
// rewrites it), and uses the user's words (measurements, FAIL), not the
// code's.
func TestBenchHelp(t *testing.T) {
	code, help, errOut := bench(t, "--help")
	if code != 0 {
		t.Fatalf("--help: exit %d: %s", code, errOut)
	}
	golden := filepath.Join("testdata", "help.txt")
	if *updateHelp {
		if err := os.WriteFile(golden, []byte(help), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(golden); err != nil || string(want) != help {
		t.Errorf("--help differs from %s (%v; -update rewrites it); got:\n%s", golden, err, help)
	}
	data, err := os.ReadFile(filepath.Join("..", "lamport", "testdata", "internal_words.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var pattern string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			pattern = l
			break
		}
	}
	if m := regexp.MustCompile(pattern).FindString(help); m != "" {
		t.Errorf("--help says %q", m)
	}
	// Beyond the team's words, the code's: the command measures, it has no rows.
	for _, word := range []string{"issue", " row", "rows", "params"} {
		if strings.Contains(strings.ToLower(help), word) {
			t.Errorf("--help says %q", word)
		}
	}
	if passText(false) != "FAIL" || passText(true) != "PASS" {
		t.Errorf("verdicts %q and %q, want FAIL and PASS", passText(false), passText(true))
	}
}
