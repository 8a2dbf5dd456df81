package record

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// refLatest is the Resolve reference for the newest run.
const refLatest = "latest"

// BeginRun stores a new run's metadata with Status running and Schema set
// to SchemaVersion. It returns ErrExists if the id is taken.
func (s *Store) BeginRun(meta RunMeta) error {
	meta.Status = StatusRunning
	meta.Ended = time.Time{}
	meta.Schema = SchemaVersion
	if err := meta.normalise(); err != nil {
		return fmt.Errorf("store %s: begin run: %w", s.path, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		if runs.Get([]byte(meta.ID)) != nil {
			return fmt.Errorf("store %s: run %s: %w", s.path, meta.ID, ErrExists)
		}
		return s.putMeta(tx, meta)
	})
	if err != nil {
		return fmt.Errorf("begin run %s: %w", meta.ID, err)
	}
	return nil
}

// UpdateRun changes a run's metadata in one transaction. fn must not change
// the ID; Machines are re-sorted afterwards.
func (s *Store) UpdateRun(id string, fn func(*RunMeta)) error {
	err := s.updateCalling(func(tx *bolt.Tx, b *boundary) error {
		meta, err := s.getMeta(tx, id)
		if err != nil {
			return err
		}
		_ = b.caller(func() error { fn(&meta); return nil }) // fn returns nothing to check
		if meta.ID != id {
			return fmt.Errorf("store %s: run %s: UpdateRun may not change the id (to %q)", s.path, id, meta.ID)
		}
		if err := meta.normalise(); err != nil {
			return fmt.Errorf("store %s: %w", s.path, err)
		}
		return s.putMeta(tx, meta)
	})
	if err != nil {
		return fmt.Errorf("update run %s: %w", id, err)
	}
	return nil
}

// FinishRun records how and when a run ended; status must be complete or
// interrupted.
func (s *Store) FinishRun(id string, status Status, ended time.Time) error {
	if status != StatusComplete && status != StatusInterrupted {
		return fmt.Errorf("finish run %s: status must be %q or %q, got %q", id, StatusComplete, StatusInterrupted, status)
	}
	return s.UpdateRun(id, func(m *RunMeta) {
		m.Status, m.Ended = status, ended
	})
}

func (s *Store) putMeta(tx *bolt.Tx, meta RunMeta) error {
	b, err := encodeMeta(meta)
	if err != nil {
		// Every field of RunMeta is encodable; NaN speed is the one way out.
		return fmt.Errorf("store %s: run %s: encode meta: %w", s.path, meta.ID, err)
	}
	return tx.Bucket(bucketRuns).Put([]byte(meta.ID), b)
}

// getMeta reads one run's metadata; ErrNotFound if absent.
func (s *Store) getMeta(tx *bolt.Tx, id string) (RunMeta, error) {
	runs := tx.Bucket(bucketRuns)
	var v []byte
	if runs != nil {
		v = runs.Get([]byte(id))
	}
	if v == nil {
		return RunMeta{}, fmt.Errorf("run %q: %w", id, ErrNotFound)
	}
	return s.decodeMetaAt(id, v)
}

func (s *Store) decodeMetaAt(id string, v []byte) (RunMeta, error) {
	m, err := decodeMeta(v)
	if err != nil {
		return RunMeta{}, s.corruptf("run %s: meta: %v", id, err)
	}
	if m.ID != id {
		return RunMeta{}, s.corruptf("run %s: meta names run %q", id, m.ID)
	}
	if r, ok := s.recovered[id]; ok && m.Status == StatusRunning {
		return r, nil
	}
	return m, nil
}

// allMeta decodes every run's metadata, in key order.
func (s *Store) allMeta(tx *bolt.Tx) ([]RunMeta, error) {
	runs := tx.Bucket(bucketRuns)
	if runs == nil {
		return nil, nil
	}
	var out []RunMeta
	err := runs.ForEach(func(k, v []byte) error {
		if v == nil {
			return s.corruptf("runs/%q is a bucket, not a run", k)
		}
		m, err := s.decodeMetaAt(string(k), v)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// newestFirst orders runs by Started, newest first, then by ID descending,
// so the order is total even for runs started in the same instant.
func newestFirst(a, b RunMeta) int {
	if c := b.Started.Compare(a.Started); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// Runs lists every run, newest first (Started descending, then ID
// descending).
func (s *Store) Runs() ([]RunMeta, error) {
	var out []RunMeta
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = s.allMeta(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, newestFirst)
	return out, nil
}

// Run returns one run's metadata; ErrNotFound if there is no such run.
func (s *Store) Run(id string) (RunMeta, error) {
	var m RunMeta
	err := s.view(func(tx *bolt.Tx) (err error) {
		m, err = s.getMeta(tx, id)
		return err
	})
	return m, err
}

// Resolve finds the run named by ref: "latest" (the first of Runs), an
// exact id, or a prefix of exactly one id. An unknown ref gives ErrNotFound;
// a prefix of several ids gives ErrAmbiguous listing them.
func (s *Store) Resolve(ref string) (RunMeta, error) {
	if ref == "" {
		return RunMeta{}, fmt.Errorf("empty run reference: %w", ErrNotFound)
	}
	runs, err := s.Runs()
	if err != nil {
		return RunMeta{}, err
	}
	if ref == refLatest {
		if len(runs) == 0 {
			return RunMeta{}, fmt.Errorf("latest run: %w (the store has no runs)", ErrNotFound)
		}
		return runs[0], nil
	}
	var matches []RunMeta
	for _, m := range runs {
		if m.ID == ref {
			return m, nil
		}
		if strings.HasPrefix(m.ID, ref) {
			matches = append(matches, m)
		}
	}
	switch len(matches) {
	case 0:
		return RunMeta{}, fmt.Errorf("run %q: %w", ref, ErrNotFound)
	case 1:
		return matches[0], nil
	}
	const show = 10
	ids := make([]string, 0, show)
	for _, m := range matches[:min(show, len(matches))] {
		ids = append(ids, m.ID)
	}
	more := ""
	if len(matches) > show {
		more = fmt.Sprintf(" and %d more", len(matches)-show)
	}
	return RunMeta{}, fmt.Errorf("run %q: %w: it matches %d runs: %s%s", ref, ErrAmbiguous, len(matches), strings.Join(ids, ", "), more)
}

// LatestWithSeed returns the newest run recorded with seed; ErrNotFound if
// none was.
func (s *Store) LatestWithSeed(seed uint64) (RunMeta, error) {
	runs, err := s.Runs()
	if err != nil {
		return RunMeta{}, err
	}
	for _, m := range runs {
		if m.Seed == seed {
			return m, nil
		}
	}
	return RunMeta{}, fmt.Errorf("seed %d: %w", seed, ErrNotFound)
}
