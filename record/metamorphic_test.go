package record_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	bolt "go.etcd.io/bbolt"

	"lamport/core"
	"lamport/record"
)

// TestBatchingMetamorphic writes one schedule under different chunk sizes
// and flush patterns; what reads back must not depend on either (pebble's
// metamorphic tests, in small).
func TestBatchingMetamorphic(t *testing.T) {
	const seed = 42
	steps := schedule(t, seed, ids3, 1000)
	want := perMachine(steps)

	cases := []struct {
		name       string
		chunk      int
		flushEvery int // Flush after this many Appends; 0: only Close
		recorders  int // Close and start a new Recorder this many times
		background time.Duration
	}{
		{name: "chunk1-flush-each", chunk: 1, flushEvery: 1},
		{name: "chunk512-one-flush", chunk: 512},
		{name: "chunk3-flush7", chunk: 3, flushEvery: 7},
		{name: "chunk7-flush100", chunk: 7, flushEvery: 100},
		{name: "chunk15-flush1", chunk: 15, flushEvery: 1}, // headers cross the fixarray limit
		{name: "chunk100-background", chunk: 100, background: time.Millisecond},
		{name: "chunk64-four-recorders", chunk: 64, flushEvery: 33, recorders: 4},
		{name: "chunk100000-one-flush", chunk: 100000},
	}
	var refStats []record.MachineStats
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.db")
			st := openStore(t, path, record.Options{})
			meta := testMeta("m", seed, t0, ids3)
			if err := st.BeginRun(meta); err != nil {
				t.Fatal(err)
			}
			opt := record.RecorderOptions{ChunkEntries: tc.chunk, FlushEvery: tc.background}
			if tc.background == 0 {
				opt.FlushEvery = time.Hour // only the explicit flushes
			}
			recorders := max(tc.recorders, 1)
			per := (len(steps) + recorders - 1) / recorders
			for r := range recorders {
				rec, err := st.NewRecorder(meta.ID, opt)
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range steps[r*per : min((r+1)*per, len(steps))] {
					rec.Append(s.m, s.e)
					if tc.flushEvery > 0 && (i+1)%tc.flushEvery == 0 {
						if err := rec.Flush(); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := rec.Close(); err != nil {
					t.Fatal(err)
				}
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
			if refStats == nil {
				refStats = stats
			} else if !reflect.DeepEqual(stats, refStats) {
				t.Errorf("stats %+v differ from the first case's %+v", stats, refStats)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			// The packing really varied: no chunk exceeds the limit, and
			// every chunk is full but each machine's last (flushes fill the
			// last chunk before starting a new one).
			counts := chunkSizes(t, path, meta.ID)
			for id, sizes := range counts {
				total := 0
				for i, n := range sizes {
					total += n
					if n > tc.chunk || n == 0 || (i < len(sizes)-1 && n != tc.chunk) {
						t.Errorf("machine %d chunk %d holds %d entries (limit %d): %v", id, i+1, n, tc.chunk, sizes)
						break
					}
				}
				if total != len(want[id]) {
					t.Errorf("machine %d: chunks hold %d entries, want %d", id, total, len(want[id]))
				}
			}
		})
	}
}

// chunkSizes reads the layout with bbolt and a stock msgpack decoder, not
// with this package, and returns each machine's chunk entry counts.
func chunkSizes(t *testing.T, path, runID string) map[core.MachineID][]int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[core.MachineID][]int{}
	err = db.View(func(tx *bolt.Tx) error {
		run := tx.Bucket([]byte("data")).Bucket([]byte(runID))
		return run.ForEachBucket(func(mk []byte) error {
			id := core.MachineID(uint32(mk[0])<<24 | uint32(mk[1])<<16 | uint32(mk[2])<<8 | uint32(mk[3]))
			return run.Bucket(mk).Bucket([]byte("chunks")).ForEach(func(k, v []byte) error {
				var entries []any
				if err := msgpack.Unmarshal(v, &entries); err != nil {
					t.Fatalf("machine %d chunk %x is not plain msgpack: %v", id, k, err)
				}
				out[id] = append(out[id], len(entries))
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
