package record

import (
	"bytes"
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OptionRecovered is the Options key that a recovered run carries (see
// recoverRuns); its value is RecoveredNote.
const OptionRecovered = "recovered"

// RecoveredNote says how a recovered run was found to be interrupted.
const RecoveredNote = "the recording process died; found still running when the store was next opened"

// recoverRuns finds the runs left running by a process that is gone, and
// returns each one's metadata as it should now read: interrupted, ended at
// its last recorded entry, with OptionRecovered set.
//
// Every writer holds the store's exclusive file lock from BeginRun to
// FinishRun, and the caller holds the lock too (shared or exclusive), so no
// live writer can own a run that still says running: its process died
// (kill -9, a crash, power loss) before FinishRun. Only runs written by
// another Open of the file are found; a store's own runs are never running
// at Open.
//
// A meta or stats value that does not decode is left alone: recovery is
// not the place to report damage, Check is.
func (s *Store) recoverRuns(tx *bolt.Tx) map[string]RunMeta {
	runs := tx.Bucket(bucketRuns)
	if runs == nil {
		return nil
	}
	var out map[string]RunMeta
	_ = runs.ForEach(func(k, v []byte) error {
		// Decoding every meta on every Open would cost a sweep store of
		// thousands of runs; only a running one can need recovery.
		if v == nil || !bytes.Contains(v, []byte(StatusRunning)) {
			return nil
		}
		m, err := s.decodeMetaAt(string(k), v)
		if err != nil || m.Status != StatusRunning {
			return nil
		}
		m.Status = StatusInterrupted
		m.Ended = lastEntryTime(tx, m)
		m.Options = maps.Clone(m.Options)
		if m.Options == nil {
			m.Options = map[string]string{}
		}
		m.Options[OptionRecovered] = RecoveredNote
		if out == nil {
			out = map[string]RunMeta{}
		}
		out[m.ID] = m
		return nil
	})
	return out
}

// lastEntryTime is the wall time of the run's last committed entry over
// all its machines (StartWall + LastAt), or Started if nothing was
// committed: the last moment the run is known to have been alive.
func lastEntryTime(tx *bolt.Tx, m RunMeta) time.Time {
	ended := m.Started
	data := tx.Bucket(bucketData)
	if data == nil {
		return ended
	}
	run := data.Bucket([]byte(m.ID))
	if run == nil {
		return ended
	}
	for _, mm := range m.Machines {
		l, ok := findLog(run, mm.ID)
		if !ok {
			continue
		}
		v := l.stats()
		if v == nil {
			continue
		}
		st, err := decodeStats(mm.ID, v)
		if err != nil || st.Entries == 0 {
			continue
		}
		if at := mm.StartWall.Add(st.LastAt); at.After(ended) {
			ended = at
		}
	}
	return ended
}

// persistRecovered writes the recovered metas, on a writable Open, so that
// the next reader need not derive them again and tools that read the file
// directly (bbolt get) agree.
func (s *Store) persistRecovered(recovered map[string]RunMeta) error {
	if len(recovered) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		s.setGrowStep(tx)
		for _, m := range recovered {
			if err := s.putMeta(tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %s: mark %d run(s) left running by a dead process as interrupted: %w", s.path, len(recovered), err)
	}
	return nil
}
