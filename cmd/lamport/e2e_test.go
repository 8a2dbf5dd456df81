package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/export"
	"lamport/internal/runcheck"
	"lamport/internal/textfmt"
	"lamport/record"
	"lamport/replay"
)

var lamportBin string // built once by TestMain for the tests that need processes

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lamport-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	lamportBin = filepath.Join(dir, "lamport")
	if out, err := exec.Command("go", "build", "-o", lamportBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build lamport: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// checkedLatest opens store read-only, checks it, and returns it (the
// caller closes it) with its newest run and that run's stats.
func checkedLatest(t *testing.T, store string) (*record.Store, record.RunMeta, []core.MachineStats) {
	t.Helper()
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(); err != nil {
		st.Close()
		t.Fatal(err)
	}
	meta, err := st.Resolve("latest")
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	stats, err := st.Stats(meta.ID)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return st, meta, stats
}

// compareLogFiles compares every log file of run in logDir byte for byte
// with what 'export --format log --machine N' rebuilds from the store, and
// returns how many there are.
func compareLogFiles(t *testing.T, store, logDir, run string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(logDir, run, "log_*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "log_"), ".txt")
		code, out, errOut := lamport(t, "export", run, "--format", "log", "--machine", id, "--store", store)
		if code != 0 {
			t.Fatalf("export --format log --machine %s: exit %d %s", id, code, errOut)
		}
		if file := mustRead(t, f); out != file {
			t.Errorf("export --format log --machine %s differs from %s:\n%.300s\nfile:\n%.300s", id, f, out, file)
		}
	}
	return len(files)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeConfig(t *testing.T, dir string, ports []int) string {
	t.Helper()
	cfg := core.Config{}
	for i, p := range ports {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: "127.0.0.1", Port: p})
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// freePorts reserves n loopback ports by binding and releasing them. Another
// process could take one in between; the callers retry once on a bind error.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func TestRunThenReadItBack(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	store := filepath.Join(dir, "lamport.db")
	logs := filepath.Join(dir, "logs")
	code, out, errOut := lamport(t, "run", "--config", config, "--store", store, "--log-dir", logs,
		"--duration", "2s", "--speed", "30", "--seed", "7")
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	stdoutOfRun := out
	for _, want := range []string{"complete", "seed 7", "3 machines", "final clock", "replay: lamport replay "} {
		if !strings.Contains(out, want) {
			t.Errorf("run summary lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = lamport(t, "ls", "--json", "--store", store)
	if code != 0 {
		t.Fatalf("ls: exit %d %s", code, errOut)
	}
	var runs []lsRun
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, out)
	}
	if len(runs) != 1 || runs[0].Seed != 7 || runs[0].Mode != "live" || runs[0].Status != "complete" || len(runs[0].Machines) != 3 || runs[0].Events == 0 {
		t.Fatalf("ls --json: %+v", runs)
	}
	if _, err := time.Parse(time.RFC3339, runs[0].Started); err != nil {
		t.Fatalf("started %q is not RFC 3339", runs[0].Started)
	}
	for _, m := range runs[0].Machines {
		if m.Rate != core.Rate(core.DefaultParams(7), m.ID) {
			t.Errorf("ls reports machine %d rate %d", m.ID, m.Rate)
		}
	}

	// jsonl: one object per event, with the fields the docs promise.
	code, out, errOut = lamport(t, "export", "latest", "--format", "jsonl", "--store", store)
	if code != 0 {
		t.Fatalf("export: exit %d %s", code, errOut)
	}
	var lines int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		lines++
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("jsonl line %d: %v: %s", lines, err, sc.Text())
		}
		for _, k := range []string{"machine", "index", "kind", "clock", "queue", "queue_left", "time_ns", "tick"} {
			if _, ok := ev[k]; !ok {
				t.Fatalf("jsonl line %d lacks %q: %s", lines, k, sc.Text())
			}
		}
		switch ev["kind"] {
		case "send":
			to, msgs := ev["to"].([]any), ev["msgs"].([]any)
			if len(to) == 0 || len(to) != len(msgs) {
				t.Fatalf("send with to %v msgs %v", to, msgs)
			}
		case "recv":
			if _, ok := ev["msg_clock"]; !ok || ev["from"] == nil || ev["msg"] == nil {
				t.Fatalf("recv lacks from/msg/msg_clock: %s", sc.Text())
			}
		case "internal":
		default:
			t.Fatalf("unknown kind in %s", sc.Text())
		}
	}
	if uint64(lines) != runs[0].Events {
		t.Fatalf("export wrote %d events, ls counts %d", lines, runs[0].Events)
	}

	// log: with --machine, exactly the machine's log file, header included.
	if files := compareLogFiles(t, store, logs, runs[0].ID); files != 3 {
		t.Fatalf("%d log files for 3 machines", files)
	}
	header, _, _ := strings.Cut(mustRead(t, filepath.Join(logs, runs[0].ID, "log_2.txt")), "\n")
	// "secret yes": given no secret, run makes one for its machines.
	wantHeader := fmt.Sprintf("# lamport run %s seed 7 machine 2 rate %d tick/s actions 10 min-rate 1 max-rate 6 speed 30 duration 2s secret yes",
		runs[0].ID, core.Rate(core.DefaultParams(7), 2))
	if header != wantHeader {
		t.Errorf("log_2.txt header:\n%s\nwant\n%s", header, wantHeader)
	}
	// Without --machine: each machine's header, then the lines, each
	// prefixed with its machine; machine 2's are exactly its file.
	code, out, errOut = lamport(t, "export", runs[0].ID, "--format", "log", "--store", store)
	var m2 strings.Builder
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, "m2 "); ok {
			m2.WriteString(rest)
		}
	}
	if code != 0 || strings.Count(out, " # lamport run ") != 3 || m2.String() != mustRead(t, filepath.Join(logs, runs[0].ID, "log_2.txt")) {
		t.Errorf("export --format log: exit %d %s; its m2 lines are not log_2.txt:\n%s", code, errOut, out)
	}
	if !strings.Contains(stdoutOfRun, "logs: "+filepath.Join(logs, runs[0].ID)+"/\n") {
		t.Errorf("run summary does not say where the logs went:\n%s", stdoutOfRun)
	}

	// show: one line per event of the machine, within --from/--to.
	code, out, errOut = lamport(t, "show", "--seed", "7", "--machine", "2", "--from", "3", "--to", "9", "--store", store)
	if code != 0 {
		t.Fatalf("show: exit %d %s", code, errOut)
	}
	shown := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(shown) != 7 || !strings.HasPrefix(shown[0], "m2 #    3") || !strings.HasPrefix(shown[6], "m2 #    9") {
		t.Fatalf("show --machine 2 --from 3 --to 9:\n%s", out)
	}

	// csv: a header and one row per event, every row the header's width.
	code, out, _ = lamport(t, "export", "latest", "--format", "csv", "--store", store)
	rows := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != 0 || rows[0]+"\n" != export.CSVHeader || uint64(len(rows)-1) != runs[0].Events {
		t.Fatalf("csv: exit %d, %d rows for %d events, header %q", code, len(rows)-1, runs[0].Events, rows[0])
	}
	width := strings.Count(export.CSVHeader, ",")
	for i, r := range rows {
		if strings.Count(r, ",") != width {
			t.Fatalf("csv row %d has %d commas, header %d: %s", i, strings.Count(r, ","), width, r)
		}
	}

	code, out, errOut = lamport(t, "replay", "latest", "--store", store)
	if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("identical: 3 machines, %s events", textfmt.Thousands(runs[0].Events))) {
		t.Fatalf("replay of the live run: exit %d\n%s%s", code, out, errOut)
	}

	assertUsageFailure(t, "no run with seed 8", "show", "--seed", "8", "--store", store)
	assertUsageFailure(t, "has no machine 4", "show", "latest", "--machine", "4", "--store", store)

	// A second run in the same log directory leaves the first's logs alone.
	before := mustRead(t, filepath.Join(logs, runs[0].ID, "log_1.txt"))
	if code, _, errOut := lamport(t, "run", "--config", config, "--store", store, "--log-dir", logs,
		"--duration", "1s", "--speed", "30", "--seed", "9"); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, errOut)
	}
	if mustRead(t, filepath.Join(logs, runs[0].ID, "log_1.txt")) != before {
		t.Error("the second run changed the first run's log")
	}
	second, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	latest, err := second.Resolve("latest")
	second.Close()
	if err != nil || latest.ID == runs[0].ID {
		t.Fatalf("latest run %q, %v", latest.ID, err)
	}
	if files := compareLogFiles(t, store, logs, latest.ID); files != 3 {
		t.Fatalf("second run: %d log files", files)
	}
	if dirs, _ := os.ReadDir(logs); len(dirs) != 2 {
		t.Fatalf("two runs, %d log directories", len(dirs))
	}
}

// The --procs run is start_all: one OS process per machine, each with its
// own store, merged at the end. The merged recording must obey the model.
func TestProcsRunRecordsAMergedRunThatObeysTheModel(t *testing.T) {
	for _, machines := range []int{3, 5} {
		t.Run(fmt.Sprintf("%d machines", machines), func(t *testing.T) {
			dir := t.TempDir()
			store := filepath.Join(dir, "lamport.db")
			var out []byte
			var err error
			for attempt := range 2 {
				config := writeConfig(t, dir, freePorts(t, machines))
				cmd := exec.Command(lamportBin, "run", "--procs", "--config", config, "--store", store,
					"--log-dir", filepath.Join(dir, "logs"), "--duration", "3s", "--speed", "25", "--seed", "21")
				out, err = cmd.CombinedOutput()
				if err == nil || !strings.Contains(string(out), "address already in use") || attempt == 1 {
					break
				}
			}
			if err != nil {
				t.Fatalf("run --procs: %v\n%s", err, out)
			}
			st, meta, _ := checkedLatest(t, store)
			defer st.Close()
			if meta.Status != record.StatusComplete || len(meta.Machines) != machines {
				t.Fatalf("merged run: status %s, %d machines\n%s", meta.Status, len(meta.Machines), out)
			}
			v, err := runcheck.Verify(st, meta.ID)
			if err != nil {
				t.Fatalf("merged recording breaks the model: %v", err)
			}
			if res, err := replay.Run(st, meta.ID, replay.Options{}); err != nil || !res.Identical() {
				t.Fatalf("merged --procs run does not replay identically: %v %+v", err, res.First)
			}
			// Each machine process wrote its log under the run's id; the
			// merged store rebuilds every one exactly.
			if files := compareLogFiles(t, store, filepath.Join(dir, "logs"), meta.ID); files != machines {
				t.Errorf("%d log files for %d machines", files, machines)
			}
			var arrivals uint64
			for _, m := range meta.Machines {
				interval := time.Duration(float64(time.Second) / (float64(m.Rate) * 25))
				if want := uint64(3 * time.Second / interval); v.Events[m.ID] != want {
					t.Errorf("machine %d rate %d: %d ticks, want %d", m.ID, m.Rate, v.Events[m.ID], want)
				}
				arrivals += v.Arrivals[m.ID]
			}
			if arrivals == 0 {
				t.Fatal("no message crossed between the processes")
			}
		})
	}
}
