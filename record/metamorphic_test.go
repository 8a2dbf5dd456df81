package record_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

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
	var refStats []core.MachineStats
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
			// The packing really varied: no chunk exceeds either limit,
			// each Recorder starts its own chunk from a zero state, and a
			// chunk ends early only for that, at the log's end, or when the
			// next entry would not fit its bytes (entries here are under 64
			// bytes).
			limit := record.ChunkBodyLimit(os.Getpagesize())
			counts := chunkSizes(t, path, meta.ID)
			for id, shapes := range counts {
				total, resets := 0, 0
				for i, c := range shapes {
					total += c.entries
					if c.reset {
						resets++
					}
					last := i == len(shapes)-1
					endsEarly := c.entries != tc.chunk && !last && !shapes[i+1].reset && c.bytes < limit-64
					if c.entries > tc.chunk || c.entries == 0 || c.bytes > limit+8 || endsEarly || (i == 0 && !c.reset) {
						t.Errorf("machine %d chunk %d: %+v (limits %d entries, %d bytes): %+v", id, i+1, c, tc.chunk, limit, shapes)
						break
					}
				}
				if resets != recorders {
					t.Errorf("machine %d: %d chunks start from zero, want one per Recorder (%d)", id, resets, recorders)
				}
				if total != len(want[id]) {
					t.Errorf("machine %d: chunks hold %d entries, want %d", id, total, len(want[id]))
				}
			}
		})
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
		run := tx.Bucket([]byte("data")).Bucket([]byte(runID))
		return run.ForEachBucket(func(mk []byte) error {
			id := core.MachineID(binary.BigEndian.Uint32(mk))
			return run.Bucket(mk).Bucket([]byte("chunks")).ForEach(func(k, v []byte) error {
				if len(v) < 3 || v[0] != 0x03 {
					t.Fatalf("machine %d chunk %x does not start with the delta magic", id, k)
				}
				n, w := binary.Uvarint(v[1:])
				if w <= 0 || 1+w >= len(v) {
					t.Fatalf("machine %d chunk %x: bad header % x", id, k, v[:min(len(v), 8)])
				}
				out[id] = append(out[id], chunkShape{entries: int(n), bytes: len(v), reset: v[1+w] == 1})
				return nil
			})
		})
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
