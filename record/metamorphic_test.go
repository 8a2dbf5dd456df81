package record_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
	"lamport/record"
)

// metaSeed picks one seed of TestBatchingMetamorphic's random options:
// go test ./record -run TestBatchingMetamorphic -seed N reproduces a
// failure the test logged.
var metaSeed = flag.Uint64("seed", 0, "run TestBatchingMetamorphic with only the random options of this seed")

// metaSeeds are the seeds TestBatchingMetamorphic draws options from when
// -seed is not given.
var metaSeeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8}

// metaOptions are everything TestBatchingMetamorphic varies: the schedule
// (its seed, machines and length) and how it is recorded. What reads back
// must not depend on how it was recorded.
type metaOptions struct {
	ScheduleSeed uint64
	IDs          []core.MachineID
	Steps        int
	// Chunk, FlushEntries and Background are the RecorderOptions
	// ChunkEntries, FlushEntries and FlushEvery (0: only the explicit
	// flushes below and Close).
	Chunk        int
	FlushEntries int
	Background   time.Duration
	// FlushEvery: Flush after this many entries are handed over; 0 never.
	FlushEvery int
	// Batch is how entries are handed over: 0 Append, 1 Add, more AddBatch
	// with batches of this many.
	Batch int
	// Resumes are the steps at which the Recorder closes and a new one
	// carries on, each from a zero state; with Reopen the store is closed
	// and opened again there too.
	Resumes []int
	Reopen  bool
	// Finish: the last Recorder ends the run with Finish, not Close and
	// FinishRun.
	Finish bool
}

// fixedOptions are hand-picked corners, run besides the random options.
var fixedOptions = map[string]metaOptions{
	"chunk1-flush-each":      {Chunk: 1, FlushEvery: 1},
	"chunk512-one-flush":     {Chunk: 512},
	"chunk3-flush7":          {Chunk: 3, FlushEvery: 7},
	"chunk7-flush100":        {Chunk: 7, FlushEvery: 100},
	"chunk15-flush1":         {Chunk: 15, FlushEvery: 1}, // headers cross the fixarray limit
	"chunk100-background":    {Chunk: 100, Background: time.Millisecond},
	"chunk64-four-recorders": {Chunk: 64, FlushEvery: 33, Resumes: []int{250, 500, 750}},
	"chunk100000-one-flush":  {Chunk: 100000},
}

// randomOptions draws options from seed, as pebble's metamorphic test
// draws its RandomOptions: every choice from one seeded source, so the
// seed alone reproduces a run.
func randomOptions(seed uint64) metaOptions {
	r := rand.New(rand.NewPCG(seed, 0x6d657461))
	o := metaOptions{ScheduleSeed: r.Uint64(), Steps: 100 + r.IntN(3000)}
	n := 2 + r.IntN(11)
	if r.IntN(2) == 0 {
		for id := 1; id <= n; id++ {
			o.IDs = append(o.IDs, core.MachineID(id))
		}
	} else { // ids far apart, so their keys and messages take more bytes
		seen := map[core.MachineID]bool{}
		for len(o.IDs) < n {
			id := core.MachineID(1 + r.IntN(1<<16))
			if !seen[id] {
				seen[id] = true
				o.IDs = append(o.IDs, id)
			}
		}
	}
	edges := []int{1, 2, 3, 7, 15, 16, 17, 64, 100, 512, 4096, 100000}
	if r.IntN(2) == 0 {
		o.Chunk = edges[r.IntN(len(edges))]
	} else {
		o.Chunk = 1 + r.IntN(300)
	}
	if r.IntN(3) == 0 {
		o.FlushEntries = 1 + r.IntN(500)
	}
	if r.IntN(4) == 0 {
		o.Background = time.Duration(1+r.IntN(5)) * time.Millisecond
	}
	if r.IntN(3) > 0 {
		o.FlushEvery = 1 + r.IntN(200)
	}
	switch r.IntN(3) {
	case 1:
		o.Batch = 1
	case 2:
		o.Batch = 2 + r.IntN(300)
	}
	for range r.IntN(5) {
		o.Resumes = append(o.Resumes, 1+r.IntN(o.Steps-1))
	}
	slices.Sort(o.Resumes)
	o.Resumes = slices.Compact(o.Resumes)
	o.Reopen = r.IntN(2) == 0
	o.Finish = r.IntN(2) == 0
	return o
}

// TestBatchingMetamorphic writes schedules under different chunk sizes,
// flush patterns, hand-over styles and resume points, hand-picked and
// drawn from seeds; what reads back must be the schedule, whatever the
// options (pebble's metamorphic tests, in small). A failure logs its seed
// and options; -seed N runs that seed's options alone.
func TestBatchingMetamorphic(t *testing.T) {
	if *metaSeed == 0 {
		for _, name := range slices.Sorted(maps.Keys(fixedOptions)) {
			o := fixedOptions[name]
			o.ScheduleSeed, o.IDs, o.Steps = 42, ids3, 1000
			t.Run(name, func(t *testing.T) { runMetamorphic(t, o) })
		}
	}
	seeds := metaSeeds
	if *metaSeed != 0 {
		seeds = []uint64{*metaSeed}
	}
	for _, seed := range seeds {
		o := randomOptions(seed)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			// Shown when the test fails (and with -v).
			t.Logf("seed %d, options %+v; reproduce with go test ./record -run TestBatchingMetamorphic -seed %d", seed, o, seed)
			runMetamorphic(t, o)
		})
	}
}

func runMetamorphic(t *testing.T, o metaOptions) {
	steps := schedule(t, o.ScheduleSeed, o.IDs, o.Steps)
	want := perMachine(steps)
	path := filepath.Join(t.TempDir(), "m.db")
	st := openStore(t, path, record.Options{})
	meta := testMeta("m", o.ScheduleSeed, t0, o.IDs)
	meta.Config = nil
	for _, id := range o.IDs {
		meta.Config = append(meta.Config, core.MachineSpec{ID: id, Host: "127.0.0.1", Port: 7000 + int(id)})
	}
	meta.Fingerprint = core.Fingerprint(meta.Config, meta.Params)
	if err := st.BeginRun(meta); err != nil {
		t.Fatal(err)
	}
	opt := record.RecorderOptions{ChunkEntries: o.Chunk, FlushEntries: o.FlushEntries, FlushEvery: o.Background}
	if o.Background == 0 {
		opt.FlushEvery = time.Hour // only the explicit flushes
	}
	cuts := append(append([]int{0}, o.Resumes...), len(steps))
	// recordersOf counts, per machine, the Recorders that append to its
	// log: each starts its own chunk from a zero state.
	recordersOf := map[core.MachineID]int{}
	for r := range len(cuts) - 1 {
		seg := steps[cuts[r]:cuts[r+1]]
		touched := map[core.MachineID]bool{}
		for _, s := range seg {
			touched[s.m] = true
		}
		for id := range touched {
			recordersOf[id]++
		}
		if r > 0 && o.Reopen {
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			st = openStore(t, path, record.Options{})
		}
		rec, err := st.NewRecorder(meta.ID, opt)
		if err != nil {
			t.Fatal(err)
		}
		handed := 0
		for i := 0; i < len(seg); {
			switch o.Batch {
			case 0:
				rec.Append(seg[i].m, seg[i].e)
				i++
			case 1:
				e := seg[i].e
				rec.Add(seg[i].m, &e)
				i++
			default:
				var b []record.MachineEntry
				for ; i < len(seg) && len(b) < o.Batch; i++ {
					b = append(b, record.MachineEntry{M: seg[i].m, E: seg[i].e})
				}
				rec.AddBatch(b)
			}
			if o.FlushEvery > 0 && i/o.FlushEvery > handed/o.FlushEvery {
				if err := rec.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			handed = i
		}
		last := r == len(cuts)-2
		if last && o.Finish {
			err = rec.Finish(record.StatusComplete, t0.Add(time.Minute))
		} else {
			err = rec.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !o.Finish {
		if err := st.FinishRun(meta.ID, record.StatusComplete, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.Run(meta.ID); err != nil || got.Status != record.StatusComplete || !got.Ended.Equal(t0.Add(time.Minute)) {
		t.Fatalf("run ends as %+v (%v), want complete at %v", got, err, t0.Add(time.Minute))
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if diff := diffLogs(want, readAll(t, st, meta.ID)); diff != nil {
		t.Fatal(diff)
	}
	stats, err := st.Stats(meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range stats {
		if w := wantStats(got.ID, want[got.ID]); got != w {
			t.Errorf("machine %d stats %+v, counted independently %+v", got.ID, got, w)
		}
	}
	if len(stats) != len(want) {
		t.Errorf("stats of %d machines, want %d", len(stats), len(want))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// The packing really varied: no chunk exceeds either limit, each
	// Recorder starts its own chunk from a zero state, and a chunk ends
	// early only for that, at the log's end, or when the next entry would
	// not fit its bytes (entries here are under 64 bytes).
	limit := record.ChunkBodyLimit(os.Getpagesize())
	counts := chunkSizes(t, path, meta.ID)
	if len(counts) != len(want) {
		t.Errorf("chunks of %d machines, want %d", len(counts), len(want))
	}
	for id, shapes := range counts {
		total, resets := 0, 0
		for i, c := range shapes {
			total += c.entries
			if c.reset {
				resets++
			}
			last := i == len(shapes)-1
			endsEarly := c.entries != o.Chunk && !last && !shapes[i+1].reset && c.bytes < limit-64
			if c.entries > o.Chunk || c.entries == 0 || c.bytes > limit+8 || endsEarly || (i == 0 && !c.reset) {
				t.Errorf("machine %d chunk %d: %+v (limits %d entries, %d bytes): %+v", id, i+1, c, o.Chunk, limit, shapes)
				break
			}
		}
		if resets != recordersOf[id] {
			t.Errorf("machine %d: %d chunks start from zero, want one per Recorder that wrote to it (%d)", id, resets, recordersOf[id])
		}
		if total != len(want[id]) {
			t.Errorf("machine %d: chunks hold %d entries, want %d", id, total, len(want[id]))
		}
	}
}

// chunkSizes reads the layout with bbolt and encoding/binary, not with
// this package, and returns each machine's chunks: entry count, size and
// whether it starts from a zero state.
func chunkSizes(t *testing.T, path, runID string) map[core.MachineID][]chunkShape {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[core.MachineID][]chunkShape{}
	err = db.View(func(tx *bolt.Tx) error {
		run := rawRun(tx, runID)
		for _, mid := range rawIDs(run) {
			id := core.MachineID(mid)
			ns, vs := rawLog{run, mid}.chunks()
			for i, v := range vs {
				if len(v) < 3 || v[0] != 0x03 {
					t.Fatalf("machine %d chunk %d does not start with the delta magic", id, ns[i])
				}
				n, w := binary.Uvarint(v[1:])
				if w <= 0 || 1+w >= len(v) {
					t.Fatalf("machine %d chunk %d: bad header % x", id, ns[i], v[:min(len(v), 8)])
				}
				out[id] = append(out[id], chunkShape{entries: int(n), bytes: len(v), reset: v[1+w] == 1})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type chunkShape struct {
	entries, bytes int
	reset          bool
}
