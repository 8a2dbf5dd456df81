package record

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Ending is how one Recorder of FinishTogether ends its run: as Finish's
// status and ended.
type Ending struct {
	Rec    *Recorder
	Status Status
	Ended  time.Time
}

// FinishTogether is Finish for several Recorders of s at once: every
// one's pending entries and its run's end go to the store in one
// transaction, so many short runs (the runs of a sweep) cost one commit
// and one fsync between them rather than one each. Either every run of
// the group is stored as ended, or, when the commit fails, none of what
// the group held is: each Recorder then fails with the commit's error
// (its Err, and the error returned), as a failed Finish does. What a
// Recorder committed before (its own flushes of a long run) stays.
//
// Every Recorder must belong to s and be open (not yet closed or
// finished): FinishTogether closes them all, and refuses the whole group
// before writing anything if one is closed already, of another store, or
// has a status Finish refuses.
func (s *Store) FinishTogether(ends []Ending) error {
	seen := make(map[*Recorder]bool, len(ends))
	for _, e := range ends {
		if e.Status != StatusComplete && e.Status != StatusInterrupted {
			return fmt.Errorf("finish run %s: status must be %q or %q, got %q", e.Rec.runID, StatusComplete, StatusInterrupted, e.Status)
		}
		if e.Rec.s != s {
			return fmt.Errorf("finish run %s: its recorder writes to store %s, not %s", e.Rec.runID, e.Rec.s.path, s.path)
		}
		if seen[e.Rec] {
			return fmt.Errorf("finish run %s: its recorder is in the group twice", e.Rec.runID)
		}
		seen[e.Rec] = true
	}
	group := make([]groupPart, 0, len(ends))
	var refused error
	for _, e := range ends {
		r := e.Rec
		closedHere := false
		r.once.Do(func() {
			r.shutdown()
			closedHere = true
		})
		if !closedHere {
			refused = errors.Join(refused, fmt.Errorf("finish run %s: the recorder is closed: %w", r.runID, ErrClosed))
			continue
		}
		// No flush runs any more (shutdown stopped the loop, and once is
		// spent); flushMu is taken all the same, as flush takes it.
		r.flushMu.Lock()
		defer r.flushMu.Unlock()
		r.mu.Lock()
		t := groupPart{r: r, n: r.nPending, begin: r.begin, fin: finishing{e.Status, e.Ended}}
		t.b = r.takePending()
		if r.err != nil {
			// A Recorder that failed writes nothing more, as in flush.
			refused = errors.Join(refused, r.err)
		}
		r.mu.Unlock()
		group = append(group, t)
	}
	if refused != nil {
		// Nothing is written: every Recorder of the group is closed, and
		// one that had not failed fails now, so no caller takes its run
		// for stored.
		for _, t := range group {
			t.r.fail(refused, t.b)
		}
		return refused
	}

	err := s.update(func(tx *bolt.Tx) error {
		for _, t := range group {
			if err := t.write(tx); err != nil {
				return err
			}
		}
		// What appendBatch does after each run's entries, once for all.
		releaseMapped(s.db.Info().Data, int(tx.Size()))
		return nil
	})
	for _, t := range group {
		if err != nil {
			t.r.fail(fmt.Errorf("record run %s: %w", t.r.runID, err), t.b)
			continue
		}
		t.r.begin = nil
		for _, p := range t.b.logs {
			t.r.committed.Entries += p.delta.Entries
			t.r.committed.Events += p.delta.Events
		}
		t.r.arena.reset()
		t.r.mu.Lock()
		t.r.recycle(t.b)
		t.r.mu.Unlock()
		if t.r.opt.OnCommit != nil {
			t.r.opt.OnCommit(t.r.committed)
		}
	}
	return err
}

// groupPart is one Recorder's part of a FinishTogether: what its last
// flush would write.
type groupPart struct {
	r     *Recorder
	b     *batch
	n     int
	begin *RunMeta
	fin   finishing
}

// write stores in tx what the Recorder's flush(fin) would: the run's
// metadata if no commit wrote it yet, its pending entries, and its end.
// The metadata of a run begun by BeginRecording and not committed yet is
// written once, already ended, where flush writes it and then rewrites
// it: the same value in the end, and nothing reads between the two.
func (t *groupPart) write(tx *bolt.Tx) error {
	s, runID := t.r.s, t.r.runID
	if t.begin != nil {
		if tx.Bucket(bucketRuns).Get([]byte(runID)) != nil {
			return fmt.Errorf("store %s: run %s: %w", s.path, runID, ErrExists)
		}
		// Written first, and already ended: the entries need it there.
		meta := *t.begin
		meta.Status, meta.Ended = t.fin.status, t.fin.ended
		if err := s.putMeta(tx, meta); err != nil {
			return err
		}
		if t.n == 0 {
			return nil
		}
		return s.appendBatchEntries(tx, runID, t.b, &t.r.arena)
	}
	if t.n > 0 {
		if err := s.appendBatchEntries(tx, runID, t.b, &t.r.arena); err != nil {
			return err
		}
	}
	meta, err := s.getMeta(tx, runID)
	if err != nil {
		return err
	}
	meta.Status, meta.Ended = t.fin.status, t.fin.ended
	return s.putMeta(tx, meta)
}

// fail closes the Recorder's run as failed with err, unless it failed
// before, and drops batch b, as a failed flush does.
func (r *Recorder) fail(err error, b *batch) {
	r.arena.reset()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recycle(b)
	if r.err == nil {
		r.err = err
		close(r.failed)
	}
}
