package record

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
)

// Merge copies every run of every input into out, joining the parts of a
// run recorded by different processes (one store per `lamport machine`):
//
//   - each machine's log and stats are copied as they are; a machine whose
//     log is in two inputs, or already in out, is an error (ErrExists)
//     naming the run and machine;
//   - the metadata of a run's parts are combined: Machines is their union,
//     Started the earliest, Ended the latest; Status is running if any part
//     is running (and then Ended is zero), complete if every part is
//     complete, otherwise interrupted; Seed, Mode, Params, Config and
//     Fingerprint must agree; Speed, Tool and Options come from the first
//     part that has them (out's own meta first).
//
// Merge writes in one transaction: on any error out is unchanged.
func Merge(out *Store, ins ...*Store) error {
	for _, in := range ins {
		if in == out {
			return fmt.Errorf("merge into %s: the output is also an input", out.path)
		}
	}
	m := merger{out: out, metas: map[string]*RunMeta{}, from: map[string]map[core.MachineID]string{}}
	return out.update(func(tx *bolt.Tx) error {
		m.tx = tx
		for _, in := range ins {
			if err := in.view(func(itx *bolt.Tx) error { return m.mergeStore(in, itx) }); err != nil {
				return err
			}
		}
		ids := make([]string, 0, len(m.metas))
		for id := range m.metas {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if err := out.putMeta(tx, *m.metas[id]); err != nil {
				return err
			}
		}
		return nil
	})
}

type merger struct {
	out *Store
	tx  *bolt.Tx // out's write transaction
	// metas are the combined metadata of the runs touched so far.
	metas map[string]*RunMeta
	// from names where each copied machine log came from, for errors.
	from map[string]map[core.MachineID]string
}

func (m *merger) mergeStore(in *Store, itx *bolt.Tx) error {
	metas, err := in.allMeta(itx)
	if err != nil {
		return err
	}
	data := itx.Bucket(bucketData)
	if data != nil {
		err := data.ForEachBucket(func(k []byte) error {
			if itx.Bucket(bucketRuns).Get(k) == nil {
				return in.corruptf("data of run %q has no meta", k)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, meta := range metas {
		if err := m.combine(in, meta); err != nil {
			return err
		}
		if data == nil {
			continue
		}
		if err := m.copyRun(in, meta, data.Bucket([]byte(meta.ID))); err != nil {
			return err
		}
	}
	return nil
}

func (m *merger) combine(in *Store, part RunMeta) error {
	cur, ok := m.metas[part.ID]
	if !ok {
		existing, err := m.out.getMeta(m.tx, part.ID)
		switch {
		case err == nil:
			cur = &existing
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if cur == nil {
		part.Schema = SchemaVersion
		if err := part.normalise(); err != nil {
			return in.corruptf("%v", err)
		}
		m.metas[part.ID] = &part
		return nil
	}
	merged, err := combineMeta(*cur, part)
	if err != nil {
		return fmt.Errorf("merge %s into %s: %w", in.path, m.out.path, err)
	}
	m.metas[part.ID] = &merged
	return nil
}

// combineMeta joins two parts of one run; see Merge.
func combineMeta(a, b RunMeta) (RunMeta, error) {
	differ := func(what string, x, y any) error {
		return fmt.Errorf("run %s: parts disagree on %s (%v vs %v)", a.ID, what, x, y)
	}
	switch {
	case a.Seed != b.Seed:
		return RunMeta{}, differ("seed", a.Seed, b.Seed)
	case a.Mode != b.Mode:
		return RunMeta{}, differ("mode", a.Mode, b.Mode)
	case a.Params != b.Params:
		return RunMeta{}, differ("params", a.Params, b.Params)
	case a.Fingerprint != b.Fingerprint:
		return RunMeta{}, differ("fingerprint", a.Fingerprint, b.Fingerprint)
	case !slices.Equal(sortedSpecs(a.Config), sortedSpecs(b.Config)):
		return RunMeta{}, differ("config", a.Config, b.Config)
	}
	out := a
	out.Machines = slices.Clone(a.Machines)
	for _, mb := range b.Machines {
		if ma, ok := a.Machine(mb.ID); ok {
			if ma.Rate != mb.Rate || !ma.StartWall.Equal(mb.StartWall) {
				return RunMeta{}, fmt.Errorf("run %s: machine %d: parts disagree on it (rate %d from %v vs rate %d from %v)",
					a.ID, mb.ID, ma.Rate, ma.StartWall, mb.Rate, mb.StartWall)
			}
			continue
		}
		out.Machines = append(out.Machines, mb)
	}
	if out.Started.IsZero() || (!b.Started.IsZero() && b.Started.Before(out.Started)) {
		out.Started = b.Started
	}
	if b.Ended.After(out.Ended) {
		out.Ended = b.Ended
	}
	switch {
	case a.Status == StatusRunning || b.Status == StatusRunning:
		out.Status, out.Ended = StatusRunning, time.Time{}
	case a.Status == StatusComplete && b.Status == StatusComplete:
		out.Status = StatusComplete
	default:
		out.Status = StatusInterrupted
	}
	if out.Speed == 0 {
		out.Speed = b.Speed
	}
	if out.Tool == "" {
		out.Tool = b.Tool
	}
	if len(b.Options) > 0 {
		opts := make(map[string]string, len(a.Options)+len(b.Options))
		for k, v := range b.Options {
			opts[k] = v
		}
		for k, v := range a.Options {
			opts[k] = v
		}
		out.Options = opts
	}
	out.Schema = SchemaVersion
	if err := out.normalise(); err != nil {
		return RunMeta{}, err
	}
	return out, nil
}

func sortedSpecs(c []core.MachineSpec) []core.MachineSpec {
	c = slices.Clone(c)
	slices.SortFunc(c, func(a, b core.MachineSpec) int { return cmpID(a.ID, b.ID) })
	return c
}

// copyRun copies the machine logs of one run of in.
func (m *merger) copyRun(in *Store, meta RunMeta, src *bolt.Bucket) error {
	ids, err := in.machinesOf(src, meta.ID)
	if err != nil || len(ids) == 0 {
		return err
	}
	dst, err := m.tx.Bucket(bucketData).CreateBucketIfNotExists([]byte(meta.ID))
	if err != nil {
		return fmt.Errorf("store %s: run %s: %w", m.out.path, meta.ID, err)
	}
	dst.FillPercent = appendFillPercent
	if m.from[meta.ID] == nil {
		m.from[meta.ID] = map[core.MachineID]string{}
	}
	for _, id := range ids {
		if _, ok := meta.Machine(id); !ok {
			return in.corruptf("run %s: machine %d has a log but is not in the run's machines", meta.ID, id)
		}
		if _, ok := findLog(dst, id); ok {
			where, ok := m.from[meta.ID][id]
			if !ok {
				where = m.out.path
			}
			return fmt.Errorf("merge run %s: machine %d: %w: its log is in both %s and %s", meta.ID, id, ErrExists, where, in.path)
		}
		from, _ := findLog(src, id)
		if err := copyMachine(in, meta.ID, from, dst); err != nil {
			return err
		}
		m.from[meta.ID][id] = in.path
	}
	return nil
}

// copyMachine copies one machine's log, into the flat layout whatever
// layout it had: its chunks are copied as they are. Values are cloned:
// they live in in's mmap, which need not outlive out's transaction.
func copyMachine(in *Store, runID string, src machineLog, dstRun *bolt.Bucket) error {
	where := machineWhere{runID, src.id}.String()
	stats := src.stats()
	if stats == nil {
		return in.corruptf("%s: no stats", where)
	}
	if _, err := decodeStats(src.id, stats); err != nil {
		return in.corruptf("%s: stats: %v", where, err)
	}
	chunks, ok := src.chunks()
	if !ok {
		return in.corruptf("%s: no chunks bucket", where)
	}
	dst := newLog(dstRun, src.id)
	if err := dst.putStats(dst.statsKey(nil), bytes.Clone(stats)); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return forEachChunk(chunks, func(k, v []byte) error {
		n, ok := parseChunkKey(k)
		if !ok || v == nil {
			return in.corruptf("%s: chunk key %x", where, k)
		}
		return dst.putChunk(dst.chunkKeyIn(nil, n), bytes.Clone(v))
	})
}
