package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/live"
	"lamport/record"
)

// runOptions are run's flags and what validate resolves of them.
type runOptions struct {
	setupFlags
	secret         secretFlag
	store          string
	logDir         string
	procs          bool
	connectTimeout time.Duration
	commitLog
	logFlags
	liveFaultFlags

	s          setup
	liveFaults core.Faults
	delay      core.Latency
	runSecret  []byte
	madeSecret bool
}

func (o *runOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "run", "run [flags]",
		"Start every machine of the config, let them tick and exchange messages over real TCP,\n"+
			"and record every event to the store. Ctrl-C stops the run cleanly: what ran is\n"+
			"recorded, and the command exits 130.")
	o.setupFlags.register(fs)
	fs.StringVar(&o.store, "store", "lamport.db", "bbolt store the run is recorded to")
	fs.StringVar(&o.logDir, "log-dir", "logs", "directory for the logs: <dir>/<run id>/log_<id>.txt, one per machine (\"\" for none)")
	fs.BoolVar(&o.procs, "procs", false, "start one OS process per machine ('lamport machine --id N') and merge their stores")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 30*time.Second, "how long to wait for every peer to be reachable")
	o.liveFaultFlags.register(fs)
	o.commitLog.register(fs)
	o.secret.registerOwn(fs)
	o.logFlags.register(fs)
	return fs
}

// validate checks the flags and resolves the setup: the config, the
// parameters, the faults and the secret.
func (o *runOptions) validate(e *env, fs *pflag.FlagSet) error {
	if err := o.logFlags.apply(e); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("run takes no arguments, got %q", fs.Args())
	}
	var err error
	if o.s, err = o.resolve(fs); err != nil {
		return err
	}
	if o.liveFaults, o.delay, err = o.liveFaultFlags.faults(o.s); err != nil {
		return err
	}
	if o.connectTimeout <= 0 {
		return usageErrorf("--connect-timeout must be positive, got %v", o.connectTimeout)
	}
	o.runSecret, o.madeSecret, err = o.secret.resolveOrMake(fs)
	return err
}

func (o *runOptions) run(e *env, fs *pflag.FlagSet) error {
	s, faults, delay, secret, madeSecret := o.s, o.liveFaults, o.delay, o.runSecret, o.madeSecret
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Everything that can be refused is refused before the first log line,
	// so a refusal is one line on stderr.
	if !o.procs {
		if err := live.CheckFileLimit(len(s.cfg.Machines), len(s.cfg.Machines)); err != nil {
			return usageErrorf("%v", err)
		}
	}
	if o.procs {
		for _, m := range s.cfg.Machines {
			if m.Port == 0 {
				return usageErrorf("--procs needs a real port for every machine; machine %d has port 0 in %s", m.ID, o.config)
			}
		}
		if err := checkExistingStore(o.store); err != nil {
			return err
		}
	}
	if err := checkStart(s.cfg, s.cfg.IDs(), o.logDir, o.store); err != nil {
		return err
	}
	runID := newRunID(time.Now())
	logStart := func() {
		e.log.Info("starting run", "run", runID, "seed", s.params.Seed, "machines", len(s.cfg.Machines),
			"duration", s.duration, "speed", s.speed, "procs", o.procs, "store", o.store, "secret", secretSource(madeSecret))
	}
	kept := "run " + runID + " is recorded up to the stop"
	if o.procs {
		logStart()
		return stoppedBy(ctx, o.runProcs(ctx, e, s, runID, secret), kept)
	}
	st, err := openStore(o.store, false)
	if err != nil {
		return err
	}
	defer st.Close()
	logStart()
	bar := newProgress(e, o.quiet, s.duration.Milliseconds(), "run")
	opts := s.options()
	addLiveFaultOptions(opts, faults, delay)
	res, runErr := live.Run(ctx, live.Spec{
		RunID: runID, Config: s.cfg, Params: s.params, Speed: s.speed, Duration: s.duration,
		Faults: faults, Delay: delay,
		Store: st, LogDir: o.logDir, ConnectTimeout: o.connectTimeout, Tool: toolVersion, Options: opts,
		Recorder: o.recorderOptions(e, runID),
		Secret:   secret,
		Progress: func(elapsed time.Duration, events uint64) { bar.update(elapsed.Milliseconds(), events) },
	})
	bar.finish()
	if res.Meta.ID != "" {
		printRunSummary(e.stdout, o.store, res.Meta, res.Stats)
		printLogsLine(e.stdout, o.logDir, res.Meta)
	}
	return stoppedBy(ctx, runErr, kept)
}

// runProcs is what start_all did: one 'lamport machine' process per
// machine, each with its own store file, merged into --store at the end.
func (o *runOptions) runProcs(ctx context.Context, e *env, s setup, runID string, secret []byte) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	configPath, err := filepath.Abs(o.config)
	if err != nil {
		return fmt.Errorf("config %s: %w", o.config, err)
	}
	tmp, err := os.MkdirTemp("", "lamport-"+runID+"-")
	if err != nil {
		return fmt.Errorf("temporary directory for machine stores: %w", err)
	}
	// The machines' stores are the run until they are merged: if the merge
	// fails (a full disk), they stay, and the error says how to finish it.
	keepStores := false
	defer func() {
		if !keepStores {
			os.RemoveAll(tmp)
		}
	}()
	// If this process is killed the machine processes run on and finish
	// their stores here, which nobody then merges: say where they are.
	e.log.Info("machine stores", "dir", tmp, "merge by hand if this process dies", "lamport merge "+o.store+" "+filepath.Join(tmp, "machine-*.db"))

	// The first machine process to fail stops the others: without it they
	// would wait out --connect-timeout for a peer that is not coming.
	childCtx, stopChildren := context.WithCancel(ctx)
	defer stopChildren()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error
		parts  []string
	)
	// Only the first failure is the cause; the processes it stops fail too.
	fail := func(err error) {
		mu.Lock()
		if len(failed) == 0 {
			failed = append(failed, err)
		}
		mu.Unlock()
		stopChildren()
	}
	for _, id := range s.cfg.IDs() {
		part := filepath.Join(tmp, "machine-"+strconv.FormatUint(uint64(id), 10)+".db")
		parts = append(parts, part)
		cmd := exec.Command(exe, "machine", "--id", strconv.FormatUint(uint64(id), 10),
			"--run-id", runID, "--config", configPath, "--store", part, "--log-dir", o.logDir,
			"--seed", strconv.FormatUint(s.params.Seed, 10), "--duration", s.duration.String(),
			"--speed", strconv.FormatFloat(s.speed, 'g', -1, 64))
		cmd.Args = append(cmd.Args, paramArgs(s.params)...)
		cmd.Args = append(cmd.Args, "--connect-timeout", o.connectTimeout.String(), "--"+ofProcsFlag)
		cmd.Args = append(cmd.Args, o.liveFaultFlags.args()...)
		cmd.Args = append(cmd.Args, o.logFlags.args()...)
		cmd.Stderr = e.stderr
		if secret != nil {
			// Through the environment, not argv, which any user can read.
			cmd.Env = append(os.Environ(), secretEnv+"="+string(secret))
		}
		if err := cmd.Start(); err != nil {
			fail(fmt.Errorf("start machine %d: %w", id, err))
			break
		}
		wg.Go(func() {
			err := waitChild(childCtx, cmd)
			if err == nil || ctx.Err() != nil {
				return
			}
			err = fmt.Errorf("machine %d process: %w", id, err)
			if killed(err) {
				// A machine that crashed is a fault the others live
				// through, as in a real system: their sends to it are
				// recorded as lost, and the run goes on.
				e.log.Warn("a machine process was killed; the others run on", "machine", id, "err", err)
				mu.Lock()
				failed = append(failed, err)
				mu.Unlock()
				return
			}
			fail(err)
		})
	}
	wg.Wait()
	failure := errors.Join(failed...)

	out, err := openStore(o.store, false)
	if err != nil {
		keepStores = true
		return errors.Join(failure, mergeByHand(err, o.store, parts))
	}
	defer out.Close()
	if err := mergeFiles(out, parts); err != nil {
		keepStores = true
		return errors.Join(failure, mergeByHand(err, o.store, parts))
	}
	meta, err := out.Run(runID)
	if errors.Is(err, record.ErrNotFound) {
		if failure == nil {
			failure = live.ErrNotStarted
		}
		return failure
	}
	if err != nil {
		return errors.Join(failure, err)
	}
	stats, err := out.Stats(runID)
	if err != nil {
		return errors.Join(failure, err)
	}
	if len(stats) == 0 {
		// No machine recorded a single entry: a process killed before the
		// others reached it leaves a part that names the run and nothing
		// else. The run never started, so it is not kept.
		if err := out.DeleteRun(runID); err != nil {
			return errors.Join(failure, err)
		}
		if failure == nil {
			failure = live.ErrNotStarted
		}
		return failure
	}
	if meta.Partial() {
		// Some machine process died before it recorded even the run's
		// metadata (or gave up before its peers were all reachable). It is
		// one of this run's machines all the same, started here: list it,
		// with the rate its seed draws and no log, so that the run replays
		// with it as an empty cut log rather than being taken for one
		// process's part of a run. The run is interrupted.
		err := out.UpdateRun(runID, func(m *record.RunMeta) {
			for _, id := range s.cfg.IDs() {
				if _, ok := m.Machine(id); !ok {
					m.Machines = append(m.Machines, record.MachineMeta{ID: id, Rate: core.Rate(s.params, id), StartWall: m.Started})
				}
			}
			m.Status = record.StatusInterrupted
		})
		if err != nil {
			return errors.Join(failure, err)
		}
		if meta, err = out.Run(runID); err != nil {
			return errors.Join(failure, err)
		}
	}
	printRunSummary(e.stdout, o.store, meta, stats)
	printLogsLine(e.stdout, o.logDir, meta)
	return failure
}

// mergeByHand is the error of a --procs run whose machines' stores could not
// be merged into store: the cause, where the stores are kept, and the
// command that completes the run once the cause is fixed.
func mergeByHand(cause error, store string, parts []string) error {
	var kept []string
	for _, p := range parts {
		if _, err := os.Stat(p); err == nil {
			kept = append(kept, p)
		}
	}
	return fmt.Errorf("%w; the machines' stores are kept in %s: once that is fixed, complete the run with: lamport merge %s %s",
		cause, filepath.Dir(parts[0]), store, strings.Join(kept, " "))
}

// killed reports whether err is a process's death by a signal it did not
// ask for (kill -9, a crash), as opposed to its own failure.
func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() != syscall.SIGTERM
}

// waitChild waits for a machine process, passing on a stop request as
// SIGTERM so the child flushes its store before it exits.
func waitChild(ctx context.Context, cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		return <-done
	}
}

// mergeFiles merges the per-machine store files that exist into out; a
// machine process that died before creating its file is reported by its
// exit status, not here.
func mergeFiles(out *record.Store, paths []string) error {
	var ins []*record.Store
	defer func() {
		for _, in := range ins {
			in.Close()
		}
	}()
	for _, p := range paths {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		in, err := openStore(p, true)
		if err != nil {
			return err
		}
		ins = append(ins, in)
	}
	if err := record.Merge(out, ins...); err != nil {
		return fmt.Errorf("merge into %s: %w", out.Path(), err)
	}
	return nil
}

func machineIDs(ids []core.MachineID) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += strconv.FormatUint(uint64(id), 10)
	}
	return s
}
