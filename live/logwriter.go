package live

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"lamport/core"
)

// The log files are written in batches: a tick appends its line to its
// machine's buffer in memory, and one writer goroutine per process writes
// each buffer out with one write(2) every LogFlushEvery, or sooner once a
// buffer holds LogFlushBytes, and at the end of the run. A tick never
// waits on the file. What a file holds after a kill: every line written up
// to the last batch, whole (docs/RELIABILITY.md).
const (
	// LogFlushEvery bounds how long a line waits in memory before it is
	// written: what a kill -9 loses of a log file.
	LogFlushEvery = 100 * time.Millisecond
	// LogFlushBytes is the size at which a machine's buffer is written out
	// before LogFlushEvery has passed.
	LogFlushBytes = 64 << 10
)

// machineLog is one machine's log file. Its tick goroutine appends lines
// to pending; the logWriter (or close) writes them out.
type machineLog struct {
	f    *os.File
	kick chan<- struct{}

	mu      sync.Mutex // guards pending and err
	pending []byte
	// err is the first failed write; the lines after it are dropped.
	err error

	// wmu serialises the writes to f; out is the buffer being written.
	wmu sync.Mutex
	out []byte
}

// add appends the line of ev, which machine self did at wall time at, and
// wakes the writer when the buffer has grown past LogFlushBytes.
func (l *machineLog) add(at time.Time, self core.MachineID, ev core.Event) {
	l.mu.Lock()
	if l.err == nil {
		l.pending = core.AppendLogLine(l.pending, at, self, ev)
	}
	full := len(l.pending) >= LogFlushBytes
	l.mu.Unlock()
	if full {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
}

// flush writes what is pending in one write (os.File.Write retries a
// short one), so the file grows by whole lines: lines are appended whole
// and in order by one goroutine, and only flush writes the file.
func (l *machineLog) flush() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	l.pending, l.out = l.out[:0], l.pending
	err := l.err
	l.mu.Unlock()
	if err != nil || len(l.out) == 0 {
		return err
	}
	if _, err := l.f.Write(l.out); err != nil {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		return err
	}
	if cap(l.out) > 4*LogFlushBytes {
		l.out = nil // a burst's buffer is not kept for the rest of the run
	}
	return nil
}

// close writes what is pending and closes the file.
func (l *machineLog) close() error {
	err := l.flush()
	return errors.Join(err, l.f.Close())
}

// logWriter writes the logs of a process's machines every LogFlushEvery,
// or at once when one of them asks (kick).
type logWriter struct {
	logs []*machineLog
	kick chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

func newLogWriter() *logWriter {
	return &logWriter{kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// open adds f, an open log file, to the writer.
func (w *logWriter) open(f *os.File) *machineLog {
	l := &machineLog{f: f, kick: w.kick}
	w.logs = append(w.logs, l)
	return l
}

// start runs the writer until stop; open comes before it.
func (w *logWriter) start(every time.Duration) {
	if len(w.logs) == 0 {
		return
	}
	w.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
			case <-w.kick:
			}
			for _, l := range w.logs {
				// A failed write is kept in l and reported by close.
				_ = l.flush()
			}
		}
	})
}

// stop ends the writer; it may be called more than once, and before start.
func (w *logWriter) stop() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
	w.wg.Wait()
}

// cutTornLine cuts f, open for appending, back to its last newline: a
// process killed in the middle of a write may leave part of a line, and a
// machine rejoining its run appends below whole lines only.
func cutTornLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	// Look back block by block for the last newline.
	const block = 64 << 10
	buf := make([]byte, block)
	for end := size; end > 0; {
		begin := max(0, end-block)
		n, err := f.ReadAt(buf[:end-begin], begin)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return f.Truncate(begin + int64(i) + 1)
		}
		end = begin
	}
	// Not even the header is whole: start the file again.
	return f.Truncate(0)
}
