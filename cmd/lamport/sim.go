package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/internal/textfmt"
	"lamport/record"
	"lamport/replay"
)

// maxSimMachines bounds --machines. Memory grows with the square of the
// machine count (every machine lists every peer, and a send to all peers
// is N-1 messages): 10 000 machines for one virtual second took about
// 950 MB, 100 000 would exhaust a large host.
const maxSimMachines = 10000

// simOptions are sim's flags and what validate resolves of them.
type simOptions struct {
	setupFlags
	faultFlags
	machines int
	latency  string
	store    string
	noRecord bool
	verify   bool
	commitLog
	logFlags

	s          setup
	simLatency replay.Latency
	simFaults  core.Faults
}

func (o *simOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "sim", "sim [--seed N] [--config FILE] [--machines N] [--duration D] [--latency L]",
		"Run the same machines in virtual time: a single-threaded discrete-event loop with every\n"+
			"machine ticking at its drawn rate and a seeded network (latency per message, FIFO links).\n"+
			"The same seed and parameters give the same trace hash on every run and every host.\n"+
			"The run is recorded (mode sim) so ls, show, export, replay and diff work on it.\n\n"+
			"The machines are the config's, read exactly as 'lamport run' reads it (--config, else\n"+
			"./config.json when it exists), so 'run --seed 7' and 'sim --seed 7' model the same system;\n"+
			"--machines N runs machines 1..N instead, and with no config file machines 1..3.\n\n"+
			"Faults (--drop, --dup, --spike, --partition, --clog, --crash, --crashes, --swarm) are\n"+
			"drawn from the seed too, recorded in the run's options and its logs, and replay\n"+
			"identically. Times are since the run's start.\n\n"+
			"Ctrl-C stops the simulation: the run is recorded as interrupted, its prefix replays,\n"+
			"and the command exits 130.")
	o.setupFlags.register(fs)
	fs.IntVar(&o.machines, "machines", 3, machinesFlagUsage)
	hideDefault(fs, "machines") // the usage says it: the config's machines, else 3
	fs.StringVar(&o.latency, "latency", replay.DefaultLatency, "message latency: constant:D, uniform:A-B or exp:MEAN")
	o.faultFlags.register(fs)
	fs.StringVar(&o.store, "store", "lamport.db", "bbolt store the run is recorded to")
	fs.BoolVar(&o.noRecord, "no-record", false, "only simulate and print the summary; write nothing")
	fs.BoolVar(&o.verify, "verify", false, "simulate twice and compare trace hashes; exit 1 if they differ")
	_ = fs.MarkHidden("speed") // virtual time has no time-lapse
	fs.Lookup("duration").Usage = "virtual time to simulate"
	fs.Lookup("duration").DefValue = "1m0s"
	o.commitLog.register(fs)
	o.logFlags.register(fs)
	return fs
}

// validate checks the flags and resolves the setup: the config, the
// parameters, the latency and the faults.
func (o *simOptions) validate(e *env, fs *pflag.FlagSet) error {
	if err := o.logFlags.apply(e); err != nil {
		return err
	}
	if fs.Changed("speed") {
		return usageErrorf("sim runs in virtual time; --speed is for live runs")
	}
	if fs.NArg() > 0 {
		return usageErrorf("sim takes no arguments, got %q", fs.Args())
	}
	var err error
	if o.s, err = o.simSetup(fs); err != nil {
		return err
	}
	if o.simLatency, err = replay.ParseLatency(o.latency); err != nil {
		return usageErrorf("%v", err)
	}
	o.simFaults, err = o.faults(fs, o.s)
	return err
}

func (o *simOptions) run(e *env, fs *pflag.FlagSet) error {
	s, latency, faults := o.s, o.simLatency, o.simFaults
	var err error
	spec := replay.SimSpec{Machines: s.cfg.IDs(), Params: s.params, Duration: s.duration, Latency: latency, Faults: faults}
	bar := newProgress(e, o.quiet, s.duration.Milliseconds(), "sim")
	spec.Progress = func(at time.Duration, events uint64) { bar.update(at.Milliseconds(), events) }
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	spec.Stop = func() bool { return ctx.Err() != nil }
	// The store is opened before the first log line, so a bad one is
	// refused in one line.
	var st *record.Store
	if !o.noRecord {
		if st, err = openStore(o.store, false); err != nil {
			return err
		}
		defer st.Close()
	}
	logAttrs := []any{"seed", s.params.Seed, "machines", len(spec.Machines), "duration", s.duration, "latency", latency}
	for _, kv := range faults.Options() {
		logAttrs = append(logAttrs, kv[0], kv[1])
	}
	e.log.Info("simulating", logAttrs...)

	began := time.Now()
	var res replay.SimResult
	var meta record.RunMeta
	if o.noRecord {
		res, err = replay.Simulate(spec, nil)
	} else {
		res, meta, err = o.record(e, st, s, spec, latency, began)
	}
	bar.finish()
	if errors.Is(err, replay.ErrStopped) && meta.ID != "" {
		err = fmt.Errorf("%w; run %s is recorded as interrupted, and its prefix replays", err, meta.ID)
	}
	if errors.Is(err, replay.ErrStopped) {
		return stoppedBy(ctx, err, "")
	}
	if err != nil {
		return err
	}
	wall := time.Since(began)
	printSimSummary(e, o.store, s.params.Seed, meta, res, s.duration, wall)
	if faults.Any() {
		fmt.Fprintln(e.stdout, faultSummary(res))
	}
	if o.verify {
		spec.Progress = nil
		again, err := replay.Simulate(spec, nil)
		if err != nil {
			return err
		}
		if again.Hash != res.Hash {
			fmt.Fprintf(e.stdout, "verify: DIFFERENT trace hash on the second run: %s\n", again.Hash)
			return errDifferent
		}
		fmt.Fprintf(e.stdout, "verify: the second run gave the same trace hash\n")
	}
	return nil
}

// simSetup resolves the setup as resolveSimSetup does; the duration
// defaults to a minute of virtual time.
func (o *simOptions) simSetup(fs *pflag.FlagSet) (setup, error) {
	if !fs.Changed("duration") {
		o.duration = 60 * time.Second
	}
	s, _, err := o.resolveSimSetup(fs, o.machines, "sim")
	if err != nil {
		return s, err
	}
	if s.duration == 0 {
		return s, usageErrorf("sim needs a --duration of virtual time above 0")
	}
	return s, checkSimBudget(s.duration, len(s.cfg.Machines), s.params.MaxRate)
}

func (o *simOptions) record(e *env, st *record.Store, s setup, spec replay.SimSpec, latency replay.Latency, began time.Time) (replay.SimResult, record.RunMeta, error) {
	runID := newRunID(began)
	opts := s.options()
	opts["latency"] = latency.String()
	addFaultOptions(opts, spec.Faults, o.swarm)
	res, err := replay.RecordSim(st, replay.SimRun{
		RunID: runID, Config: s.cfg, Spec: spec, Started: began.Round(0).UTC(), Tool: toolVersion, Options: opts,
		Recorder: o.recorderOptions(e, runID),
	})
	if errors.Is(err, replay.ErrStopped) {
		meta, _ := st.Run(runID)
		return res, meta, err
	}
	if err != nil {
		return res, record.RunMeta{}, fmt.Errorf("sim run %s: %w", runID, err)
	}
	meta, err := st.Run(runID)
	return res, meta, err
}

func printSimSummary(e *env, store string, seed uint64, meta record.RunMeta, res replay.SimResult, virtual, wall time.Duration) {
	if meta.ID != "" {
		printRunSummary(e.stdout, store, meta, res.Stats)
	} else {
		fmt.Fprintf(e.stdout, "sim (not recorded)  seed %d  %d machines  %s events  %s arrivals\n", seed, len(res.Stats), textfmt.Thousands(res.Events), textfmt.Thousands(res.Arrivals))
	}
	speedup := virtual.Seconds() / max(wall.Seconds(), 1e-9)
	fmt.Fprintf(e.stdout, "virtual %s in %s wall (%sx real time)\n", virtual, wall.Round(time.Millisecond), speedupText(speedup))
	fmt.Fprintf(e.stdout, "trace hash %s\n", res.Hash)
}

// speedupText is the speed-up with no decimals when it is large and two
// significant digits when it is below 10 ("0.18", "3.4"), so a slow
// simulation does not read "0x".
func speedupText(x float64) string {
	if x >= 10 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 2, 64)
}
