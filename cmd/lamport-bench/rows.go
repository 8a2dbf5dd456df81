package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"lamport/core"
	"lamport/export"
	"lamport/internal/version"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// benchLoad is one simulated run's shape: a ring of machines for a
// duration of virtual time, with the default parameters unless steady.
type benchLoad struct {
	machines int
	duration time.Duration
	// steady runs every machine at steadyRate ticks per second. A machine
	// then gets at most 2/10 of each peer's ticks as messages, so with
	// three machines every queue stays short and nothing in the model
	// grows with the run: memory that grows is the code's.
	steady bool
}

const steadyRate = 6

// benchSizes are the sizes of the bench's measurements; --quick picks the small ones.
type benchSizes struct {
	// main is the standard load: 100 machines, an hour, default params.
	main benchLoad
	// The original experiment: expRuns runs of exp, seeds seed, seed+1, ...
	exp     benchLoad
	expRuns int
	scale   benchLoad
	// The memory rows: the standard load's machines for about 1 M and 10 M
	// events (short, long), and a steady run of as many events.
	short, long             benchLoad
	steadyShort, steadyLong benchLoad
	// steadyHuge is the steady run of about 100 M events, whose memory
	// must stay within 1.2 x steadyLong's and store at most 6 B/event.
	steadyHuge benchLoad
	// sweepRuns is the sweep's --runs: 3 variants x sweepRuns recorded
	// runs of the original experiment.
	sweepRuns int
	// quick shortens the live run.
	quick bool
}

// 100 machines at the default rates (1..6 ticks/s) tick 384 times a second
// for seed 7: an hour is 1 382 400 events, 2604 s about 1 M, 26 040 s
// (7 h 14 min) about 10 M. Three steady machines tick 18 times a second.
var (
	benchFullSizes = benchSizes{
		main: benchLoad{machines: 100, duration: time.Hour},
		exp:  benchLoad{machines: 3, duration: time.Minute}, expRuns: 5,
		scale:       benchLoad{machines: 10000, duration: time.Second},
		short:       benchLoad{machines: 100, duration: 2604 * time.Second},
		long:        benchLoad{machines: 100, duration: 26040 * time.Second},
		steadyShort: benchLoad{machines: 3, duration: 55556 * time.Second, steady: true},
		steadyLong:  benchLoad{machines: 3, duration: 555556 * time.Second, steady: true},
		steadyHuge:  benchLoad{machines: 3, duration: 5555556 * time.Second, steady: true},
		sweepRuns:   3334,
	}
	benchQuickSizes = benchSizes{
		main: benchLoad{machines: 10, duration: 2 * time.Minute},
		exp:  benchLoad{machines: 3, duration: time.Minute}, expRuns: 5,
		scale:       benchLoad{machines: 300, duration: time.Second},
		short:       benchLoad{machines: 10, duration: time.Minute},
		long:        benchLoad{machines: 10, duration: 10 * time.Minute},
		steadyShort: benchLoad{machines: 3, duration: 200 * time.Second, steady: true},
		steadyLong:  benchLoad{machines: 3, duration: 2000 * time.Second, steady: true},
		steadyHuge:  benchLoad{machines: 3, duration: 20000 * time.Second, steady: true},
		sweepRuns:   20,
		quick:       true,
	}
)

// Stores the rows share, by name. A row that reads one runs after the row
// that makes it (or a preparation run of that row, when it is not chosen).
const (
	benchStoreMain        = "main"
	benchStoreShort       = "1M"
	benchStoreLong        = "10M"
	benchStoreSteadyShort = "steady-1M"
	benchStoreSteadyLong  = "steady-10M"
	benchStoreSteadyHuge  = "steady-100M"
	benchStoreScale       = "scale"
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
	// LateP99 is a live run's p99 tick lateness in milliseconds.
	LateP99 float64 `json:"late_p99_ms,omitempty"`
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
	rows := []benchRow{
		{name: "sim", about: "sim of the standard load (100 machines x 1 h, default parameters), not recorded",
			run: func(c benchChild) (benchMeasure, error) { return c.simulate(c.sizes.main) }},
		{name: "record", about: "the same sim recorded to a fresh store", makes: benchStoreMain,
			run: func(c benchChild) (benchMeasure, error) { return c.record(benchStoreMain, c.sizes.main) }},
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
			run: func(c benchChild) (benchMeasure, error) { return c.simulate(c.sizes.scale) }},
		{name: "scale-record", about: "10 000 machines x 1 s in one sim, recorded to a fresh store", once: true, makes: benchStoreScale,
			run: func(c benchChild) (benchMeasure, error) { return c.record(benchStoreScale, c.sizes.scale) }},
		{name: "live-lateness", about: "'lamport run --speed 1000 --duration 5s': 3 machines over loopback TCP, recorded, logs on; p99 tick lateness",
			run: func(c benchChild) (benchMeasure, error) { return c.liveLateness(liveDurationOf(c.sizes)) }},
		{name: "sweep", about: "lamport sweep of 3 variants x 3334 seeds of the original experiment (10 002 recorded runs), one process",
			run: func(c benchChild) (benchMeasure, error) { return c.sweep(1) }},
		{name: "sweep-2shards", about: "the same sweep as 2 shards in 2 processes at once, each to its own store",
			run: func(c benchChild) (benchMeasure, error) { return c.sweep(2) }},
	}
	memory := []struct {
		prefix, about string
		short, long   func(benchSizes) benchLoad
		stores        [2]string
	}{
		{"", "100 machines, default parameters", func(s benchSizes) benchLoad { return s.short }, func(s benchSizes) benchLoad { return s.long },
			[2]string{benchStoreShort, benchStoreLong}},
		{"steady-", "3 machines at 6 ticks/s, short queues", func(s benchSizes) benchLoad { return s.steadyShort }, func(s benchSizes) benchLoad { return s.steadyLong },
			[2]string{benchStoreSteadyShort, benchStoreSteadyLong}},
	}
	for _, m := range memory {
		sizes := []string{"1M", "10M"}
		loads := []func(benchSizes) benchLoad{m.short, m.long}
		for i, size := range sizes {
			load := loads[i]
			rows = append(rows, benchRow{name: m.prefix + "sim-" + size, about: "memory: sim of about " + size + " events: " + m.about, once: true,
				run: func(c benchChild) (benchMeasure, error) { return c.simulate(load(c.sizes)) }})
		}
		for i, size := range sizes {
			load, store := loads[i], m.stores[i]
			rows = append(rows, benchRow{name: m.prefix + "record-" + size, about: "memory: " + m.prefix + "sim-" + size + " recorded", makes: store, once: true,
				run: func(c benchChild) (benchMeasure, error) { return c.record(store, load(c.sizes)) }})
		}
		for i, size := range sizes {
			store := m.stores[i]
			rows = append(rows, benchRow{name: m.prefix + "replay-" + size, about: "memory: replay of " + m.prefix + "record-" + size, reads: store, once: true,
				run: func(c benchChild) (benchMeasure, error) { return c.replay(store) }})
		}
		for i, size := range sizes {
			store := m.stores[i]
			rows = append(rows, benchRow{name: m.prefix + "report-" + size, about: "memory: report of " + m.prefix + "record-" + size, reads: store, once: true,
				run: func(c benchChild) (benchMeasure, error) { return c.report(store) }})
		}
	}
	huge := func(s benchSizes) benchLoad { return s.steadyHuge }
	rows = append(rows,
		benchRow{name: "steady-record-100M", about: "memory: the steady run of about 100 M events, recorded", makes: benchStoreSteadyHuge, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.record(benchStoreSteadyHuge, huge(c.sizes)) }},
		benchRow{name: "steady-replay-100M", about: "memory: replay of steady-record-100M", reads: benchStoreSteadyHuge, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.replay(benchStoreSteadyHuge) }},
		benchRow{name: "steady-report-100M", about: "memory: report of steady-record-100M", reads: benchStoreSteadyHuge, once: true,
			run: func(c benchChild) (benchMeasure, error) { return c.report(benchStoreSteadyHuge) }},
	)
	return rows
}

// runBenchRow is the child side: run one row in this process and print its
// measure as JSON.
func runBenchRow(e *env, name string, c benchChild) error {
	row, ok := findBenchRow(name)
	if !ok {
		return fmt.Errorf("unknown measurement %q", name)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
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

func (l benchLoad) spec(seed uint64) (replay.SimSpec, error) {
	latency, err := replay.ParseLatency(replay.DefaultLatency)
	if err != nil {
		return replay.SimSpec{}, err
	}
	params := core.DefaultParams(seed)
	if l.steady {
		params.MinRate, params.MaxRate = steadyRate, steadyRate
	}
	return replay.SimSpec{Machines: core.RingConfig(l.machines, "sim", 0).IDs(), Params: params,
		Duration: l.duration, Latency: latency}, nil
}

func (c benchChild) simulate(l benchLoad) (benchMeasure, error) {
	spec, err := l.spec(c.seed)
	if err != nil {
		return benchMeasure{}, err
	}
	began := time.Now()
	res, err := replay.Simulate(spec, nil)
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, fmt.Errorf("sim of %d machines for %v: %w", l.machines, l.duration, err)
	}
	return benchMeasure{Events: res.Events, Seconds: secs, Hash: res.Hash}, nil
}

// recordSim records one sim run into st, as 'lamport sim' does.
func recordSim(st *record.Store, runID string, spec replay.SimSpec, machines int) (replay.SimResult, error) {
	res, err := replay.RecordSim(st, replay.SimRun{
		RunID: runID, Config: core.RingConfig(machines, "sim", 0), Spec: spec, Started: time.Now().UTC(), Tool: version.Tool,
		Options: map[string]string{"duration": spec.Duration.String(), "latency": spec.Latency.String()},
	})
	if err != nil {
		return res, fmt.Errorf("record sim run %s to %s: %w", runID, st.Path(), err)
	}
	return res, nil
}

// record simulates and records to a fresh store: opening the store, the
// run, and closing it (the last commit) are all timed.
func (c benchChild) record(store string, l benchLoad) (benchMeasure, error) {
	spec, err := l.spec(c.seed)
	if err != nil {
		return benchMeasure{}, err
	}
	return timedFreshStore(c.storePath(store), func(st *record.Store) (benchMeasure, error) {
		res, err := recordSim(st, benchRunID(store), spec, l.machines)
		return benchMeasure{Events: res.Events, Hash: res.Hash}, err
	})
}

// experiment is the original exercise: expRuns seeds in a row, each
// recorded to the same fresh store, timed from opening it to closing it.
func (c benchChild) experiment() (benchMeasure, error) {
	return timedFreshStore(c.storePath("experiment"), func(st *record.Store) (benchMeasure, error) {
		var m benchMeasure
		for i := range c.sizes.expRuns {
			spec, err := c.sizes.exp.spec(c.seed + uint64(i))
			if err != nil {
				return m, err
			}
			res, err := recordSim(st, "bench-experiment-"+strconv.Itoa(i+1), spec, c.sizes.exp.machines)
			if err != nil {
				return m, err
			}
			m.Events += res.Events
		}
		return m, nil
	})
}

// timedFreshStore runs fn on a new store at path and times it, opening
// and closing (the last commit) included; it fills in Seconds and Bytes.
func timedFreshStore(path string, fn func(*record.Store) (benchMeasure, error)) (benchMeasure, error) {
	if err := removeIfExists(path); err != nil {
		return benchMeasure{}, err
	}
	began := time.Now()
	st, err := record.Open(path, record.Options{})
	if err != nil {
		return benchMeasure{}, err
	}
	m, err := fn(st)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close store %s: %w", path, cerr)
	}
	m.Seconds = time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, err
	}
	m.Bytes, err = fileSize(path)
	return m, err
}

// openBenchStore opens a store a previous row made, read-only.
func (c benchChild) openBenchStore(store string) (*record.Store, string, error) {
	st, err := record.Open(c.storePath(store), record.Options{ReadOnly: true})
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
	a, err := report.AnalyzeWithCausality(st, id, 0)
	if err == nil {
		err = report.WriteText(io.Discard, a)
	}
	secs := time.Since(began).Seconds()
	if err != nil {
		return benchMeasure{}, fmt.Errorf("report %s in %s: %w", id, st.Path(), err)
	}
	return benchMeasure{Events: a.Events, Seconds: secs}, nil
}

// export does what 'lamport export RUN --format jsonl' does, writing to a
// writer that only counts lines: one line per event.
func (c benchChild) export(store string) (benchMeasure, error) {
	var out lineCounter
	began := time.Now()
	err := func() error {
		st, id, err := c.openBenchStore(store)
		if err != nil {
			return err
		}
		defer st.Close()
		meta, err := st.Resolve(id)
		if err != nil {
			return err
		}
		jsonl, _ := export.Lookup("jsonl")
		return export.Write(&out, st, meta, jsonl, export.Filter{})
	}()
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
	var values [][]byte
	var size int64
	if err == nil {
		values, size, err = st.StoredValues(id)
	}
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return benchMeasure{}, fmt.Errorf("store %s: %w", c.storePath(store), err)
	}
	if len(values) == 0 {
		return benchMeasure{}, fmt.Errorf("%s holds no run data", c.storePath(store))
	}
	var events uint64
	for _, s := range stats {
		events += s.Events
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

// liveDurationOf is how long the live measurement ticks: liveDuration, or
// a fifth of a second for --quick.
func liveDurationOf(s benchSizes) time.Duration {
	if s.quick {
		return 200 * time.Millisecond
	}
	return liveDuration
}
