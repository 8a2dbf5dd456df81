package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/internal/textfmt"
	"lamport/replay"
)

// faultFlags are the fault-injection flags of sim.
type faultFlags struct {
	drop, dup     float64
	spike, clog   string
	partitions    []string
	crashes       []string
	randomCrashes string
	restart       string
	swarm         bool
}

func (o *faultFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&o.drop, "drop", 0, "probability that a message is lost (0..1)")
	fs.Float64Var(&o.dup, "dup", 0, "probability that a message is delivered twice (0..1)")
	fs.StringVar(&o.spike, "spike", "", "latency spikes `P:EXTRA`: with probability P a message takes EXTRA longer (0.01:500ms)")
	fs.StringArrayVar(&o.partitions, "partition", nil, "cut a link for a while: `A-B@FROM-TO` both ways, 'A>B@FROM-TO' one way (quote the >; 2-3@10s-20s); repeatable")
	fs.StringVar(&o.clog, "clog", "", "clog every link at random, `EVERY:FOR` mean times (30s:2s): messages wait for the link")
	fs.StringArrayVar(&o.crashes, "crash", nil, "crash a machine for a while: `ID@FROM-TO` (2@10s-20s); repeatable")
	fs.StringVar(&o.randomCrashes, "crashes", "", "crash every machine at random, `EVERY:FOR` mean times (1m:5s)")
	fs.StringVar(&o.restart, "restart", "keep", "what a machine's clock does when it restarts after a crash: keep or reset")
	fs.BoolVar(&o.swarm, "swarm", false, "draw the faults themselves from the seed (each kind on or off, and how strong)")
}

// faults resolves the flags for the run s sets up; every problem is a
// usage error naming the flag.
func (o *faultFlags) faults(fs *pflag.FlagSet, s setup) (core.Faults, error) {
	if o.swarm {
		for _, name := range []string{"drop", "dup", "spike", "partition", "clog", "crash", "crashes", "restart"} {
			if fs.Changed(name) {
				return core.Faults{}, usageErrorf("--swarm draws every fault from the seed; leave out --%s", name)
			}
		}
		return core.Swarm(s.params.Seed, s.duration), nil
	}
	f := core.Faults{Drop: o.drop, Dup: o.dup}
	var err error
	if o.spike != "" {
		if f.Spike, err = core.ParseSpike(o.spike); err != nil {
			return f, usageErrorf("--spike: %v", err)
		}
	}
	if o.clog != "" {
		if f.Clog, err = core.ParseClog(o.clog); err != nil {
			return f, usageErrorf("--clog: %v", err)
		}
	}
	if o.randomCrashes != "" {
		if f.RandomCrashes, err = core.ParseClog(o.randomCrashes); err != nil {
			return f, usageErrorf("--crashes: %v", err)
		}
	}
	if f.Partitions, err = parsePartitions(o.partitions); err != nil {
		return f, err
	}
	for _, s := range o.crashes {
		c, err := core.ParseCrash(s)
		if err != nil {
			return f, usageErrorf("--crash: %v", err)
		}
		f.Crashes = append(f.Crashes, c)
	}
	switch o.restart {
	case "keep":
	case "reset":
		f.ResetClock = true
	default:
		return f, usageErrorf("--restart: want keep or reset, got %q", o.restart)
	}
	if err := f.Validate(s.cfg.IDs()); err != nil {
		return f, usageErrorf("faults: %v", err)
	}
	return f, nil
}

// parsePartitions reads the --partition values, in order.
func parsePartitions(values []string) ([]core.Partition, error) {
	var out []core.Partition
	for _, v := range values {
		p, err := core.ParsePartition(v)
		if err != nil {
			return nil, usageErrorf("--partition: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// addFaultOptions records f in a run's options, as the flags that set it.
func addFaultOptions(opts map[string]string, f core.Faults, swarm bool) {
	for _, kv := range f.Options() {
		opts[kv[0]] = kv[1]
	}
	if swarm {
		opts["swarm"] = "true"
	}
}

// faultSummary is the line sim prints about injected faults.
func faultSummary(res replay.SimResult) string {
	crashes := "crashes"
	if res.Crashes == 1 {
		crashes = "crash"
	}
	return fmt.Sprintf("faults: %s messages lost, %s duplicated, %s %s",
		textfmt.Thousands(res.Lost), textfmt.Thousands(res.Duplicated), textfmt.Thousands(res.Crashes), crashes)
}

// liveFaultFlags are the faults run and machine inject at the sending
// side; duplicates, spikes, clogs and crashes are the simulator's (a live
// machine is crashed with kill -9).
type liveFaultFlags struct {
	drop       float64
	partitions []string
	delay      string
}

func (o *liveFaultFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&o.drop, "drop", 0, "probability that a sent message is lost, decided at the sender (0..1)")
	fs.StringArrayVar(&o.partitions, "partition", nil, "cut a link for a while, times since the run's start: `A-B@FROM-TO` both ways, 'A>B@FROM-TO' one way (quote the >); repeatable")
	fs.StringVar(&o.delay, "delay", "", "extra latency per message before it is sent: constant:D, uniform:A-B or exp:MEAN (links stay FIFO)")
}

// faults resolves the flags for the run s sets up.
func (o *liveFaultFlags) faults(s setup) (core.Faults, core.Latency, error) {
	f := core.Faults{Drop: o.drop}
	var err error
	if f.Partitions, err = parsePartitions(o.partitions); err != nil {
		return f, core.Latency{}, err
	}
	if err := f.Validate(s.cfg.IDs()); err != nil {
		return f, core.Latency{}, usageErrorf("faults: %v", err)
	}
	var delay core.Latency
	if o.delay != "" {
		if delay, err = core.ParseLatency(o.delay); err != nil {
			return f, delay, usageErrorf("--delay: %v", err)
		}
	}
	return f, delay, nil
}

// args repeats the flags for a 'lamport machine' child process.
func (o *liveFaultFlags) args() []string {
	var out []string
	if o.drop > 0 {
		out = append(out, "--drop", strconv.FormatFloat(o.drop, 'g', -1, 64))
	}
	for _, p := range o.partitions {
		out = append(out, "--partition", p)
	}
	if o.delay != "" {
		out = append(out, "--delay", o.delay)
	}
	return out
}

// addLiveFaultOptions records the send-side faults in a run's options.
func addLiveFaultOptions(opts map[string]string, f core.Faults, delay core.Latency) {
	addFaultOptions(opts, f, false)
	if delay != (core.Latency{}) {
		opts["delay"] = delay.String()
	}
}
