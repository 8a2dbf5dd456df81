package record

import (
	"fmt"
	"time"

	"lamport/core"
)

// Batch is a sequence of entries of any machines for Recorder.AddEntries,
// kept compactly: an arrival takes 40 bytes and a tick 120, where a
// MachineEntry takes 200, so a driver that hands entries to the recorder
// on another goroutine (the recorded simulation) copies less than half the
// bytes. Reset empties it and keeps its memory for the next entries. Like
// Add, a Batch reads Event.To without copying it: the caller must not
// change a list it added until AddEntries has returned.
type Batch struct {
	heads  []batchHead
	msgs   []core.Message // the arrivals' messages, in order
	events []core.Event   // the ticks' events, in order
	others []core.Entry   // every other entry (faults), in order
}

// batchHead is one entry of a Batch: its machine, time and kind; the rest
// is in the Batch's slice of that kind, in the same order.
type batchHead struct {
	at   time.Duration
	m    core.MachineID
	kind uint8
}

// Kinds of batchHead.
const (
	batchArrival = iota
	batchTick
	batchOther
)

// Arrival adds an arrival of msg at machine m, at at.
func (b *Batch) Arrival(m core.MachineID, at time.Duration, msg core.Message) {
	b.heads = append(b.heads, batchHead{at: at, m: m, kind: batchArrival})
	b.msgs = append(b.msgs, msg)
}

// Tick adds machine m's tick at at, whose output is *ev (read during the
// call; ev.To is kept).
func (b *Batch) Tick(m core.MachineID, at time.Duration, ev *core.Event) {
	b.heads = append(b.heads, batchHead{at: at, m: m, kind: batchTick})
	b.events = append(b.events, *ev)
}

// Add adds *e as machine m's next entry, as Recorder.Add would take it.
func (b *Batch) Add(m core.MachineID, e *core.Entry) {
	switch {
	case e.Arrival:
		b.Arrival(m, e.At, e.Msg)
	case e.Fault.Kind == 0:
		b.Tick(m, e.At, &e.Event)
	default:
		b.heads = append(b.heads, batchHead{at: e.At, m: m, kind: batchOther})
		b.others = append(b.others, *e)
	}
}

// Len is the number of entries in b.
func (b *Batch) Len() int { return len(b.heads) }

// Reset empties b, keeping its memory.
func (b *Batch) Reset() {
	b.heads, b.msgs = b.heads[:0], b.msgs[:0]
	clear(b.events) // drop the To lists
	clear(b.others)
	b.events, b.others = b.events[:0], b.others[:0]
}

// valueArena hands out the memory of a commit's keys and values, which
// bbolt reads until the commit ends: one large buffer instead of an
// allocation per chunk. reset, after the commit, reuses it.
type valueArena struct {
	buf []byte
}

// arenaBlock is the smallest buffer an arena allocates. It starts small
// and doubles, so a long recording soon holds one buffer as large as its
// commits, while the thousands of short runs of a sweep, each with its own
// Recorder and committed together, do not take a megabyte each.
const arenaBlock = 4 << 10

// take returns an empty slice with room for n bytes, valid until reset.
func (a *valueArena) take(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		// The full buffer stays referenced by the values taken from it.
		a.buf = make([]byte, 0, max(n, arenaBlock, 2*cap(a.buf)))
	}
	out := a.buf[len(a.buf) : len(a.buf) : len(a.buf)+n]
	a.buf = a.buf[:len(a.buf)+n]
	return out
}

// reset makes the arena's memory available again: call it only once
// nothing reads what it handed out.
func (a *valueArena) reset() { a.buf = a.buf[:0] }

// machineWhere names a machine's log in errors, formatted only when one
// is.
type machineWhere struct {
	runID string
	id    core.MachineID
}

func (w machineWhere) String() string { return fmt.Sprintf("run %s machine %d", w.runID, w.id) }
