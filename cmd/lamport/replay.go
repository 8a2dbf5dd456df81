package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/replay"
)

// replayOptions are replay's flags.
type replayOptions struct {
	v       viewFlags
	trace   bool
	sets    []string
	context int
	lf      logFlags
}

func (o *replayOptions) flags(e *env) *pflag.FlagSet {
	v := &o.v
	fs := newFlagSet(e, "replay", "replay RUN|latest|--seed N [--trace] [--set key=value]...",
		"Re-run a recording through the model: rebuild every machine from the run's seed and\n"+
			"parameters, feed it the recorded ticks and arrivals in order, and compare every output.\n"+
			"Prints \"identical\" (exit 0) or the first divergence and a per-machine tally (exit 1).\n"+
			"--set replays the same schedule under changed parameters: "+strings.Join(setKeys(), ", ")+".")
	v.runRef.register(fs)
	fs.BoolVar(&o.trace, "trace", false, "print every replayed event (in replay order), marking those that differ")
	fs.Uint32Var(&v.machine, "machine", 0, "with --trace: only this machine")
	fs.Uint64Var(&v.from, "from", 0, "with --trace: first event index")
	fs.Uint64Var(&v.to, "to", 0, "with --trace: last event index")
	fs.StringArrayVar(&o.sets, "set", nil, "replay under a changed parameter, key=value (repeatable)")
	fs.IntVar(&o.context, "context", 5, "recorded events to show before the first divergence")
	o.lf.register(fs)
	return fs
}

func (o *replayOptions) validate(e *env, fs *pflag.FlagSet) error {
	if err := o.lf.apply(e); err != nil {
		return err
	}
	if o.context < 0 {
		return usageErrorf("--context must not be negative, got %d", o.context)
	}
	return nil
}

func (o *replayOptions) run(e *env, fs *pflag.FlagSet) (err error) {
	st, meta, filter, err := o.v.open(fs)
	if err != nil {
		return err
	}
	defer st.Close()
	opt := replay.Options{Context: o.context}
	if len(o.sets) > 0 {
		p, err := applySets(meta.Params, o.sets)
		if err != nil {
			return err
		}
		opt.Params = &p
	}
	out := bufio.NewWriter(e.stdout)
	defer func() {
		// A failed write sticks in out; Flush reports it once, here.
		if ferr := out.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("write output: %w", ferr)
		}
	}()
	if o.trace {
		var line []byte
		opt.Trace = func(s replay.TraceStep) {
			if tick := recordedTick(s); (filter.Machine != 0 && s.Machine != filter.Machine) || !filter.Keep(&tick) {
				return
			}
			line = appendTraceLine(line[:0], s)
			_, _ = out.Write(line) // the error sticks in out; the deferred Flush reports it
		}
	}
	e.log.Info("replaying", "run", meta.ID, "seed", meta.Seed, "mode", meta.Mode, "status", meta.Status)
	var bar *progress
	if !o.trace {
		stats, err := st.Stats(meta.ID)
		if err != nil {
			return fmt.Errorf("run %s: %w", meta.ID, err)
		}
		var total uint64
		for _, s := range stats {
			total += s.Events
		}
		bar = newProgress(e, o.lf.quiet, int64(total), "replay")
		opt.Progress = func(events uint64) { bar.update(int64(events), events) }
	}
	res, err := replay.Run(st, meta.ID, opt)
	bar.finish()
	if err != nil {
		return fmt.Errorf("replay run %s: %w", meta.ID, err)
	}
	if err := replay.WriteReport(out, res); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if !res.Identical() {
		return errDifferent
	}
	return nil
}

// setKeys are the keys --set takes: the seed and every model parameter.
func setKeys() []string {
	return append([]string{"seed"}, core.ParamNames()...)
}

// applySets reads --set key=value pairs over the recorded parameters.
func applySets(p core.Params, sets []string) (core.Params, error) {
	for _, s := range sets {
		key, val, ok := strings.Cut(s, "=")
		if !ok {
			return p, usageErrorf("--set %q: want key=value", s)
		}
		switch key {
		case "seed":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return p, usageErrorf("--set seed=%q: not a non-negative integer", val)
			}
			p.Seed = n
		default:
			d, ok := core.LookupParam(key)
			if !ok {
				return p, usageErrorf("--set %q: unknown key %q (%s)", s, key, strings.Join(setKeys(), ", "))
			}
			n, err := strconv.Atoi(val)
			if err != nil {
				return p, usageErrorf("--set %s=%q: not an integer", key, val)
			}
			d.Set(&p, n)
		}
	}
	if err := p.Validate(); err != nil {
		return p, usageErrorf("--set: %v", err)
	}
	return p, nil
}
