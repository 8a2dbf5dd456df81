package main

import (
	"fmt"
	"sync"
	"time"

	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// A sim sweep of short runs records them in groups: the sweep's goroutine
// simulates each run into memory (replay.SimulateHeld) and
// analyses it from memory (report.AnalyzeLogs: the figures Analyze gives
// once it is stored), and a second goroutine (sweepRecorder) encodes it
// into a Recorder and commits the runs that finished in the last
// sweepCommitEvery together (record.Store.FinishTogether): one commit and
// one fsync for many runs instead of one each. A run counts as done, in
// the progress bar and in the table, only once its commit has returned,
// so everything the sweep reports is on disk; a kill -9 loses the runs
// of the group not yet committed (at most sweepCommitEvery of work, which
// the sweep had not reported).
const (
	// sweepCommitEvery is the longest a finished run waits for its commit.
	sweepCommitEvery = 100 * time.Millisecond
	// sweepCommitEntries bounds a group's entries, and so the memory its
	// encoded entries take until the commit (about 12 bytes each).
	sweepCommitEntries = 1 << 20
)

// heldEntryLimit is the most entries a run may have, by its bound
// (heldBound), to be simulated into memory: its buffer is then at most
// 13 MB. Longer runs are recorded as 'lamport sim' records them, each
// with commits of its own, and analysed from the store. A variable, so
// that a test can send every run one way or the other.
var heldEntryLimit = float64(1 << 16)

// heldBound is the most entries a run of variant v can have: each machine
// ticks at most MaxRate times a second, and each tick sends to at most
// every other machine, each message arriving once (a sweep injects no
// faults).
func (p sweepPlan) heldBound(v sweepVariant) float64 {
	n := float64(len(p.configOf(v).Machines))
	return p.duration.Seconds() * n * float64(v.params.MaxRate) * n
}

// holds reports whether the runs of variant v are simulated into memory
// and recorded in groups.
func (p sweepPlan) holds(v sweepVariant) bool {
	return p.mode == "sim" && p.heldBound(v) <= heldEntryLimit
}

// heldRun is a simulated run on its way to the store.
type heldRun struct {
	vi     int
	sim    replay.HeldSim
	status record.Status
	ended  time.Time
	// figures and events are a complete run's.
	figures report.RunFigures
	events  uint64
	// barrier, when set, makes this a request rather than a run: commit
	// every run handed over so far, then close barrier.
	barrier chan struct{}
}

// sweepRecorder records and analyses held runs on its own goroutine and
// commits them in groups. Results appear in the order runs were handed
// over, each once its commit returned.
type sweepRecorder struct {
	st        *record.Store
	sweepID   string
	variants  []sweepVariant
	duration  time.Duration
	runMillis int64
	bar       *progress

	runs chan heldRun
	// free holds entry buffers for reuse.
	free chan []record.MachineEntry
	done chan struct{}

	mu sync.Mutex
	// Guarded by mu: the committed runs' figures per variant, in the
	// order handed over; the runs done and their events; the cut run,
	// once committed as interrupted; the first error.
	figures [][]report.RunFigures
	nDone   int
	events  uint64
	cut     string
	err     error
}

func newSweepRecorder(p sweepPlan, st *record.Store, bar *progress) *sweepRecorder {
	w := &sweepRecorder{
		st: st, sweepID: p.id, variants: p.variants, duration: p.duration, runMillis: p.duration.Milliseconds(), bar: bar,
		runs:    make(chan heldRun, 4),
		free:    make(chan []record.MachineEntry, 6),
		done:    make(chan struct{}),
		figures: make([][]report.RunFigures, len(p.variants)),
	}
	go w.loop()
	return w
}

// buffer is an entry buffer for the next run.
func (w *sweepRecorder) buffer() []record.MachineEntry {
	select {
	case b := <-w.free:
		return b
	default:
		return nil
	}
}

// hand analyses a simulated run and passes it on to be recorded. The
// analysis is the caller's work, the recording and commits the
// recorder's: on two cores the two take about as long.
func (w *sweepRecorder) hand(vi int, sim replay.HeldSim) error {
	r := heldRun{vi: vi, sim: sim}
	r.status, r.ended = sim.Ending(w.duration)
	if r.status == record.StatusComplete {
		meta := sim.Meta
		meta.Status, meta.Ended, meta.Schema = r.status, r.ended, record.SchemaVersion
		a, err := report.AnalyzeLogs(meta, sim.Entries)
		if err != nil {
			return fmt.Errorf("sweep %s: %w", w.sweepID, err)
		}
		r.figures, r.events = report.FiguresOf(a), a.Events
	}
	w.runs <- r
	return nil
}

// sync returns once every run handed over is committed (or has failed).
func (w *sweepRecorder) sync() {
	b := make(chan struct{})
	w.runs <- heldRun{barrier: b}
	<-b
}

// close commits what is left and stops the goroutine.
func (w *sweepRecorder) close() {
	close(w.runs)
	<-w.done
}

// failed is the first error of a run's recording, analysis or commit.
func (w *sweepRecorder) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// add counts a run that is done: recorded, committed and analysed.
func (w *sweepRecorder) add(vi int, f report.RunFigures, events uint64) {
	w.mu.Lock()
	w.figures[vi] = append(w.figures[vi], f)
	w.nDone++
	w.events += events
	done, all := w.nDone, w.events
	w.mu.Unlock()
	w.bar.update(int64(done)*w.runMillis, all)
}

// progress is the runs done and their events so far.
func (w *sweepRecorder) progress() (int, uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nDone, w.events
}

func (w *sweepRecorder) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// pendingRun is a held run recorded but not yet committed.
type pendingRun struct {
	vi      int
	rec     *record.Recorder
	id      string
	seed    uint64
	status  record.Status
	ended   time.Time
	figures report.RunFigures
	events  uint64
}

func (w *sweepRecorder) loop() {
	defer close(w.done)
	var group []pendingRun
	entries := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	commit := func() {
		timer.Stop()
		if len(group) == 0 {
			return
		}
		ends := make([]record.Ending, len(group))
		for i, r := range group {
			ends[i] = record.Ending{Rec: r.rec, Status: r.status, Ended: r.ended}
		}
		if err := w.st.FinishTogether(ends); err != nil {
			first := group[0]
			w.fail(fmt.Errorf("sweep %s variant %q seed %d: %w", w.sweepID, w.variants[first.vi].name, first.seed, err))
		} else {
			for _, r := range group {
				if r.status == record.StatusComplete {
					w.add(r.vi, r.figures, r.events)
				} else {
					w.mu.Lock()
					w.cut = r.id
					w.mu.Unlock()
				}
			}
		}
		group, entries = group[:0], 0
	}
	for {
		select {
		case <-timer.C:
			commit()
			continue
		case r, ok := <-w.runs:
			if !ok {
				commit()
				return
			}
			if r.barrier != nil {
				commit()
				close(r.barrier)
				continue
			}
			if pr, ok := w.record(r); ok {
				if len(group) == 0 {
					timer.Reset(sweepCommitEvery)
				}
				group = append(group, pr)
				entries += len(r.sim.Entries)
			}
			select {
			case w.free <- r.sim.Entries[:0]:
			default:
			}
			if entries >= sweepCommitEntries {
				commit()
			}
		}
	}
}

// record encodes r into a Recorder; false when no
// Recorder took it: an earlier run failed, or this one's could not begin
// (the error is kept).
func (w *sweepRecorder) record(r heldRun) (pendingRun, bool) {
	if w.failed() != nil {
		return pendingRun{}, false
	}
	meta := r.sim.Meta
	pr := pendingRun{vi: r.vi, id: meta.ID, seed: meta.Seed, status: r.status, ended: r.ended, figures: r.figures, events: r.events}
	where := func(err error) error {
		return fmt.Errorf("sweep %s variant %q seed %d: %w", w.sweepID, w.variants[r.vi].name, meta.Seed, err)
	}
	rec, err := w.st.BeginRecording(meta, record.RecorderOptions{FlushEvery: 10 * sweepCommitEvery})
	if err != nil {
		w.fail(where(err))
		return pr, false
	}
	rec.AddBatch(r.sim.Entries)
	pr.rec = rec
	return pr, true
}
