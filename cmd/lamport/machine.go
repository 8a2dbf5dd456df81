package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/live"
)

// machineOptions are machine's flags and what validate resolves of them.
type machineOptions struct {
	setupFlags
	secret         secretFlag
	id             uint32
	runID          string
	store          string
	logDir         string
	connectTimeout time.Duration
	// ofProcs is set by 'run --procs' for the machine processes it starts:
	// stopped by a signal, such a process exits without a line, since the
	// run that started it says what was kept, and where, once it merged.
	ofProcs bool
	liveFaultFlags
	logFlags

	s          setup
	liveFaults core.Faults
	delay      core.Latency
	runSecret  []byte
}

func (o *machineOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "machine", "machine --id N [flags]",
		"Run one machine of the config in this process: listen on its address, connect to its peers,\n"+
			"tick and record to its own store. Start one per machine, in separate terminals or on\n"+
			"separate hosts, with the same config, seed and parameters; then 'lamport merge' the stores.\n"+
			"The machines start ticking together once all are connected, and each measures the others'\n"+
			"clocks, so the merged run has one time axis even when the hosts' clocks disagree.\n\n"+
			"If its store already holds the run (the process was killed), the same command rejoins\n"+
			"it: the machine is rebuilt from its recorded log, a crash and a restart are recorded,\n"+
			"and it ticks on to the end of the run while its peers reconnect.")
	fs.Uint32Var(&o.id, "id", 0, "which machine of the config this process is (required)")
	o.setupFlags.register(fs)
	fs.Lookup("seed").Usage = "run seed, the same for every machine of the run (required: here or \"seed\" in the config)"
	fs.StringVar(&o.runID, "run-id", "", "run id shared by all machines of the run (default: derived from the seed and config)")
	fs.StringVar(&o.store, "store", "", "this machine's store file (default machine-<id>.db)")
	fs.StringVar(&o.logDir, "log-dir", "logs", "directory for the logs: <dir>/<run id>/log_<id>.txt, appended to when rejoining (\"\" for none)")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 30*time.Second, "how long to wait for every peer to be reachable")
	fs.BoolVar(&o.ofProcs, ofProcsFlag, false, "started by 'run --procs'")
	_ = fs.MarkHidden(ofProcsFlag)
	o.liveFaultFlags.register(fs)
	o.secret.register(fs)
	o.logFlags.register(fs)
	fs.Lookup("quiet").Usage = "print only the result: no warnings or other diagnostics"
	return fs
}

// validate checks the flags and resolves the setup: the config, the
// parameters, the secret, the faults, and the run id and store that
// default from them. Without a secret on a host others can reach it warns.
func (o *machineOptions) validate(e *env, fs *pflag.FlagSet) error {
	if err := o.logFlags.apply(e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("machine takes no arguments, got %q", fs.Args())
	}
	if !fs.Changed("id") || o.id == 0 {
		return usageErrorf("machine needs --id N, a machine id from the config")
	}
	s, err := o.resolve(fs)
	if err != nil {
		return err
	}
	o.s = s
	if o.connectTimeout <= 0 {
		return usageErrorf("--connect-timeout must be positive, got %v", o.connectTimeout)
	}
	secret, err := o.secret.resolve(fs)
	if err != nil {
		return err
	}
	o.runSecret = secret
	if !s.seedChosen {
		return usageErrorf("machine needs --seed (or \"seed\" in the config) so every machine of the run agrees")
	}
	if o.liveFaults, o.delay, err = o.liveFaultFlags.faults(s); err != nil {
		return err
	}
	id := core.MachineID(o.id)
	self, ok := s.cfg.Machine(id)
	if !ok {
		return usageErrorf("machine %d is not in %s (ids: %s)", id, o.config, machineIDs(s.cfg.IDs()))
	}
	if secret == nil && !loopbackHost(self.Host) {
		// Once, before anything listens: the run works, but anyone who
		// can reach the address can pass for a machine of it.
		e.log.Warn("no secret: machine " + uint64String(uint64(id)) + " listens on " + self.Host + ", where any host that can reach it can join the run as a machine; give every machine the same " + secretEnv)
	}
	// Checked here, not only in live.Run, so the refusal comes before the
	// store is created.
	for _, m := range s.cfg.Machines {
		if m.ID != id && m.Port == 0 {
			return usageErrorf("config %s: machine %d has port 0 (any free port), but machine %d must know where to reach it; give it a real port", o.config, m.ID, id)
		}
	}
	if o.runID == "" {
		o.runID = "seed" + uint64String(s.params.Seed) + "-" + core.Fingerprint(s.cfg.Machines, s.params)[:8]
	}
	if o.store == "" {
		o.store = "machine-" + uint64String(uint64(id)) + ".db"
	}
	return nil
}

func (o *machineOptions) run(e *env, fs *pflag.FlagSet) error {
	s, faults, delay, secret, id := o.s, o.liveFaults, o.delay, o.runSecret, core.MachineID(o.id)
	if err := checkStart(s.cfg, []core.MachineID{id}, o.logDir, o.store); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := openStore(o.store, false)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := s.options()
	addLiveFaultOptions(opts, faults, delay)
	_, err = st.Run(o.runID)
	resume := err == nil
	if resume {
		e.log.Info("the store holds this run already: rejoining it", "machine", id, "run", o.runID)
	}
	e.log.Info("starting machine", "machine", id, "run", o.runID, "seed", s.params.Seed, "store", o.store)
	res, runErr := live.Run(ctx, live.Spec{
		RunID: o.runID, Config: s.cfg, Params: s.params, Speed: s.speed, Duration: s.duration,
		Local: []core.MachineID{id}, Store: st, LogDir: o.logDir, ConnectTimeout: o.connectTimeout,
		Faults: faults, Delay: delay, Tool: toolVersion, Options: opts, Secret: secret, Resume: resume,
	})
	if res.Meta.ID != "" {
		printRunSummary(e.stdout, o.store, res.Meta, res.Stats)
		printLogsLine(e.stdout, o.logDir, res.Meta)
	}
	if o.ofProcs && ctx.Err() != nil {
		return errStoppedForParent
	}
	if ctx.Err() == nil && errors.Is(runErr, context.DeadlineExceeded) && res.Meta.ID == "" {
		// Most often the other machines were not started, or not in time.
		runErr = fmt.Errorf("%w; start every machine of the config ('lamport machine --id N' with the same config and --seed) within --connect-timeout (%v) of each other", runErr, o.connectTimeout)
	}
	return stoppedBy(ctx, runErr, "machine "+uint64String(uint64(id))+"'s part of run "+o.runID+" is recorded up to the stop in "+o.store)
}

// ofProcsFlag is machine's hidden flag for the processes of 'run --procs'.
const ofProcsFlag = "of-procs"
