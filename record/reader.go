package record

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
)

// Reader reads one run inside one read transaction (View). It and its
// iterators are valid only until View's fn returns.
type Reader struct {
	s        *Store
	tx       *bolt.Tx
	meta     RunMeta
	run      *bolt.Bucket // data/<run id>; nil when the run has no data yet
	machines []core.MachineID
	done     bool
	// sinceRelease counts the chunk bytes read since the mapped pages
	// were last released.
	sinceRelease int
}

// releaseEvery is how many chunk bytes a Reader reads between releases
// of the store's mapped pages (releaseMapped): a reader's resident memory
// then stays within about this much of the file, however long the run.
var releaseEvery = 4 << 20

// noteRead counts n bytes of chunks read, releasing the mapped pages now
// and then.
func (r *Reader) noteRead(n int) {
	r.sinceRelease += n
	if r.sinceRelease < releaseEvery {
		return
	}
	r.sinceRelease = 0
	releaseMapped(r.s.db.Info().Data, int(r.tx.Size()))
}

// View runs fn with a Reader over run runID, all in one read transaction,
// so fn sees one consistent state even while a Recorder commits.
func (s *Store) View(runID string, fn func(*Reader) error) error {
	return s.viewCalling(func(tx *bolt.Tx, b *boundary) error {
		meta, err := s.getMeta(tx, runID)
		if err != nil {
			return err
		}
		r := &Reader{s: s, tx: tx, meta: meta}
		if data := tx.Bucket(bucketData); data != nil {
			r.run = data.Bucket([]byte(runID))
		}
		if r.machines, err = s.machinesOf(r.run, runID); err != nil {
			return err
		}
		defer func() { r.done = true }()
		return b.caller(func() error { return fn(r) })
	})
}

// machinesOf lists the machines that have a log in a run bucket,
// ascending.
func (s *Store) machinesOf(run *bolt.Bucket, runID string) ([]core.MachineID, error) {
	return logIDs(run, func(k []byte) error {
		return s.corruptf("run %s: key %x is neither a machine nor one of its chunks", runID, k)
	})
}

// Meta is the run's metadata as of the transaction.
func (r *Reader) Meta() RunMeta { return r.meta }

// Machines lists the machines that have a log, ascending.
func (r *Reader) Machines() []core.MachineID {
	return append([]core.MachineID(nil), r.machines...)
}

// Stats returns machine m's stats, and false if m has no log.
func (r *Reader) Stats(m core.MachineID) (_ core.MachineStats, _ bool, err error) {
	defer r.s.recoverDamage(&err)
	if r.run == nil {
		return core.MachineStats{}, false, nil
	}
	l, ok := findLog(r.run, m)
	if !ok {
		return core.MachineStats{}, false, nil
	}
	v := l.stats()
	if v == nil {
		return core.MachineStats{}, false, r.s.corruptf("run %s machine %d: no stats", r.meta.ID, m)
	}
	st, err := decodeStats(m, v)
	if err != nil {
		return core.MachineStats{}, false, r.s.corruptf("run %s machine %d: stats: %v", r.meta.ID, m, err)
	}
	return st, true, nil
}

// Entries streams machine m's log in order, decoding one chunk at a time.
// A machine without a log yields nothing. Any number of iterators may be
// open at once in one Reader.
func (r *Reader) Entries(m core.MachineID) (it *EntryIter) {
	it = &EntryIter{r: r, m: m, want: 1}
	defer r.s.recoverDamage(&it.err)
	if r.run == nil {
		return it
	}
	if l, ok := findLog(r.run, m); ok {
		c, ok := l.chunks()
		if !ok {
			it.err = r.s.corruptf("run %s machine %d: no chunks bucket", r.meta.ID, m)
			return it
		}
		it.c = &c
	}
	return it
}

// EntryIter streams one machine's log. After Next returns false, Err says
// whether the log ended or broke.
type EntryIter struct {
	r     *Reader
	m     core.MachineID
	c     *chunkCursor // nil: no log, or its end
	chunk chunkIter
	want  uint64 // the next chunk's key: chunks count 1, 2, 3, ...
	err   error
}

// Next returns the log's next entry, or false at the end or on an error.
func (it *EntryIter) Next() (core.Entry, bool) {
	var e core.Entry
	ok := it.Read(&e)
	return e, ok
}

// Read is Next into e, which it overwrites whole: a reader of millions
// of entries saves a copy of each.
func (it *EntryIter) Read(e *core.Entry) (ok bool) {
	// A panic here leaves ok false and the damage in it.err.
	defer it.r.s.recoverDamage(&it.err)
	if it.err != nil || it.c == nil {
		return false
	}
	if it.r.done {
		it.err = fmt.Errorf("run %s machine %d: iterator used after View returned", it.r.meta.ID, it.m)
		return false
	}
	if it.chunk.left == 0 && !it.nextChunk() {
		return false
	}
	if err := it.chunk.next(e); err != nil {
		it.err = it.r.s.corruptf("run %s machine %d chunk %d: %v", it.r.meta.ID, it.m, it.want-1, err)
		return false
	}
	return true
}

// nextChunk loads the next chunk, checking that keys run on without a gap.
func (it *EntryIter) nextChunk() bool {
	var k, v []byte
	if it.want == 1 {
		k, v = it.c.first()
	} else {
		k, v = it.c.next()
	}
	if k == nil {
		it.c = nil
		return false
	}
	n, ok := parseChunkKey(k)
	switch {
	case !ok || v == nil:
		it.err = it.r.s.corruptf("run %s machine %d: chunk key %x", it.r.meta.ID, it.m, k)
	case n != it.want:
		it.err = it.r.s.corruptf("run %s machine %d: chunk key %d where %d belongs", it.r.meta.ID, it.m, n, it.want)
	default:
		it.r.noteRead(len(v))
		if err := it.chunk.reset(v); err != nil {
			it.err = it.r.s.corruptf("run %s machine %d chunk %d: %v", it.r.meta.ID, it.m, n, err)
		}
	}
	it.want++
	return it.err == nil
}

// Err is the error that stopped Next, or nil at a clean end.
func (it *EntryIter) Err() error { return it.err }

// Scan calls fn with each entry of machine m's log in order, stopping at
// fn's first error, which it returns.
func (s *Store) Scan(runID string, m core.MachineID, fn func(core.Entry) error) error {
	return s.View(runID, func(r *Reader) error {
		it := r.Entries(m)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			if err := fn(e); err != nil {
				return err
			}
		}
		return it.Err()
	})
}

// Stats returns the stats of every machine of the run that has a log,
// sorted by ID. They are read, not recounted: every flush keeps them.
func (s *Store) Stats(runID string) ([]core.MachineStats, error) {
	var out []core.MachineStats
	err := s.View(runID, func(r *Reader) error {
		for _, m := range r.machines {
			st, _, err := r.Stats(m)
			if err != nil {
				return err
			}
			out = append(out, st)
		}
		return nil
	})
	return out, err
}
