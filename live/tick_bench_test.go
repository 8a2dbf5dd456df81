package live

import (
	"os"
	"path/filepath"
	"testing"

	"lamport/core"
	"lamport/record"
)

// BenchmarkTick is the tick path of a live machine: the model's tick,
// recording it, and its log line, without a network (a die so large that
// every tick is an internal event, so no message is sent). "log" is the
// batched log of a run, "log-write-each" writes every line at once with
// its own write(2), as the log files were written before they were
// batched, and "no-log" is --log-dir "". Each op is one tick, so ns/op
// and allocs/op are per tick.
func BenchmarkTick(b *testing.B) {
	for _, mode := range []string{"no-log", "log", "log-write-each"} {
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			st, err := record.Open(filepath.Join(dir, "b.db"), record.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			p := core.DefaultParams(5)
			p.Actions = 1 << 30
			if err := st.BeginRun(record.RunMeta{ID: "bench", Seed: 5, Mode: "live", Params: p, Status: record.StatusRunning}); err != nil {
				b.Fatal(err)
			}
			rec, err := st.NewRecorder("bench", record.RecorderOptions{})
			if err != nil {
				b.Fatal(err)
			}
			clock, err := DefaultClock()
			if err != nil {
				b.Fatal(err)
			}
			n, err := newNode(1, []core.MachineID{1, 2}, p, "bench", "fp", clock, clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			n.rec = rec
			w := newLogWriter()
			if mode != "no-log" {
				if err := n.openLog(w, filepath.Join(dir, "logs"), []byte("# bench\n"), false); err != nil {
					b.Fatal(err)
				}
			}
			if mode == "log" {
				w.start(LogFlushEvery)
			}
			b.ReportAllocs()
			for b.Loop() {
				n.tick()
				if mode == "log-write-each" {
					if err := n.log.flush(); err != nil {
						b.Fatal(err)
					}
				}
			}
			w.stop()
			if err := n.closeLog(); err != nil {
				b.Fatal(err)
			}
			if err := rec.Close(); err != nil {
				b.Fatal(err)
			}
			if mode != "no-log" {
				if fi, err := os.Stat(LogPath(filepath.Join(dir, "logs"), "bench", 1)); err != nil || fi.Size() == 0 {
					b.Fatalf("no log written: %v", err)
				}
			}
		})
	}
}
