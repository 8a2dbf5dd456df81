package replay

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"lamport/core"
	"lamport/record"
)

// SimRun is a simulation to be recorded as a run of mode "sim".
type SimRun struct {
	RunID  string
	Config core.Config
	Spec   SimSpec
	// Started is the run's wall-clock label; the simulation itself never
	// reads a clock, so the caller supplies it.
	Started  time.Time
	Tool     string
	Options  map[string]string
	Recorder record.RecorderOptions
}

// simFlushEvery is how often a recorded simulation commits, at the least.
// A crash loses at most that much of the run, which the seed can make
// again; each commit rewrites pages of every machine it touches, so with
// thousands of machines fewer commits are much cheaper.
const simFlushEvery = time.Second

// meta is the metadata RecordSim begins run's recording with: status
// running.
func (run SimRun) meta() record.RunMeta {
	p := run.Spec.Params
	meta := record.RunMeta{
		ID: run.RunID, Seed: p.Seed, Mode: "sim", Params: p, Speed: 1,
		Config: run.Config.Machines, Fingerprint: core.Fingerprint(run.Config.Machines, p),
		Status: record.StatusRunning, Started: run.Started, Tool: run.Tool, Options: run.Options,
	}
	for _, id := range run.Config.IDs() {
		meta.Machines = append(meta.Machines, record.MachineMeta{ID: id, Rate: core.Rate(p, id), StartWall: run.Started})
	}
	return meta
}

// RecordSim simulates and records run into st. Every machine's offsets are
// virtual time since Started.
func RecordSim(st *record.Store, run SimRun) (SimResult, error) {
	spec, meta := run.Spec, run.meta()
	spec.Machines = run.Config.IDs()
	if err := spec.Params.Validate(); err != nil {
		return SimResult{}, err
	}
	if run.Recorder.FlushEvery == 0 {
		run.Recorder.FlushEvery = simFlushEvery
	}
	rec, err := st.BeginRecording(meta, run.Recorder)
	if err != nil {
		return SimResult{}, fmt.Errorf("record sim run %s: %w", run.RunID, err)
	}
	spec.Abort = rec.Failed()
	pipe := newRecordPipe(rec)
	res, simErr := simulate(spec, nil, pipe)
	pipe.close()
	collectBeforeLastCommit(rec)
	var recErr error
	if simErr == nil {
		// The common case: the last entries and the end in one commit.
		if recErr = rec.Finish(record.StatusComplete, run.Started.Add(spec.Duration)); recErr == nil {
			return res, nil
		}
	} else {
		recErr = rec.Close()
	}
	if recErr != nil && errors.Is(simErr, ErrAborted) {
		simErr = nil // the recorder's error says why
	}
	// Stopped or failed: it ended at the last entry the store kept, not at
	// Duration.
	ended := run.Started
	if stats, err := st.Stats(run.RunID); err == nil {
		for _, s := range stats {
			if at := run.Started.Add(s.LastAt); at.After(ended) {
				ended = at
			}
		}
	}
	finErr := st.FinishRun(run.RunID, record.StatusInterrupted, ended)
	return res, errors.Join(simErr, recErr, finErr)
}

// bigLastCommit is the number of pending entries from which the last
// commit of a recorded simulation is preceded by a garbage collection.
const bigLastCommit = 1 << 20

// collectBeforeLastCommit runs the garbage collector when the simulation
// has ended and the last commit is large. The simulation's state is then
// garbage, most of the heap, while the commit is about to allocate a page
// buffer for every page it writes; collected first, the commit reuses that
// memory instead of growing the heap. A run of 10 000 machines for one
// second, whose whole second is one commit of 1.6 M entries, peaked at
// 216-222 MB without it and 181-199 MB with it, for a collection of a few
// milliseconds. Small last commits, as a long run's or a short run's, are
// left alone: there it would cost more than it saves.
func collectBeforeLastCommit(rec *record.Recorder) {
	if rec.Pending() >= bigLastCommit {
		runtime.GC()
	}
}
