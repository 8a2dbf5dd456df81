package record

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
)

// Check verifies the store against every invariant its layout promises
// (docs/STORE.md) and returns an ErrCorrupt error describing the first
// problem, or nil:
//
//   - bbolt's own page-level check (tx.Check) passes;
//   - the schema version is one this package reads;
//   - every run's meta decodes, names its own key, and keeps its field
//     invariants (valid id and status, Machines sorted without repeats);
//   - every run with data has meta, and every machine with a log is in its
//     meta's Machines;
//   - every key of a run is a machine's (its stats, or in the nested
//     layout of schemas 1 to 3 its bucket) or a chunk of a flat log; a
//     nested machine bucket holds exactly stats and chunks; chunk numbers
//     run 1, 2, 3, ... without a gap; every chunk is non-empty and every
//     entry decodes;
//   - within a machine, At never decreases, and Event.Index and Event.Tick
//     each count 1, 2, 3, ... over the tick entries; every event's kind is
//     known;
//   - the stored stats equal a recount.
func (s *Store) Check() error {
	return s.guard(func(*boundary) error { return s.checkAll() })
}

func (s *Store) checkAll() error {
	// A writable transaction excludes writers for the duration, which
	// bbolt's check needs; it is rolled back, so nothing is written.
	tx, err := s.db.Begin(!s.readOnly)
	if err != nil {
		return fmt.Errorf("check store %s: %w", s.path, err)
	}
	defer func() { _ = tx.Rollback() }() // a read, or a check that commits nothing
	var first error
	for err := range tx.Check() {
		if first == nil {
			first = err
		}
	}
	if first != nil {
		return s.corruptf("bbolt: %v", first)
	}
	return s.check(tx)
}

func (s *Store) check(tx *bolt.Tx) error {
	var top [][]byte
	err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		top = append(top, name)
		return nil
	})
	if err != nil {
		return err
	}
	if len(top) == 0 {
		return nil // an empty file opened read-only: an empty store
	}
	for _, name := range top {
		if !bytes.Equal(name, bucketMeta) && !bytes.Equal(name, bucketRuns) && !bytes.Equal(name, bucketData) {
			return s.corruptf("unexpected top-level bucket %q", name)
		}
	}
	meta, runs, data := tx.Bucket(bucketMeta), tx.Bucket(bucketRuns), tx.Bucket(bucketData)
	switch {
	case meta == nil:
		return s.corruptf("no %q bucket", bucketMeta)
	case runs == nil:
		return s.corruptf("no %q bucket", bucketRuns)
	case data == nil:
		return s.corruptf("no %q bucket", bucketData)
	}
	if _, err := checkSchema(s.path, meta.Get(keySchema)); err != nil {
		return s.corruptf("%v", err)
	}

	metas := map[string]RunMeta{}
	all, err := s.allMeta(tx)
	if err != nil {
		return err
	}
	for _, m := range all {
		if err := checkMeta(m); err != nil {
			return s.corruptf("run %s: meta: %v", m.ID, err)
		}
		metas[m.ID] = m
	}

	return data.ForEach(func(k, v []byte) error {
		m, ok := metas[string(k)]
		switch {
		case v != nil:
			return s.corruptf("data/%q is a value, not a run bucket", k)
		case !ok:
			return s.corruptf("run %q has data but no meta", k)
		}
		return s.checkRun(m, data.Bucket(k))
	})
}

func checkMeta(m RunMeta) error {
	norm := m
	if err := norm.normalise(); err != nil {
		return err
	}
	if !slices.EqualFunc(norm.Machines, m.Machines, func(a, b MachineMeta) bool { return a.ID == b.ID }) {
		return fmt.Errorf("machines are not sorted by id")
	}
	if m.Schema < 1 || m.Schema > SchemaVersion {
		return fmt.Errorf("written by schema version %d", m.Schema)
	}
	if m.Status == StatusRunning && !m.Ended.IsZero() {
		return fmt.Errorf("running, yet ended at %v", m.Ended)
	}
	return nil
}

func (s *Store) checkRun(meta RunMeta, run *bolt.Bucket) error {
	ids, err := s.machinesOf(run, meta.ID)
	if err != nil {
		return err
	}
	// Every key of a run is a machine's (its bucket or its stats) or a
	// chunk of a flat log; logIDs only seeks from machine to machine. A
	// chunk key of a nested machine is read by nothing, so it is damage.
	flat := map[core.MachineID]bool{}
	for _, id := range ids {
		if l, _ := findLog(run, id); l.nested == nil {
			flat[id] = true
		}
	}
	err = run.ForEach(func(k, _ []byte) error {
		if len(k) == flatChunkKeyLen {
			if id, ok := parseMachineKey(k[:4]); ok && flat[id] {
				return nil
			}
		}
		if _, ok := parseMachineKey(k); ok {
			return nil
		}
		return s.corruptf("run %s: key %x is neither a machine nor one of its chunks", meta.ID, k)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := meta.Machine(id); !ok {
			return s.corruptf("run %s: machine %d has a log but is not in the run's machines", meta.ID, id)
		}
		l, _ := findLog(run, id)
		if err := s.checkMachine(meta.ID, l); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) checkMachine(runID string, l machineLog) error {
	id := l.id
	where := machineWhere{runID, id}.String()
	if l.nested != nil {
		err := l.nested.ForEach(func(k, v []byte) error {
			switch {
			case bytes.Equal(k, keyStats) && v != nil:
			case bytes.Equal(k, bucketChunks) && v == nil:
			default:
				return s.corruptf("%s: unexpected key %q", where, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	statsVal := l.stats()
	chunks, ok := l.chunks()
	switch {
	case statsVal == nil:
		return s.corruptf("%s: no stats", where)
	case !ok:
		return s.corruptf("%s: no chunks bucket", where)
	}
	stored, err := decodeStats(id, statsVal)
	if err != nil {
		return s.corruptf("%s: stats: %v", where, err)
	}

	count := core.MachineStats{ID: id}
	var want uint64 = 1
	var ticks, missed uint64
	var it chunkIter
	err = forEachChunk(chunks, func(k, v []byte) error {
		n, ok := parseChunkKey(k)
		switch {
		case !ok || v == nil:
			return s.corruptf("%s: chunk key %x", where, k)
		case n != want:
			return s.corruptf("%s: chunk key %d where %d belongs (keys count 1, 2, 3, ...)", where, n, want)
		}
		want++
		if err := it.reset(v); err != nil {
			return s.corruptf("%s chunk %d: %v", where, n, err)
		}
		for it.left > 0 {
			pos := it.pos
			var e core.Entry
			if err := it.next(&e); err != nil {
				return s.corruptf("%s chunk %d: %v", where, n, err)
			}
			at := func(format string, args ...any) error {
				return s.corruptf("%s chunk %d entry %d (log entry %d): %s", where, n, pos, count.Entries+1, fmt.Sprintf(format, args...))
			}
			if count.Entries > 0 && e.At < count.LastAt {
				return at("at %v is before the previous entry's %v", e.At, count.LastAt)
			}
			if e.Fault.Kind == core.FaultRestart {
				missed += e.Fault.Missed
			}
			if f := e.Fault; f.Kind != 0 && (!f.Kind.Valid() || (f.Kind == core.FaultLost && !f.Reason.Valid())) {
				return at("fault entry %v (%v) of unknown kind", e.Fault.Kind, e.Fault.Reason)
			}
			if e.IsTick() {
				ticks++
				ev := e.Event
				switch {
				case ev.Index != ticks:
					return at("event index %d, want %d", ev.Index, ticks)
				case ev.Tick != ticks+missed:
					return at("event tick %d, want %d (%d events and %d ticks missed while down)", ev.Tick, ticks+missed, ticks, missed)
				case !ev.Kind.Valid():
					return at("event of unknown %v", ev.Kind)
				}
			}
			count.Add(&e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if count != stored {
		return s.corruptf("%s: stored stats %+v, recount %+v", where, stored, count)
	}
	return nil
}
