package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// benchSizes are the sizes of the bench rows; --quick picks the small ones.
type benchSizes struct {
	// The yardstick of issue 6: machines for duration of virtual time, the
	// default parameters.
	machines int
	duration time.Duration
	// The original experiment: expRuns runs of expMachines for expDuration.
	expRuns, expMachines int
	expDuration          time.Duration
	// The scale row: one sim of scaleMachines for scaleDuration.
	scaleMachines int
	scaleDuration time.Duration
	// The memory rows: machines for flatShort (about 1 M events) and
	// flatLong (about 10 M); the long run is ten times the short one.
	flatShort, flatLong time.Duration
}

// 100 machines at the default rates (1..6 ticks/s) tick 384 times a second
// for seed 7: an hour is 1 382 400 events, 2604 s about 1 M, 26 040 s
// (7 h 14 min) about 10 M.
var (
	benchFullSizes = benchSizes{
		machines: 100, duration: time.Hour,
		expRuns: 5, expMachines: 3, expDuration: time.Minute,
		scaleMachines: 10000, scaleDuration: time.Second,
		flatShort: 2604 * time.Second, flatLong: 26040 * time.Second,
	}
	benchQuickSizes = benchSizes{
		machines: 10, duration: 2 * time.Minute,
		expRuns: 5, expMachines: 3, expDuration: time.Minute,
		scaleMachines: 300, scaleDuration: time.Second,
		flatShort: time.Minute, flatLong: 10 * time.Minute,
	}
)

// Stores the rows share, by name. A row that reads one runs after the row
// that makes it (or a preparation run of that row, when it is not chosen).
const (
	benchStoreMain  = "main"
	benchStoreShort = "1M"
	benchStoreLong  = "10M"
)

// benchMeasure is what a row's child process reports on stdout, as one JSON
// object. The parent adds the child's peak RSS from its rusage.
type benchMeasure struct {
	Events  uint64  `json:"events"`
	Seconds float64 `json:"seconds"`
	// Bytes is the store file's size for a row that writes a store; for
	// raw-bbolt, the bytes of the values it appended.
	Bytes int64 `json:"bytes,omitempty"`
	// PeakAnon is the largest anonymous resident memory (heap, stacks, the
	// runtime; not the store's mapped file pages) seen by sampling
	// /proc/self/status every 10 ms; 0 where there is no /proc.
	PeakAnon int64  `json:"peak_anon,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// benchChild is the context a row runs in, inside its own process.
type benchChild struct {
	sizes benchSizes
	dir   string
	seed  uint64
}

func (c benchChild) storePath(name string) string {
	return filepath.Join(c.dir, "bench-"+name+".db")
}

func benchRunID(store string) string { return "bench-" + store }

// benchRow is one line of the table.
type benchRow struct {
	name  string
	about string
	// reads and makes name the shared store the row needs or writes.
	reads, makes string
	// once: one run by default (the memory rows and the scale row, which are
	// slow and where the figure that matters is the peak RSS).
	once bool
	run  func(c benchChild) (benchMeasure, error)
}

func benchRows() []benchRow {
	return []benchRow{
		{name: "sim", about: "sim of the yardstick (100 machines x 1 h, default params), not recorded",
			run: func(c benchChild) (benchMeasure, error) { return c.simulate(c.sizes.machines, c.sizes.duration) }},
		{name: "record", about: "the same sim recorded to a fresh store", makes: benchStoreMain,
			run: func(c benchChild) (benchMeasure, error) {
				return c.record(benchStoreMain, c.sizes.machines, c.sizes.duration)
			}},
		{name: "raw-bbolt", about: "raw bbolt append of the values record stored (the baseline)", reads: benchStoreMain,
			run: func(c benchChild) (benchMeasure, error) { return c.rawBaseline(benchStoreMain) }},
		{name: "replay", about: "replay of that recording: read, decode, step, compare", reads: benchStoreMain,
			run: func(c benchChild) (benchMeasure, error) { return c.replay(benchStoreMain) }},
		{name: "report", about: "report of it: the streaming analysis of 'lamport report'", reads: benchStoreMain,
			run: func(c benchChild) (benchMeasure, error) { return c.report(benchStoreMain) }},
		{name: "export", about: "'lamport export --format jsonl' of it, to a counting io.Discard", reads: benchStoreMain,
			run: func(c benchChild) (benchMeasure, error) { return c.export(benchStoreMain) }},
		{name: "experiment", about: "the original experiment: 5 runs x 60 s x 3 machines, simulated and recorded",
			run: func(c benchChild) (benchMeasure, error) { return c.experiment() }},
		{name: "scale", about: "10 000 machines x 1 s in one sim, not recorded", once: true,
			run: func(c benchChild) (benchMeasure, error) {
				return c.simulate(c.sizes.scaleMachines, c.sizes.scaleDuration)
			}},
		{name: "sim-1M", about: "memory: sim of about 1 M events (100 machines x 43 min)", once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.simulate(c.sizes.machines, c.sizes.flatShort) }},
		{name: "sim-10M", about: "memory: sim of about 10 M events (100 machines x 7.2 h)", once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.simulate(c.sizes.machines, c.sizes.flatLong) }},
		{name: "record-1M", about: "memory: the 1 M sim recorded", makes: benchStoreShort, once: true,
			run: func(c benchChild) (benchMeasure, error) {
				return c.record(benchStoreShort, c.sizes.machines, c.sizes.flatShort)
			}},
		{name: "record-10M", about: "memory: the 10 M sim recorded", makes: benchStoreLong, once: true,
			run: func(c benchChild) (benchMeasure, error) {
				return c.record(benchStoreLong, c.sizes.machines, c.sizes.flatLong)
			}},
		{name: "replay-1M", about: "memory: replay of the 1 M recording", reads: benchStoreShort, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.replay(benchStoreShort) }},
		{name: "replay-10M", about: "memory: replay of the 10 M recording", reads: benchStoreLong, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.replay(benchStoreLong) }},
		{name: "report-1M", about: "memory: report of the 1 M recording", reads: benchStoreShort, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.report(benchStoreShort) }},
		{name: "report-10M", about: "memory: report of the 10 M recording", reads: benchStoreLong, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.report(benchStoreLong) }},
	}
}

// runBenchRow is the child side: run one row in this process and print its
// measure as JSON.
func runBenchRow(e *env, name string, c benchChild) error {
	row, ok := findBenchRow(name)
	if !ok {
		return usageErrorf("bench: unknown row %q", name)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	sampler := startAnonSampler(10 * time.Millisecond)
	m, err := row.run(c)
	m.PeakAnon = sampler.stop()
	if err != nil {
		return fmt.Errorf("bench row %s: %w", name, err)
	}
	if err := json.NewEncoder(e.stdout).Encode(m); err != nil {
		return fmt.Errorf("bench row %s: write result: %w", name, err)
	}
	return nil
}

func findBenchRow(name string) (benchRow, bool) {
	for _, r := range benchRows() {
		if r.name == name {
			return r, true
		}
	}
	return benchRow{}, false
}

func (c benchChild) spec(machines int, d time.Duration, seed uint64) (replay.SimSpec, error) {
	latency, err := replay.ParseLatency(replay.DefaultLatency)
	if err != nil {
		return replay.SimSpec{}, err
	}
	return replay.SimSpec{Machines: core.RingConfig(machines, "sim", 0).IDs(), Params: core.DefaultParams(seed),
		Duration: d, Latency: latency}, nil
}

func (c benchChild) simulate(machines int, d time.Duration) (benchMeasure, error) {
	spec, err := c.spec(machines, d, c.seed)
	if err != nil {
		return benchMeasure{}, err
	}
	began := time.Now()
	res, err := replay.Simulate(spec, nil)
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, fmt.Errorf("sim of %d machines for %v: %w", machines, d, err)
	}
	return benchMeasure{Events: res.Events, Seconds: secs, Hash: res.Hash}, nil
}

// recordSim records one sim run into st, as 'lamport sim' does.
func recordSim(st *record.Store, runID string, spec replay.SimSpec, machines int) (replay.SimResult, error) {
	res, err := replay.RecordSim(st, replay.SimRun{
		RunID: runID, Config: core.RingConfig(machines, "sim", 0), Spec: spec, Started: time.Now().UTC(), Tool: toolVersion,
		Options: map[string]string{"duration": spec.Duration.String(), "latency": spec.Latency.String()},
	})
	if err != nil {
		return res, fmt.Errorf("record sim run %s to %s: %w", runID, st.Path(), err)
	}
	return res, nil
}

// record simulates and records to a fresh store: opening the store, the
// run, and closing it (the last commit) are all timed.
func (c benchChild) record(store string, machines int, d time.Duration) (benchMeasure, error) {
	spec, err := c.spec(machines, d, c.seed)
	if err != nil {
		return benchMeasure{}, err
	}
	path := c.storePath(store)
	if err := removeIfExists(path); err != nil {
		return benchMeasure{}, err
	}
	began := time.Now()
	st, err := record.Open(path, record.Options{})
	if err != nil {
		return benchMeasure{}, err
	}
	res, err := recordSim(st, benchRunID(store), spec, machines)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close store %s: %w", path, cerr)
	}
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, err
	}
	size, err := fileSize(path)
	return benchMeasure{Events: res.Events, Seconds: secs, Bytes: size, Hash: res.Hash}, err
}

// experiment is the original exercise: expRuns seeds in a row, each
// recorded to the same fresh store, timed from opening it to closing it.
func (c benchChild) experiment() (benchMeasure, error) {
	path := c.storePath("experiment")
	if err := removeIfExists(path); err != nil {
		return benchMeasure{}, err
	}
	began := time.Now()
	st, err := record.Open(path, record.Options{})
	if err != nil {
		return benchMeasure{}, err
	}
	var events uint64
	for i := range c.sizes.expRuns {
		var spec replay.SimSpec
		spec, err = c.spec(c.sizes.expMachines, c.sizes.expDuration, c.seed+uint64(i))
		if err != nil {
			break
		}
		var res replay.SimResult
		res, err = recordSim(st, "bench-experiment-"+strconv.Itoa(i+1), spec, c.sizes.expMachines)
		if err != nil {
			break
		}
		events += res.Events
	}
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close store %s: %w", path, cerr)
	}
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, err
	}
	size, err := fileSize(path)
	return benchMeasure{Events: events, Seconds: secs, Bytes: size}, err
}

// openBenchStore opens a store a previous row made, read-only.
func (c benchChild) openBenchStore(store string) (*record.Store, string, error) {
	path := c.storePath(store)
	st, err := openStore(path, true)
	if err != nil {
		return nil, "", err
	}
	return st, benchRunID(store), nil
}

func (c benchChild) replay(store string) (benchMeasure, error) {
	began := time.Now()
	st, id, err := c.openBenchStore(store)
	if err != nil {
		return benchMeasure{}, err
	}
	defer st.Close()
	res, err := replay.Run(st, id, replay.Options{})
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, fmt.Errorf("replay %s in %s: %w", id, st.Path(), err)
	}
	if !res.Identical() {
		return benchMeasure{}, fmt.Errorf("replay %s in %s diverged: %s", id, st.Path(), res.First.Reason)
	}
	return benchMeasure{Events: res.Events, Seconds: secs, Hash: res.Hash}, nil
}

func (c benchChild) report(store string) (benchMeasure, error) {
	began := time.Now()
	st, id, err := c.openBenchStore(store)
	if err != nil {
		return benchMeasure{}, err
	}
	defer st.Close()
	a, err := report.Analyze(st, id)
	if err == nil {
		err = report.WriteText(io.Discard, a)
	}
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, fmt.Errorf("report %s in %s: %w", id, st.Path(), err)
	}
	return benchMeasure{Events: a.Events, Seconds: secs}, nil
}

// export runs 'lamport export RUN --format jsonl' itself, writing to a
// writer that only counts lines: one line per event.
func (c benchChild) export(store string) (benchMeasure, error) {
	var out lineCounter
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	began := time.Now()
	err := exportCommand(&env{stdout: &out, stderr: io.Discard, log: quiet},
		[]string{benchRunID(store), "--store", c.storePath(store), "--format", "jsonl"})
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, fmt.Errorf("export: %w", err)
	}
	return benchMeasure{Events: out.lines, Seconds: secs}, nil
}

// lineCounter is io.Discard that counts the lines written to it.
type lineCounter struct{ lines uint64 }

func (w *lineCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			w.lines++
		}
	}
	return len(p), nil
}

// rawBaseline appends the values of a store the record row made to a fresh
// bbolt file and times only the append; events are the run's, so events/s
// compare with the record row's.
func (c benchChild) rawBaseline(store string) (benchMeasure, error) {
	st, id, err := c.openBenchStore(store)
	if err != nil {
		return benchMeasure{}, err
	}
	stats, err := st.Stats(id)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return benchMeasure{}, fmt.Errorf("store %s: %w", c.storePath(store), err)
	}
	var events uint64
	for _, s := range stats {
		events += s.Events
	}
	values, size, err := storedValues(c.storePath(store))
	if err != nil {
		return benchMeasure{}, err
	}
	raw := filepath.Join(c.dir, "raw-bbolt.db")
	if err := removeIfExists(raw); err != nil {
		return benchMeasure{}, err
	}
	defer os.Remove(raw)
	secs, err := rawAppend(raw, values)
	if err != nil {
		return benchMeasure{}, err
	}
	return benchMeasure{Events: events, Seconds: secs, Bytes: size}, nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove old %s: %w", path, err)
	}
	return nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", path, err)
	}
	return fi.Size(), nil
}
