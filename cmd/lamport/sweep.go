package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/live"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// sweepOptions are sweep's flags and the plan validate makes of them.
type sweepOptions struct {
	setupFlags
	machines int
	latency  string
	runs     int
	vary     []string
	mode     string
	store    string
	logDir   string
	asCSV    bool
	asJSON   bool
	html     string
	shard    string
	sweepID  string
	table    string
	secret   secretFlag
	logFlags
	commitLog

	checked sweepPlan
	// stop, when set, ends the sweep in place of Ctrl-C.
	stop context.Context
}

// sweepUntil is the sweep command stopped by ctx's end rather than by
// Ctrl-C, so a test can stop it in process.
func sweepUntil(ctx context.Context, e *env, args []string) error {
	return command{name: "sweep", options: func() options { return &sweepOptions{stop: ctx} }}.run(e, args)
}

func (o *sweepOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "sweep", "sweep [--runs K] [--vary key=v1,v2,...]... [--duration D] [--mode sim|live] [--shard I/N] [--sweep-id ID] [--csv|--json]\n"+
		"   or: lamport sweep --table ID [--store FILE] [--csv|--json] [--html FILE]",
		"Run the experiment grid: every combination of the --vary values (the first --vary\n"+
			"varying slowest), each with the same K seeds (--seed, --seed+1, ...). Every run is\n"+
			"recorded with the sweep's id (lamport ls --sweep ID lists them) and analysed as\n"+
			"'lamport report' does. Prints one markdown row per variant: each figure as the mean\n"+
			"across seeds with [min, max].\n"+
			"Keys: "+strings.Join(sweepKeys, ", ")+" (latency only with --mode sim).\n"+
			"The machines are the config's, read exactly as 'lamport run' reads it (--config, else\n"+
			"./config.json when it exists); --machines N runs machines 1..N instead, and with no config\n"+
			"file machines 1..3. --vary machines=N,... gives each variant N machines (ids\n"+
			"1..N, on 127.0.0.1 with free ports when live) in place of the config's machines; the\n"+
			"config's other settings (seed, rates, actions) still apply to every variant.\n"+
			"Without --vary, the original experiment: the model as given, then\n"+
			"max-rate=2 (smaller variation in clock rates), then actions=4 (fewer internal events).\n"+
			"Ctrl-C stops the sweep: it prints the table of the runs it finished (the runs column\n"+
			"says how many each variant has), records the run it cut as interrupted, leaves that\n"+
			"run out of the figures, and exits 130.\n"+
			"--shard I/N runs only the I-th of N parts of the grid, so that several processes or\n"+
			"hosts share one sweep: run k of the grid (variant by variant, seed by seed, from 0)\n"+
			"goes to part (k mod N)+1, so any N runs every run of the grid exactly once. The shards\n"+
			"of one sweep share its id: --sweep-id ID, or else one derived from the grid, seeds,\n"+
			"duration, mode and machines, so shards started apart with the same flags agree. A\n"+
			"sweep with a given or derived id names its runs ID-v<variant>-s<seed> and refuses a\n"+
			"store that already has one of them. 'lamport merge OUT IN...' gathers the shards'\n"+
			"stores; --table ID then prints the table of sweep ID from --store, rebuilt from its\n"+
			"complete runs without running anything: byte for byte what the whole sweep printed\n"+
			"(whose header names its store).")
	o.setupFlags.register(fs)
	fs.Lookup("seed").Usage = "first seed; variants run seeds N..N+K-1 (default: config's \"seed\", else random; always printed)"
	fs.Lookup("duration").Usage = "how long each run's machines tick (virtual time in --mode sim)"
	fs.Lookup("speed").Usage = "--mode live: multiply every tick rate (a time-lapse); the model is unchanged. At most 1000000, and ticks must stay 1ns to 292 years apart at every rate: about 1.084e-10 to 1000000 at rates 1..6"
	fs.IntVar(&o.machines, "machines", 3, machinesFlagUsage)
	hideDefault(fs, "machines") // the usage says it: the config's machines, else 3
	fs.StringVar(&o.latency, "latency", replay.DefaultLatency, "message latency in --mode sim: constant:D, uniform:A-B or exp:MEAN")
	fs.IntVar(&o.runs, "runs", 5, "seeds per variant")
	fs.StringArrayVar(&o.vary, "vary", nil, "key=v1,v2,...: a parameter and the values it takes (repeatable)")
	fs.StringVar(&o.mode, "mode", "sim", "sim (virtual time: fast, deterministic) or live (real TCP on this host, at --speed)")
	fs.StringVar(&o.store, "store", "lamport.db", "bbolt store the runs are recorded to (with --table, read from)")
	fs.StringVar(&o.logDir, "log-dir", "logs", "--mode live: directory for each run's logs, <dir>/<run id>/log_<id>.txt (\"\" for none)")
	fs.BoolVar(&o.asCSV, "csv", false, "print the table as CSV (with sample standard deviations) instead of markdown")
	fs.BoolVar(&o.asJSON, "json", false, "print the sweep as JSON: every variant with its runs' figures")
	fs.StringVar(&o.html, "html", "", "also write the table and a bar chart per figure (variants side by side) to this HTML file")
	fs.StringVar(&o.shard, "shard", "", "I/N: run only the I-th of N parts of the grid (1/N..N/N); needs a fixed first seed (--seed or the config's)")
	fs.StringVar(&o.sweepID, "sweep-id", "", "the sweep's id: 1 to 64 letters, digits, '.', '_' or '-'; its runs are then named ID-v<variant>-s<seed> (default: drawn; with --shard derived from the sweep's settings)")
	fs.StringVar(&o.table, "table", "", "print the table of this recorded sweep (an id or a unique prefix) from --store and run nothing")
	o.secret.registerOwn(fs)
	fs.Lookup("secret").Usage = "--mode live: " + fs.Lookup("secret").Usage
	o.logFlags.register(fs)
	o.commitLog.register(fs)
	return fs
}

// validate checks every flag and every variant of the grid, so a bad grid
// records nothing.
func (o *sweepOptions) validate(e *env, fs *pflag.FlagSet) error {
	if err := o.logFlags.apply(e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("sweep takes no arguments, got %q", fs.Args())
	}
	if fs.Changed("table") {
		return o.validateTable(fs)
	}
	var err error
	if o.checked, err = o.plan(fs); err != nil {
		return err
	}
	o.checked.logDir = o.logDir
	return nil
}

// run runs the checked grid until it is done or Ctrl-C (or o.stop) ends
// it.
func (o *sweepOptions) run(e *env, fs *pflag.FlagSet) error {
	if fs.Changed("table") {
		return o.runTable(e)
	}
	ctx := o.stop
	if ctx == nil {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	plan := o.checked
	st, err := openStore(o.store, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := plan.checkStore(st); err != nil {
		return err
	}

	// A sweep stopped by Ctrl-C still prints the table of the runs it
	// finished, then says so and exits as stopped.
	sweep, stopped, err := plan.run(ctx, e, st, o.quiet, o.commitLog.enabled)
	if err != nil {
		return err
	}
	planned := plan.planned()
	if planned == 0 && (o.asCSV || o.asJSON) {
		// The markdown's header says so; CSV and JSON have no place for it.
		e.log.Warn(fmt.Sprintf("shard %s of sweep %s has no runs: the grid has %d", plan.shard, sweep.ID, len(plan.variants)*plan.runs))
	}
	if err := o.write(e, sweep, plan.header(o.store, planned), planned > 0); err != nil {
		return err
	}
	return stopped
}

// header is the markdown's lines above the table: the sweep, how to list
// its runs and, for a shard, how to gather the whole sweep.
func (p sweepPlan) header(store string, planned int) []string {
	s := p.shape()
	if !p.shard.sharded() {
		return []string{s.headline(store), s.runsLine(store)}
	}
	gather := "the whole sweep: lamport merge OUT <every shard's store>, then lamport sweep --table " + p.id + " --store OUT"
	if planned == 0 {
		return []string{s.shardHeadline(p.shard, planned, store), gather}
	}
	return []string{s.shardHeadline(p.shard, planned, store), s.runsLine(store), gather}
}

// write prints sweep as --csv, --json or markdown under header, and writes
// its --html page. withTable false leaves the markdown at the header.
func (o *sweepOptions) write(e *env, sweep report.Sweep, header []string, withTable bool) error {
	out := bufio.NewWriter(e.stdout)
	var err error
	switch {
	case o.asCSV:
		err = report.WriteSweepCSV(out, sweep)
	case o.asJSON:
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(sweep)
	default:
		for _, l := range header {
			fmt.Fprintln(out, l)
		}
		if withTable {
			fmt.Fprintln(out)
			err = report.WriteSweepMarkdown(out, sweep)
		}
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("write sweep table: %w", err)
	}
	if o.html != "" {
		if err := writeOutputFile(e, o.html, "the sweep's page", func(w io.Writer) error { return report.WriteSweepHTML(w, sweep) }); err != nil {
			return err
		}
	}
	return nil
}

// sweepShape is what a sweep's header says of it: the same whether the
// sweep has just run or its table is rebuilt from the store.
type sweepShape struct {
	id       string
	variants int
	runs     int // seeds per variant
	seed     uint64
	duration time.Duration
	mode     string
	speed    float64
}

// newSweep is the report of a sweep of this shape, with no variants yet.
func (s sweepShape) newSweep() report.Sweep {
	sweep := report.Sweep{ID: s.id, Mode: s.mode, Duration: s.duration, Variants: []report.Variant{}}
	if s.mode == "live" {
		sweep.Speed = s.speed
	}
	return sweep
}

func (p sweepPlan) shape() sweepShape {
	return sweepShape{id: p.id, variants: len(p.variants), runs: p.runs, seed: p.seed, duration: p.duration, mode: p.mode, speed: p.speed}
}

// grid is "3 variants x 5 seeds (7..11), 1m0s each, mode sim".
func (s sweepShape) grid() string {
	return fmt.Sprintf("%s x %s (%d..%d), %s each, %s",
		plural(s.variants, "variant"), plural(s.runs, "seed"), s.seed, s.seed+uint64(s.runs)-1, s.duration, s.modeText())
}

// headline is the first line of the markdown output.
func (s sweepShape) headline(store string) string {
	return fmt.Sprintf("sweep %s: %s, recorded to %s", s.id, s.grid(), store)
}

// shardHeadline is a shard's first line: how many of the grid's runs fell
// to it.
func (s sweepShape) shardHeadline(shard sweepShard, planned int, store string) string {
	if planned == 0 {
		// Only a shard past the grid's size has none: run k goes to
		// shard k+1 then.
		return fmt.Sprintf("sweep %s shard %s: no runs; the %s of %s go to shards 1 to %d; nothing recorded to %s",
			s.id, shard, plural(s.variants*s.runs, "run"), s.grid(), s.variants*s.runs, store)
	}
	return fmt.Sprintf("sweep %s shard %s: %s of %s, recorded to %s", s.id, shard, plural(planned, "run"), s.grid(), store)
}

func (s sweepShape) runsLine(store string) string {
	return fmt.Sprintf("runs: lamport ls --sweep %s --store %s", s.id, store)
}

// sweepPlan is a checked grid, ready to run.
type sweepPlan struct {
	id string
	// namedRuns: the id was given or derived, and every run is named
	// sweepRunID(id, variant, seed) rather than drawn.
	namedRuns bool
	// digest is definitionHash: what every run of the sweep records.
	digest   string
	shard    sweepShard
	mode     string
	logDir   string // live runs' log files; "" for none
	variants []sweepVariant
	runs     int
	seed     uint64
	duration time.Duration
	speed    float64
	// cfg is the machines file's config; nil runs a ring of each
	// variant's machine count, as does a variant that sets machines.
	cfg *core.Config
	// secret is the live runs' shared secret; nil for none.
	secret []byte
}

// plan checks every flag and every variant before anything runs, so a bad
// grid records nothing.
func (o *sweepOptions) plan(fs *pflag.FlagSet) (sweepPlan, error) {
	p := sweepPlan{mode: o.mode, runs: o.runs}
	if o.mode != "sim" && o.mode != "live" {
		return p, usageErrorf("--mode must be sim or live, got %q", o.mode)
	}
	var err error
	if fs.Changed("shard") {
		if p.shard, err = parseSweepShard(o.shard); err != nil {
			return p, err
		}
	}
	if fs.Changed("sweep-id") {
		if err := checkSweepID(o.sweepID); err != nil {
			return p, err
		}
	}
	if p.secret, _, err = o.secret.resolveOrMake(fs); err != nil {
		return p, err
	}
	if o.mode != "live" {
		// LAMPORT_SECRET may be exported for live runs; only an explicit
		// flag is a mistake here.
		if fs.Changed("secret") {
			return p, usageErrorf("--secret applies to --mode live only; a sim opens no sockets")
		}
		p.secret = nil
	}
	if o.runs < 1 || o.runs > 100000 {
		return p, usageErrorf("--runs must be in 1..100000, got %d", o.runs)
	}
	if err := o.checkOutputs(); err != nil {
		return p, err
	}
	if !fs.Changed("duration") {
		o.duration = time.Minute
	}
	var axes []sweepAxis
	for _, s := range o.vary {
		a, err := parseSweepAxis(s)
		if err != nil {
			return p, err
		}
		if a.key == "latency" && o.mode == "live" {
			return p, usageErrorf("--vary latency needs --mode sim: a live run's latency is the network's")
		}
		axes = append(axes, a)
	}
	grid, names, err := sweepGrid(axes)
	if err != nil {
		return p, err
	}

	s, fromFile, err := o.resolveSimSetup(fs, o.machines, ringHost(o.mode))
	if err != nil {
		return p, err
	}
	if s.duration <= 0 {
		return p, usageErrorf("a sweep needs a --duration above 0, got %v", s.duration)
	}
	if o.mode == "sim" && fs.Changed("speed") {
		return p, usageErrorf("--speed applies to --mode live only; a sim runs in virtual time")
	}
	if fromFile {
		p.cfg = &s.cfg
	}
	latency, err := replay.ParseLatency(o.latency)
	if err != nil {
		return p, usageErrorf("%v", err)
	}
	p.seed, p.duration, p.speed = s.params.Seed, s.duration, s.speed
	if p.shard.sharded() && !s.seedChosen {
		return p, usageErrorf("--shard needs a fixed first seed (--seed, or \"seed\" in the config) so that every shard runs the same seeds")
	}
	if p.seed > ^uint64(0)-uint64(p.runs) {
		return p, usageErrorf("--seed %d leaves no room for %d seeds above it", p.seed, p.runs)
	}
	for i, settings := range grid {
		v, err := resolveVariant(names[i], settings, s.params, len(s.cfg.Machines), latency)
		if err != nil {
			return p, err
		}
		if o.mode == "sim" {
			if err := checkSimBudget(p.duration, v.machines, v.params.MaxRate); err != nil {
				return p, usageErrorf("variant %q: %v", v.name, err)
			}
		} else if err := live.CheckSpeed(p.speed, v.params.MinRate, v.params.MaxRate); err != nil {
			return p, usageErrorf("variant %q: %v", v.name, err)
		}
		p.variants = append(p.variants, v)
	}
	if p.digest, err = p.definitionHash(); err != nil {
		return p, err
	}
	switch {
	case fs.Changed("sweep-id"):
		p.id, p.namedRuns = o.sweepID, true
	case p.shard.sharded():
		p.id, p.namedRuns = derivedSweepID(p.digest), true
	default:
		p.id = "sweep-" + newRunID(time.Now())
	}
	return p, nil
}

// checkOutputs checks --csv, --json and --html, which a sweep and --table
// share.
func (o *sweepOptions) checkOutputs() error {
	if o.asCSV && o.asJSON {
		return usageErrorf("--csv and --json: choose one")
	}
	if o.html == "-" {
		return usageErrorf("--html needs a file name: stdout has the table")
	}
	if o.html != "" {
		if info, err := os.Stat(filepath.Dir(o.html)); err != nil || !info.IsDir() {
			return usageErrorf("--html %s: no directory %s to write it in", o.html, filepath.Dir(o.html))
		}
	}
	return nil
}

// planned is how many runs of the grid fall to the plan's shard.
func (p sweepPlan) planned() int {
	n := 0
	for k := range len(p.variants) * p.runs {
		if p.shard.owns(k) {
			n++
		}
	}
	return n
}

// checkStore refuses, before anything runs, a sweep whose id the store
// already knows from a sweep with other settings, or one of whose runs is
// already there: each run of a sweep is recorded once.
func (p sweepPlan) checkStore(st *record.Store) error {
	if !p.namedRuns {
		return nil // a drawn id is new
	}
	metas, err := st.Runs()
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	ids := make(map[string]bool, len(metas))
	for _, m := range metas {
		ids[m.ID] = true
		if m.Options[optSweep] == p.id && m.Options[optSweepDigest] != p.digest[:16] {
			return usageErrorf("store %s holds runs of another sweep with the id %s (its grid, seeds, duration, mode or machines differ): give this one another --sweep-id or --store", st.Path(), p.id)
		}
	}
	for vi := range p.variants {
		for k := range p.runs {
			if !p.shard.owns(vi*p.runs + k) {
				continue
			}
			if id := sweepRunID(p.id, vi+1, p.seed+uint64(k)); ids[id] {
				return usageErrorf("store %s already has run %s of sweep %s: each run of a sweep is recorded once; use another --store, or another --sweep-id to run the sweep again", st.Path(), id, p.id)
			}
		}
	}
	return nil
}

// configOf is the machines variant v runs: the config's, or a ring of the
// variant's machine count.
func (p sweepPlan) configOf(v sweepVariant) core.Config {
	if p.cfg != nil && !v.setsMachines() {
		return *p.cfg
	}
	return core.RingConfig(v.machines, ringHost(p.mode), 0)
}

// run records every run of the grid and reduces each to its figures. When
// ctx ends (Ctrl-C) it stops: the run it cut is recorded as interrupted and
// left out of the figures, the variants' finished runs are kept, and
// stopped says so (it wraps errInterrupted).
//
// Runs are simulated one after the other, in the grid's order, on this
// goroutine; short sim runs are recorded, analysed and committed in groups
// on another (sweepRecorder), the rest here, one by one. Either way a run
// is in the table only once it is committed.
//
// logCommits logs each group's commit, once it is durable: the runs done
// so far and the last of them (--log-commits, for the crash tests).
func (p sweepPlan) run(ctx context.Context, e *env, st *record.Store, quiet, logCommits bool) (sweep report.Sweep, stopped error, err error) {
	total := p.planned()
	e.log.Info("sweep", "sweep", p.id, "shard", p.shard.String(), "variants", len(p.variants), "seeds", p.runs, "first seed", p.seed, "duration", p.duration, "mode", p.mode, "runs", total)
	runMillis := p.duration.Milliseconds()
	bar := newProgress(e, quiet, int64(total)*runMillis, "sweep")
	defer bar.finish()
	sweep = p.shape().newSweep()
	w := newSweepRecorder(p, st)
	if logCommits {
		w.onCommit = func(done int, last string) { e.log.Info("sweep committed", "runs", done, "last", last) }
	}
	defer w.close()
	ids := p.newRunIDs()
	// The progress bar shows the runs simulated (and recorded, one by
	// one) and their events.
	simulated, simEvents := 0, uint64(0)
	// interrupted: ctx ended. It is asked once at each variant's end, as
	// well as before and during each run: no more, so that a test can
	// stop the sweep at a chosen call (sweepstop_test.go).
	interrupted := false
	for vi, v := range p.variants {
		announced := false
		held := p.holds(v)
		for k := range p.runs {
			if ctx.Err() != nil {
				break
			}
			if !p.shard.owns(vi*p.runs + k) {
				continue
			}
			if err := w.failed(); err != nil {
				return sweep, nil, err
			}
			if !announced {
				e.log.Info("variant", "variant", v.describe(p.mode))
				announced = true
			}
			seed := p.seed + uint64(k)
			runID := ids(vi, seed)
			progress := func(at time.Duration, n uint64) {
				bar.update(int64(simulated)*runMillis+at.Milliseconds(), simEvents+n)
			}
			if held {
				sim := replay.SimulateHeld(p.simRun(vi, seed, runID, ctx, progress), w.buffer())
				if ctx.Err() != nil && sim.Err != nil {
					// Recorded as interrupted; w.cut names it once it is
					// committed.
					w.hand(vi, sim)
					break
				}
				if sim.Err != nil {
					return sweep, nil, fmt.Errorf("sweep %s variant %q seed %d: %w", p.id, v.name, seed, sim.Err)
				}
				w.hand(vi, sim)
				simulated++
				simEvents += sim.Result.Events
				bar.update(int64(simulated)*runMillis, simEvents)
				continue
			}
			// One at a time, after the groups before it.
			w.sync()
			if err := w.failed(); err != nil {
				return sweep, nil, err
			}
			err := p.record(ctx, st, vi, seed, runID, progress)
			if ctx.Err() != nil {
				// A stop just after a run's end leaves that run whole,
				// and it counts, as 'sweep --table' counts it; one that
				// the stop cut short is stored as interrupted.
				meta, runErr := st.Run(runID)
				if err != nil || runErr != nil || meta.Status != record.StatusComplete {
					if runErr == nil {
						w.cutShort(runID)
					}
					break
				}
			}
			if err != nil {
				return sweep, nil, fmt.Errorf("sweep %s variant %q seed %d: %w", p.id, v.name, seed, err)
			}
			a, err := report.Analyze(st, runID)
			if err != nil {
				return sweep, nil, fmt.Errorf("sweep %s: %w", p.id, err)
			}
			w.add(vi, report.FiguresOf(a))
			simulated++
			simEvents += a.Events
			bar.update(int64(simulated)*runMillis, simEvents)
			if w.onCommit != nil {
				done := w.progress()
				w.onCommit(done, runID)
			}
		}
		if ctx.Err() != nil {
			interrupted = true
			break
		}
	}
	// Every run handed over is committed before anything is reported.
	w.close()
	if err := w.failed(); err != nil {
		return sweep, nil, err
	}
	for vi, v := range p.variants {
		if figures := w.figures[vi]; len(figures) > 0 {
			sweep.Variants = append(sweep.Variants, report.NewVariant(v.name, v.settings, figures))
		}
	}
	if interrupted {
		done := w.progress()
		stopped = fmt.Errorf("%w: sweep %s stopped after %d of %d runs; the table has the %d finished", errInterrupted, p.id, done, total, done)
		if w.cut != "" {
			stopped = fmt.Errorf("%w; run %s was cut short, is recorded as interrupted and is left out", stopped, w.cut)
		}
		return sweep, stopped, nil
	}
	return sweep, nil, nil
}

// newRunIDs names the runs of the sweep: ID-v<variant>-s<seed> when its
// id was given or derived, else drawn ids, none of them drawn twice: a
// sweep draws hundreds of ids a second, and runs wait in memory for their
// commit, where the store cannot tell that an id is taken.
func (p sweepPlan) newRunIDs() func(vi int, seed uint64) string {
	if p.namedRuns {
		return func(vi int, seed uint64) string { return sweepRunID(p.id, vi+1, seed) }
	}
	drawn := map[string]bool{}
	return func(int, uint64) string {
		for {
			if id := newRunID(time.Now()); !drawn[id] {
				drawn[id] = true
				return id
			}
		}
	}
}

// record makes run runID of variant vi (0-based) with seed.
func (p sweepPlan) record(ctx context.Context, st *record.Store, vi int, seed uint64, runID string, progress func(time.Duration, uint64)) error {
	v := p.variants[vi]
	if p.mode == "live" {
		params := v.params
		params.Seed = seed
		res, err := live.Run(ctx, live.Spec{
			RunID: runID, Config: p.configOf(v), Params: params, Speed: p.speed, Duration: p.duration,
			Store: st, LogDir: p.logDir, Tool: toolVersion, Options: p.runOptions(vi), Progress: progress, Secret: p.secret,
		})
		if err == nil && ctx.Err() != nil && res.Meta.ID != "" {
			// live.Run ends a stopped run as complete; in a sweep it is a
			// run cut short, not one of the seeds' full runs.
			return st.FinishRun(runID, record.StatusInterrupted, res.Meta.Ended)
		}
		if err == nil && res.Meta.Status != record.StatusComplete {
			err = fmt.Errorf("run %s ended %s", runID, res.Meta.Status)
		}
		return err
	}
	_, err := replay.RecordSim(st, p.simRun(vi, seed, runID, ctx, progress))
	return err
}

// simRun is run runID of variant vi (0-based) with seed, as a simulation
// to record; ctx's end stops it.
func (p sweepPlan) simRun(vi int, seed uint64, runID string, ctx context.Context, progress func(time.Duration, uint64)) replay.SimRun {
	v := p.variants[vi]
	params := v.params
	params.Seed = seed
	cfg := p.configOf(v)
	opts := p.runOptions(vi)
	opts["latency"] = v.latency.String()
	spec := replay.SimSpec{Machines: cfg.IDs(), Params: params, Duration: p.duration, Latency: v.latency, Progress: progress,
		Stop: func() bool { return ctx.Err() != nil }}
	return replay.SimRun{RunID: runID, Config: cfg, Spec: spec, Started: time.Now().Round(0).UTC(), Tool: toolVersion, Options: opts}
}

// modeText is the sweep's mode as its header line says it: a live sweep's
// speed, which every per-second figure is normalised by.
func (s sweepShape) modeText() string {
	if s.mode == "live" {
		return "mode live at speed " + strconv.FormatFloat(s.speed, 'g', -1, 64)
	}
	return "mode " + s.mode
}

// ringHost names the hosts of a ring of machines: "sim" as 'lamport sim
// --machines N' names them, or the loopback address a live ring listens on.
func ringHost(mode string) string {
	if mode == "live" {
		return "127.0.0.1"
	}
	return "sim"
}

// plural is "1 seed", "2 seeds".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
