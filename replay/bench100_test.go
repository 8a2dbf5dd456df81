package replay_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
// appended in batches to a fresh store and committed. cpu-ns/event is the
// process's CPU time (encoding, commits, the garbage collector) per event,
// allocs/event its heap allocations per event. Then, in the same
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
	var (
		path  string
		cpu   time.Duration
		alloc uint64
	)
	for i := 1; b.Loop(); i++ {
		c0, m0 := processCPU(b), mallocs()
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
		cpu += processCPU(b) - c0
		alloc += mallocs() - m0
	}
	recorded := float64(res.Events) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(recorded, "events/s")
	b.ReportMetric(float64(cpu)/float64(res.Events)/float64(b.N), "cpu-ns/event")
	b.ReportMetric(float64(alloc)/float64(res.Events)/float64(b.N), "allocs/event")
	values, _ := storedValues(b, path)
	raw := float64(res.Events) / rawAppend(b, filepath.Join(dir, "raw.db"), values)
	b.ReportMetric(raw, "raw-bbolt-events/s")
	b.ReportMetric(recorded/raw, "ratio-to-raw")
}

// BenchmarkRecorderAddEntries100Machines1Hour times the recorder's encoding
// alone: the standard load's entries, in the batches the recorded simulation
// hands over, through Recorder.AddEntries, with the commits (every 128
// batches, as the default flush threshold would) left out of the timing.
func BenchmarkRecorderAddEntries100Machines1Hour(b *testing.B) {
	spec := spec100(b)
	var batches []*record.Batch
	cur := new(record.Batch)
	res, err := replay.Simulate(spec, func(m core.MachineID, e *core.Entry) {
		cur.Add(m, e)
		if cur.Len() == 2048 {
			batches = append(batches, cur)
			cur = new(record.Batch)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	batches = append(batches, cur)
	entries := 0
	for _, bt := range batches {
		entries += bt.Len()
	}
	dir := b.TempDir()
	cfg := core.RingConfig(100, "sim", 0)
	for i := 1; b.Loop(); i++ {
		b.StopTimer()
		st, _ := freshStore(b, dir, i)
		meta := record.RunMeta{ID: "bench", Seed: 7, Mode: "sim", Params: spec.Params, Speed: 1, Config: cfg.Machines, Started: epoch}
		for _, id := range cfg.IDs() {
			meta.Machines = append(meta.Machines, record.MachineMeta{ID: id, Rate: core.Rate(spec.Params, id), StartWall: epoch})
		}
		rec, err := st.BeginRecording(meta, record.RecorderOptions{FlushEvery: time.Hour, FlushEntries: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for j, bt := range batches {
			rec.AddEntries(bt)
			if j%128 == 127 {
				b.StopTimer()
				if err := rec.Flush(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		}
		b.StopTimer()
		if err := rec.Close(); err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(entries)/float64(b.N), "ns/entry")
	b.ReportMetric(float64(entries)/float64(res.Events), "entries/event")
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

// BenchmarkRecordSimVsSim100Machines1Hour measures what recording costs the
// standard load, pairwise in one process: each iteration simulates the run
// without recording, then simulates and records it to a fresh store (opening
// and closing the store included, as 'lamport sim' does). It reports both
// throughputs, their ratio (recorded-vs-sim: 1 would mean recording is free
// in wall time; the target is >= 0.8), and what recording added per event
// in CPU seconds of the whole process (the simulator's hand-off, the
// encoding, the commits and the garbage collector's share) and in
// allocations.
func BenchmarkRecordSimVsSim100Machines1Hour(b *testing.B) {
	dir := b.TempDir()
	spec := spec100(b)
	cfg := core.RingConfig(100, "sim", 0)
	var (
		simWall, recWall, simCPU, recCPU time.Duration
		simAllocs, recAllocs, events     uint64
	)
	for i := 1; b.Loop(); i++ {
		c0, m0, t0 := processCPU(b), mallocs(), time.Now()
		want, err := replay.Simulate(spec, nil)
		if err != nil {
			b.Fatal(err)
		}
		simWall += time.Since(t0)
		simCPU += processCPU(b) - c0
		simAllocs += mallocs() - m0

		c0, m0, t0 = processCPU(b), mallocs(), time.Now()
		st, path := freshStore(b, dir, i)
		got, err := replay.RecordSim(st, replay.SimRun{RunID: "bench", Config: cfg, Started: epoch, Spec: spec})
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		recWall += time.Since(t0)
		recCPU += processCPU(b) - c0
		recAllocs += mallocs() - m0
		if err != nil {
			b.Fatal(err)
		}
		if got.Hash != want.Hash || got.Events != want.Events {
			b.Fatalf("recorded run %s (%d events), unrecorded %s (%d)", got.Hash, got.Events, want.Hash, want.Events)
		}
		events += got.Events
		if err := os.Remove(path); err != nil {
			b.Fatal(err)
		}
	}
	ev := float64(events)
	b.ReportMetric(ev/simWall.Seconds(), "sim-events/s")
	b.ReportMetric(ev/recWall.Seconds(), "recorded-events/s")
	b.ReportMetric(simWall.Seconds()/recWall.Seconds(), "recorded-vs-sim")
	b.ReportMetric(float64(recCPU-simCPU)/ev, "added-cpu-ns/event")
	b.ReportMetric((float64(recAllocs)-float64(simAllocs))/ev, "added-allocs/event")
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// mallocs counts the heap objects this process has allocated so far.
func mallocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// recordChildEnv asks TestRecordChild, in a child process, to simulate a
// run ("record" or "sim", machines, duration, store path) and print what it
// measured: the peak-RSS benchmarks need a process of their own.
const recordChildEnv = "LAMPORT_BENCH_RECORD_CHILD"

// childResult is what TestRecordChild prints, after childMarker.
type childResult struct {
	Events  uint64  `json:"events"`
	Seconds float64 `json:"seconds"`
	Bytes   int64   `json:"bytes"`
	// PeakRSS is the child's VmHWM, its own peak resident set: a child's
	// rusage would count the parent's memory at the fork too.
	PeakRSS int64 `json:"peak_rss"`
}

const childMarker = "record-child-result: "

// TestRecordChild is not a test: it is the child process of the peak-RSS
// benchmarks, and skips unless recordChildEnv is set.
func TestRecordChild(t *testing.T) {
	arg := os.Getenv(recordChildEnv)
	if arg == "" {
		t.Skip("only the child process of the peak-RSS benchmarks")
	}
	f := strings.Fields(arg)
	if len(f) != 4 {
		t.Fatalf("%s=%q: want mode, machines, duration and path", recordChildEnv, arg)
	}
	mode, path := f[0], f[3]
	machines, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.ParseDuration(f[2])
	if err != nil {
		t.Fatal(err)
	}
	cfg := core.RingConfig(machines, "sim", 0)
	spec := replay.SimSpec{Machines: cfg.IDs(), Params: core.DefaultParams(7), Duration: d, Latency: mustLatency(t, replay.DefaultLatency)}
	began := time.Now()
	var out childResult
	switch mode {
	case "sim":
		res, err := replay.Simulate(spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		out.Events = res.Events
	case "record":
		st, err := record.Open(path, record.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := replay.RecordSim(st, replay.SimRun{RunID: "bench", Config: cfg, Started: epoch, Spec: spec})
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		out.Events = res.Events
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		out.Bytes = fi.Size()
	default:
		t.Fatalf("%s=%q: mode %q", recordChildEnv, arg, mode)
	}
	out.Seconds = time.Since(began).Seconds()
	out.PeakRSS = vmHWM(t)
	j, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\n%s%s\n", childMarker, j)
}

// runRecordChild runs TestRecordChild in a child process of this test
// binary and returns what it printed and its peak RSS in bytes.
func runRecordChild(b *testing.B, mode string, machines int, d time.Duration, path string) (childResult, int64) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecordChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %v %s", recordChildEnv, mode, machines, d, path))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	_, after, ok := strings.Cut(string(out), childMarker)
	if !ok {
		b.Fatalf("child %s printed no result:\n%s", mode, out)
	}
	line, _, _ := strings.Cut(after, "\n")
	var res childResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		b.Fatalf("child %s: %v in %q", mode, err, line)
	}
	return res, res.PeakRSS
}

// vmHWM is this process's peak resident set size in bytes, from
// /proc/self/status.
func vmHWM(t *testing.T) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// benchPeakRSS records machines x d in a child process per iteration and
// reports its peak RSS, throughput, wall seconds (store opened and closed
// included) and store size; then, once, the peak RSS of the same sim
// unrecorded, the model's own memory.
func benchPeakRSS(b *testing.B, machines int, d time.Duration) {
	dir := b.TempDir()
	var (
		res  childResult
		peak int64
		secs []float64
	)
	for i := 1; b.Loop(); i++ {
		path := filepath.Join(dir, fmt.Sprintf("rec%d.db", i))
		var rss int64
		res, rss = runRecordChild(b, "record", machines, d, path)
		peak = max(peak, rss)
		secs = append(secs, res.Seconds)
		if err := os.Remove(path); err != nil {
			b.Fatal(err)
		}
	}
	_, simPeak := runRecordChild(b, "sim", machines, d, "-")
	slices.Sort(secs)
	b.ReportMetric(float64(peak)/1e6, "peak-rss-MB")
	b.ReportMetric(float64(simPeak)/1e6, "sim-peak-rss-MB")
	b.ReportMetric(secs[len(secs)/2], "seconds")
	b.ReportMetric(float64(res.Events)/secs[len(secs)/2], "events/s")
	b.ReportMetric(float64(res.Bytes)/1e6, "store-MB")
	b.ReportMetric(float64(res.Bytes)/float64(res.Events), "file-bytes/event")
}

// BenchmarkRecordSim100Machines10MEventsPeakRSS is the memory target: the
// standard load's 100 machines recorded for 26 040 s of virtual time, about
// 10 M events (target: peak RSS < 150 MB).
func BenchmarkRecordSim100Machines10MEventsPeakRSS(b *testing.B) {
	benchPeakRSS(b, 100, 26040*time.Second)
}

// BenchmarkRecordSim10000Machines1Second is the scale target recorded:
// 'lamport sim --machines 10000 --duration 1s' (about 35 k events and
// 1.6 M arrivals; targets: < 1 s, < 200 MB, a store < 20 MB).
func BenchmarkRecordSim10000Machines1Second(b *testing.B) {
	benchPeakRSS(b, 10000, time.Second)
}
