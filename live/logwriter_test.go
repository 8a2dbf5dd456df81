package live

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/core"
)

// logEvents ticks a model machine n times and returns its events with
// the wall time of each, as a live machine would log them.
func logEvents(t *testing.T, id core.MachineID, n int) ([]core.Event, []time.Time) {
	t.Helper()
	m, err := core.NewMachine(id, []core.MachineID{1, 2, 3}, core.DefaultParams(uint64(id)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	evs, ats := make([]core.Event, n), make([]time.Time, n)
	for i := range n {
		evs[i] = m.Tick()
		ats[i] = start.Add(time.Duration(i) * 137 * time.Microsecond)
	}
	return evs, ats
}

func wantLog(header string, id core.MachineID, evs []core.Event, ats []time.Time) []byte {
	b := []byte(header)
	for i, ev := range evs {
		b = core.AppendLogLine(b, ats[i], id, ev)
	}
	return b
}

func createLog(t *testing.T, w *logWriter, path, header string) *machineLog {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(header); err != nil {
		t.Fatal(err)
	}
	return w.open(f)
}

// Several machines log at once, each from its own goroutine as their
// ticks do, while the writer flushes often and on size: every file ends
// up holding exactly its machine's lines, in order, none torn or mixed.
func TestBatchedLogsAreWholeAndInOrder(t *testing.T) {
	dir := t.TempDir()
	w := newLogWriter()
	const events = 20000 // about 1.6 MB a machine: many size-triggered writes
	ids := []core.MachineID{1, 2, 3}
	logs := map[core.MachineID]*machineLog{}
	for _, id := range ids {
		logs[id] = createLog(t, w, filepath.Join(dir, fmt.Sprintf("log_%d.txt", id)), "# header\n")
	}
	w.start(time.Millisecond)
	var ticking sync.WaitGroup
	for _, id := range ids {
		evs, ats := logEvents(t, id, events)
		ticking.Go(func() {
			for i, ev := range evs {
				logs[id].add(ats[i], id, ev)
				if i%5000 == 0 {
					time.Sleep(time.Millisecond) // let the writer's ticker in
				}
			}
		})
	}
	ticking.Wait()
	w.stop()
	for _, id := range ids {
		if err := logs[id].close(); err != nil {
			t.Fatal(err)
		}
		evs, ats := logEvents(t, id, events)
		want := wantLog("# header\n", id, evs, ats)
		got, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("log_%d.txt", id)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("machine %d's log: %d bytes, want %d; they differ from byte %d:\n%.200q\nwant\n%.200q", id, len(got), len(want), i, got[i:], want[i:])
		}
	}
}

// Between batches the file holds whole lines only: after every write it
// is a prefix of the full log that ends with a newline.
func TestEveryBatchEndsWithAWholeLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log_1.txt")
	w := newLogWriter()
	l := createLog(t, w, path, "# h\n")
	evs, ats := logEvents(t, 1, 3000)
	want := wantLog("# h\n", 1, evs, ats)
	for i, ev := range evs {
		l.add(ats[i], 1, ev)
		if i%7 != 0 {
			continue
		}
		if err := l.flush(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(want, got) || got[len(got)-1] != '\n' || bytes.Count(got, []byte("\n")) != i+2 {
			t.Fatalf("after event %d the file is not the header and %d whole lines:\n%.300q", i+1, i+1, got)
		}
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Fatalf("after close the file is %d bytes, want %d", len(got), len(want))
	}
}

// Lines wait in memory, not in the tick: nothing is written until the
// writer's interval passes, unless a buffer outgrows LogFlushBytes, which
// wakes the writer at once.
func TestTheWriterWritesOnSizeAndOnTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log_1.txt")
	w := newLogWriter()
	l := createLog(t, w, path, "# h\n")
	w.start(time.Hour)
	defer w.stop()
	evs, ats := logEvents(t, 1, 5000)
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	var n, buffered int
	for buffered < LogFlushBytes/2 {
		l.add(ats[n], 1, evs[n])
		buffered += len(core.AppendLogLine(nil, ats[n], 1, evs[n]))
		n++
	}
	time.Sleep(50 * time.Millisecond)
	if got := size(); got != 4 {
		t.Fatalf("with half a batch added and an hour's interval the file has %d bytes, want the header's 4", got)
	}
	for buffered < LogFlushBytes {
		l.add(ats[n], 1, evs[n])
		buffered += len(core.AppendLogLine(nil, ats[n], 1, evs[n]))
		n++
	}
	for deadline := time.Now().Add(10 * time.Second); size() != int64(4+buffered); {
		if time.Now().After(deadline) {
			t.Fatalf("a full buffer (%d bytes) was not written within 10 s: the file has %d bytes", buffered, size())
		}
		time.Sleep(time.Millisecond)
	}

	// And on time, with a short interval.
	path2 := filepath.Join(t.TempDir(), "log_2.txt")
	w2 := newLogWriter()
	l2 := createLog(t, w2, path2, "# h\n")
	w2.start(10 * time.Millisecond)
	defer w2.stop()
	l2.add(ats[0], 1, evs[0])
	want := wantLog("# h\n", 1, evs[:1], ats[:1])
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if got, _ := os.ReadFile(path2); bytes.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("one line was not written within 10 s by a writer with a 10 ms interval")
		}
	}
}

// A write that fails is reported when the log is closed, and the lines
// after it are dropped rather than written with a hole before them.
func TestAFailedWriteIsReportedAtClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log_1.txt")
	w := newLogWriter()
	l := createLog(t, w, path, "# h\n")
	evs, ats := logEvents(t, 1, 2)
	l.add(ats[0], 1, evs[0])
	// A read-only handle in place of the file makes the next write fail.
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	l.f.Close()
	l.f = ro
	if err := l.flush(); err == nil {
		t.Fatal("a write to a read-only file did not fail")
	}
	l.add(ats[1], 1, evs[1])
	if err := l.close(); err == nil || !strings.Contains(err.Error(), "bad file descriptor") {
		t.Fatalf("close after a failed write: %v, want that error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "# h\n" {
		t.Fatalf("the file after a failed write: %q", got)
	}
}

// A process killed inside a write can leave part of a line; a machine
// rejoining its run cuts it before appending.
func TestCutTornLine(t *testing.T) {
	long := strings.Repeat("x", 100<<10) + "\n" // longer than a block of the search
	for _, tc := range []struct{ before, after string }{
		{"", ""},
		{"# h\n", "# h\n"},
		{"# h\nline 1\nline 2\n", "# h\nline 1\nline 2\n"},
		{"# h\nline 1\nli", "# h\nline 1\n"},
		{"# h\n" + long + "torn", "# h\n" + long},
		{"# h\n" + strings.Repeat("y", 200<<10), "# h\n"},
		{"# torn header", ""},
	} {
		path := filepath.Join(t.TempDir(), "log_1.txt")
		if err := os.WriteFile(path, []byte(tc.before), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		err = cutTornLine(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != tc.after {
			t.Errorf("cut %.40q...: %d bytes %.40q..., want %d bytes", tc.before, len(got), got, len(tc.after))
		}
	}
}
