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
	group := make([]commitPart, 0, len(ends))
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
		n := r.nPending // before takePending clears it
		part := commitPart{r: r, n: n, b: r.takePending(), fin: &finishing{e.Status, e.Ended}}
		if r.err != nil {
			// A Recorder that failed writes nothing more, as in flush.
			refused = errors.Join(refused, r.err)
		}
		r.mu.Unlock()
		group = append(group, part)
	}
	if refused != nil {
		// Nothing is written: every Recorder of the group is closed, and
		// one that had not failed fails now, so no caller takes its run
		// for stored.
		for i := range group {
			_ = group[i].done(refused)
		}
		return refused
	}

	err := s.update(func(tx *bolt.Tx) error {
		for i := range group {
			if err := group[i].write(tx); err != nil {
				return err
			}
		}
		// What flush does after its run's writes, once for all.
		releaseMapped(s.db.Info().Data, int(tx.Size()))
		return nil
	})
	for i := range group {
		part := &group[i]
		if err != nil {
			_ = part.done(fmt.Errorf("record run %s: %w", part.r.runID, err))
			continue
		}
		_ = part.done(nil)
	}
	return err
}
