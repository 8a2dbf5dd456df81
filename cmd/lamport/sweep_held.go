package main

import (
	"fmt"
	"sync"
	"time"

	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

// A sim sweep of short runs records them in groups, in a pipeline of
// three goroutines: the sweep's own simulates each run into memory
// (replay.SimulateHeld); the second (sweepRecorder.loop) analyses it from
// memory (report.AnalyzeLogs: the figures Analyze gives once it is
// stored) and encodes it into a Recorder; the third (commitLoop) commits
// the runs that finished in the last sweepCommitEvery together
// (record.Store.FinishTogether): one commit and one fsync for many runs
// instead of one each, while the next group is encoded. A run counts as done, in
// the progress bar and in the table, only once its commit has returned,
// so everything the sweep reports is on disk; a kill -9 loses the runs
// of the groups not yet committed (those finished in the last
// sweepCommitEvery, or during the commit before, which the sweep had not
// reported).
const (
	// sweepCommitEvery is the longest a finished run waits for its
	// group's commit to start, unless the previous commit takes longer.
	sweepCommitEvery = 20 * time.Millisecond
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
	// barrier, when set, makes this a request rather than a run: commit
	// every run handed over so far, then close barrier.
	barrier chan struct{}
}

// sweepRecorder records and analyses held runs on its own goroutine and
// commits them in groups. Results appear in the order runs were handed
// over, each once its commit returned.
type sweepRecorder struct {
	st       *record.Store
	sweepID  string
	variants []sweepVariant
	duration time.Duration
	// onCommit, if set, is called after each group's commit with the runs
	// done so far and the id of the group's last run; never concurrently.
	onCommit func(done int, last string)

	runs chan heldRun
	// free holds entry buffers for reuse.
	free      chan []record.MachineEntry
	done      chan struct{}
	closeOnce sync.Once

	mu sync.Mutex
	// Guarded by mu: the committed runs' figures per variant, in the
	// order handed over; the runs done; the cut run, once committed as
	// interrupted; the first error.
	figures [][]report.RunFigures
	nDone   int
	cut     string
	err     error
}

func newSweepRecorder(p sweepPlan, st *record.Store) *sweepRecorder {
	w := &sweepRecorder{
		st: st, sweepID: p.id, variants: p.variants, duration: p.duration,
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

// hand passes a simulated run on to be analysed and recorded.
func (w *sweepRecorder) hand(vi int, sim replay.HeldSim) {
	r := heldRun{vi: vi, sim: sim}
	r.status, r.ended = sim.Ending(w.duration)
	w.runs <- r
}

// sync returns once every run handed over is committed (or has failed).
func (w *sweepRecorder) sync() {
	b := make(chan struct{})
	w.runs <- heldRun{barrier: b}
	<-b
}

// close commits what is left and stops the goroutine. Only the first
// call does anything, so a deferred close covers every return.
func (w *sweepRecorder) close() {
	w.closeOnce.Do(func() {
		close(w.runs)
		<-w.done
	})
}

// failed is the first error of a run's recording, analysis or commit.
func (w *sweepRecorder) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// add counts a run that is done: recorded, committed and analysed.
func (w *sweepRecorder) add(vi int, f report.RunFigures) {
	w.mu.Lock()
	w.figures[vi] = append(w.figures[vi], f)
	w.nDone++
	w.mu.Unlock()
}

// cutShort notes the run that a stop cut short, recorded as interrupted.
func (w *sweepRecorder) cutShort(id string) {
	w.mu.Lock()
	w.cut = id
	w.mu.Unlock()
}

// progress is the runs done so far.
func (w *sweepRecorder) progress() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nDone
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
}

// commitJob is a group of runs to commit, then, if set, a barrier to
// close.
type commitJob struct {
	group   []pendingRun
	barrier chan struct{}
}

// loop analyses the runs handed over, records them into Recorders and
// gathers them into groups, which commitLoop commits meanwhile: a group's
// commit (its writes and fsync) overlaps the recording of the next. A
// group goes to be committed sweepCommitEvery after its first run, or as
// soon after as commitLoop is free: a slow disk makes for bigger groups,
// not a slower sweep.
func (w *sweepRecorder) loop() {
	defer close(w.done)
	jobs := make(chan commitJob)
	committed := make(chan struct{})
	go w.commitLoop(jobs, committed)
	defer func() {
		close(jobs)
		<-committed
	}()
	var group []pendingRun
	entries := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	due := false // the group's time is up
	send := func(barrier chan struct{}) {
		timer.Stop()
		if len(group) > 0 || barrier != nil {
			jobs <- commitJob{group: group, barrier: barrier}
		}
		group, entries, due = nil, 0, false
	}
	// offer sends the group if commitLoop is free.
	offer := func() {
		select {
		case jobs <- commitJob{group: group}:
			group, entries, due = nil, 0, false
		default:
			// Retried with the next run, or after a while without one.
			due = true
			timer.Reset(sweepCommitEvery)
		}
	}
	for {
		select {
		case <-timer.C:
			offer()
		case r, ok := <-w.runs:
			if !ok {
				send(nil)
				return
			}
			if r.barrier != nil {
				send(r.barrier)
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
			switch {
			case entries >= sweepCommitEntries:
				send(nil)
			case due:
				offer()
			}
		}
	}
}

// commitLoop commits each group in one transaction, in the order they
// come, and only then counts its runs as done.
func (w *sweepRecorder) commitLoop(jobs <-chan commitJob, committed chan<- struct{}) {
	defer close(committed)
	for j := range jobs {
		if len(j.group) > 0 {
			w.commit(j.group)
		}
		if j.barrier != nil {
			close(j.barrier)
		}
	}
}

// commit stores group and counts its runs.
func (w *sweepRecorder) commit(group []pendingRun) {
	ends := make([]record.Ending, len(group))
	for i, r := range group {
		ends[i] = record.Ending{Rec: r.rec, Status: r.status, Ended: r.ended}
	}
	if err := w.st.FinishTogether(ends); err != nil {
		first := group[0]
		w.fail(fmt.Errorf("sweep %s variant %q seed %d: %w", w.sweepID, w.variants[first.vi].name, first.seed, err))
		return
	}
	for _, r := range group {
		if r.status == record.StatusComplete {
			w.add(r.vi, r.figures)
			continue
		}
		w.cutShort(r.id)
	}
	if w.onCommit != nil {
		w.onCommit(w.progress(), group[len(group)-1].id)
	}
}

// record analyses r from memory and encodes it into a Recorder; false
// when no Recorder took it: an earlier run failed, or this one's could
// not begin or be analysed (the error is kept).
func (w *sweepRecorder) record(r heldRun) (pendingRun, bool) {
	if w.failed() != nil {
		return pendingRun{}, false
	}
	meta := r.sim.Meta
	pr := pendingRun{vi: r.vi, id: meta.ID, seed: meta.Seed, status: r.status, ended: r.ended}
	if r.status == record.StatusComplete {
		m := meta
		m.Status, m.Ended, m.Schema = r.status, r.ended, record.SchemaVersion
		a, err := report.AnalyzeLogs(m, r.sim.Entries)
		if err != nil {
			w.fail(fmt.Errorf("sweep %s: %w", w.sweepID, err))
			return pr, false
		}
		pr.figures = report.FiguresOf(a)
	}
	rec, err := w.st.BeginRecording(meta, record.RecorderOptions{FlushEvery: 10 * sweepCommitEvery})
	if err != nil {
		w.fail(fmt.Errorf("sweep %s variant %q seed %d: %w", w.sweepID, w.variants[r.vi].name, meta.Seed, err))
		return pr, false
	}
	rec.AddBatch(r.sim.Entries)
	pr.rec = rec
	return pr, true
}
