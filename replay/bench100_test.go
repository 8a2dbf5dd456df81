package replay_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// The standard load (docs/PERFORMANCE.md): 100 machines for an hour of virtual time with the
// default parameters, about 1.4 M events.
func spec100(b *testing.B) replay.SimSpec {
	return replay.SimSpec{Machines: core.RingConfig(100, "sim", 0).IDs(), Params: core.DefaultParams(7),
		Duration: time.Hour, Latency: mustLatency(b, replay.DefaultLatency)}
}

func BenchmarkSim100Machines1Hour(b *testing.B) { benchSim(b, spec100(b)) }

// BenchmarkRecordSim100Machines1Hour records the run to a fresh store each
// time and reports its size per event; then, in the same benchmark run, it
// times a raw bbolt append of the very bytes the recorder stored (the
// same values, committed 128 to a transaction as the recorder's batches
// are), so the ratio says what the recorder costs above bbolt itself.
func BenchmarkRecordSim100Machines1Hour(b *testing.B) {
	dir := b.TempDir()
	spec := spec100(b)
	var (
		events uint64
		path   string
	)
	for i := 1; b.Loop(); i++ {
		var st *record.Store
		st, path = freshStore(b, dir, i)
		res, err := replay.RecordSim(st, replay.SimRun{RunID: "bench", Config: core.RingConfig(100, "sim", 0), Started: epoch, Spec: spec})
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
		events = res.Events
	}
	recorded := float64(events) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(recorded, "events/s")
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/float64(events), "file-bytes/event")

	values, size := storedValues(b, path)
	b.ReportMetric(float64(size)/float64(events), "value-bytes/event")
	rawSeconds := rawAppend(b, filepath.Join(dir, "raw.db"), values)
	raw := float64(events) / rawSeconds
	b.ReportMetric(raw, "raw-bbolt-events/s")
	b.ReportMetric(recorded/raw, "ratio-to-raw")
}

// storedValues reads every value under the store's data bucket, in key
// order, and their total size.
func storedValues(b *testing.B, path string) ([][]byte, int) {
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var values [][]byte
	size := 0
	var walk func(*bolt.Bucket) error
	walk = func(bk *bolt.Bucket) error {
		return bk.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(bk.Bucket(k))
			}
			values = append(values, append([]byte(nil), v...))
			size += len(v)
			return nil
		})
	}
	err = db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket([]byte("data"))
		if data == nil {
			return fmt.Errorf("no data bucket in %s", path)
		}
		return walk(data)
	})
	if err != nil {
		b.Fatal(err)
	}
	return values, size
}

// rawAppend writes values to a fresh bbolt file under sequential keys,
// 128 values per transaction, and returns the seconds it took.
func rawAppend(b *testing.B, path string, values [][]byte) float64 {
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	began := time.Now()
	for i := 0; i < len(values); i += 128 {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("raw"))
			if err != nil {
				return err
			}
			for j := i; j < min(i+128, len(values)); j++ {
				key := []byte(fmt.Sprintf("%016x", j))
				if err := bk.Put(key, values[j]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(began).Seconds()
}

func BenchmarkReplay100Machines1Hour(b *testing.B) {
	st := tempStore(b)
	res, err := replay.RecordSim(st, replay.SimRun{RunID: "r", Config: core.RingConfig(100, "sim", 0), Started: epoch, Spec: spec100(b)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := replay.Run(st, "r", replay.Options{})
		if err != nil || !got.Identical() {
			b.Fatal(err, got.First)
		}
	}
	b.ReportMetric(float64(res.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSim10000Machines1Second is the scale measurement of docs/PERFORMANCE.md: 10 000
// machines for a second of virtual time (about 35 k events and 1.5 M
// arrivals, since a send to all peers is 9 999 messages).
func BenchmarkSim10000Machines1Second(b *testing.B) {
	benchSim(b, replay.SimSpec{Machines: core.RingConfig(10000, "sim", 0).IDs(), Params: core.DefaultParams(7),
		Duration: time.Second, Latency: mustLatency(b, replay.DefaultLatency)})
}

// BenchmarkRecorder100Machines1Hour times the recorder alone: the
// standard load's 3.0 M entries, simulated beforehand and held in memory, are
// appended in batches to a fresh store and committed; then, in the same
// benchmark run, a raw bbolt append of the very values it stored. The
// ratio is what the recorder costs above bbolt, without the simulation
// that BenchmarkRecordSim100Machines1Hour also times.
func BenchmarkRecorder100Machines1Hour(b *testing.B) {
	spec := spec100(b)
	var entries []record.MachineEntry
	res, err := replay.Simulate(spec, func(m core.MachineID, e *core.Entry) {
		entries = append(entries, record.MachineEntry{M: m, E: *e})
	})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	cfg := core.RingConfig(100, "sim", 0)
	var path string
	for i := 1; b.Loop(); i++ {
		var st *record.Store
		st, path = freshStore(b, dir, i)
		meta := record.RunMeta{ID: "bench", Seed: 7, Mode: "sim", Params: spec.Params, Speed: 1, Config: cfg.Machines, Started: epoch}
		for _, id := range cfg.IDs() {
			meta.Machines = append(meta.Machines, record.MachineMeta{ID: id, Rate: core.Rate(spec.Params, id), StartWall: epoch})
		}
		rec, err := st.BeginRecording(meta, record.RecorderOptions{FlushEvery: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < len(entries); j += 2048 {
			rec.AddBatch(entries[j:min(j+2048, len(entries))])
		}
		if err := rec.Finish(record.StatusComplete, epoch.Add(spec.Duration)); err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
	recorded := float64(res.Events) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(recorded, "events/s")
	values, _ := storedValues(b, path)
	raw := float64(res.Events) / rawAppend(b, filepath.Join(dir, "raw.db"), values)
	b.ReportMetric(raw, "raw-bbolt-events/s")
	b.ReportMetric(recorded/raw, "ratio-to-raw")
}

// freshStore opens the i-th new store under dir.
func freshStore(b *testing.B, dir string, i int) (*record.Store, string) {
	path := filepath.Join(dir, fmt.Sprintf("rec%d.db", i))
	st, err := record.Open(path, record.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return st, path
}
