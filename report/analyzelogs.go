package report

import (
	"fmt"
	"slices"
	"time"

	"lamport/core"
	"lamport/internal/minheap"
	"lamport/record"
)

// AnalyzeLogs is Analyze of a run whose entries are in memory rather than
// in a store: meta is the run's metadata as the store holds it (its
// status and end included) and entries are every entry of the run, each
// machine's in its log order, the machines' interleaved in any order (as
// a Recorder is handed them). It gives exactly what Analyze gives once the
// run is stored: the same walk in time order (ties to the lower machine
// id, then log order), the same figures. A sweep analyses each run it has
// just simulated this way, without reading it back.
//
// The fields the store does not keep of an entry (see record.Recorder's
// Append) must be zero, as a simulation's are. Only a run on one clock
// is accepted: one whose machines' clocks were measured against each
// other (RunMeta.Synced) returns an error.
func AnalyzeLogs(meta record.RunMeta, entries []record.MachineEntry) (Analysis, error) {
	if meta.Synced() {
		return Analysis{}, fmt.Errorf("analyze run %s: its machines ran on clocks measured against each other; analyse it from the store", meta.ID)
	}
	return analyzeWalk(meta, newLogWalk(meta, entries))
}

// logWalk is record.TimeWalk over entries in memory. The order is that of
// the entries sorted by RunAt, then machine id, then log order. A
// simulation hands over its entries in time order, mostly with ties
// already by id: then the walk simply goes through them (inOrder);
// otherwise it merges the machines' logs in a heap, as TimeWalk does.
type logWalk struct {
	meta     record.RunMeta
	entries  []record.MachineEntry
	machines []core.MachineID
	// offsets are the machines' distances from the axis's origin, and
	// starts their starts, by slot.
	offsets []time.Duration
	starts  []time.Time
	inOrder bool
	i       int // inOrder: the next entry
	e       record.TimedEntry
	heads   *minheap.Heap[*logHead]
	started bool
}

// logHead is one machine's place in the heap's walk: the positions in
// entries of its log, and the entry at the current one.
type logHead struct {
	at   []int32
	next int
	e    record.TimedEntry
}

func newLogWalk(meta record.RunMeta, entries []record.MachineEntry) *logWalk {
	ids := make([]core.MachineID, 0, len(meta.Machines))
	for _, mm := range meta.Machines {
		ids = append(ids, mm.ID)
	}
	for i := range entries {
		if m := entries[i].M; !slices.Contains(ids, m) {
			ids = append(ids, m)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	w := &logWalk{meta: meta, entries: entries, machines: ids,
		offsets: make([]time.Duration, len(ids)), starts: make([]time.Time, len(ids))}
	for slot, id := range ids {
		// As TimeWalk places a machine of a run on one clock: at its
		// StartWall, Started being the axis's origin; a machine the
		// metadata does not list, or without a start, at the origin.
		if mm, ok := meta.Machine(id); ok {
			w.starts[slot] = mm.StartWall
			if !mm.StartWall.IsZero() && !meta.Started.IsZero() {
				w.offsets[slot] = mm.StartWall.Sub(meta.Started)
			}
		}
	}
	w.inOrder = w.sorted()
	return w
}

// sorted reports whether entries are already in the walk's order: by
// RunAt, then machine id. Entries of one machine at one instant are in
// its log order, since entries keeps each machine's log in order.
func (w *logWalk) sorted() bool {
	var prevAt time.Duration
	var prevID core.MachineID
	for i := range w.entries {
		m := w.entries[i].M
		at := w.offsets[w.slot(m)] + w.entries[i].E.At
		if i > 0 && (at < prevAt || at == prevAt && m < prevID) {
			return false
		}
		prevAt, prevID = at, m
	}
	return true
}

// slot is machine m's index in machines.
func (w *logWalk) slot(m core.MachineID) int {
	if len(w.machines) <= 8 {
		return slices.Index(w.machines, m)
	}
	i, _ := slices.BinarySearch(w.machines, m)
	return i
}

// Machines lists the walk's machines, ascending; TimedEntry.Slot indexes
// it.
func (w *logWalk) Machines() []core.MachineID { return w.machines }

// Next is record.TimeWalk's Next.
func (w *logWalk) Next() (*record.TimedEntry, bool) {
	if w.inOrder {
		if w.i == len(w.entries) {
			return nil, false
		}
		me := &w.entries[w.i]
		w.i++
		slot := w.slot(me.M)
		w.e = record.TimedEntry{Machine: me.M, Slot: slot, Entry: me.E}
		w.e.RunAt = w.offsets[slot] + me.E.At
		w.e.Wall = w.starts[slot].Add(me.E.At)
		return &w.e, true
	}
	if !w.started {
		w.started = true
		w.start()
	} else if w.heads.Len() > 0 {
		if w.load(w.heads.Top()) {
			w.heads.FixTop()
		} else {
			w.heads.PopTop()
		}
	}
	if w.heads.Len() == 0 {
		return nil, false
	}
	return &w.heads.Top().e, true
}

// Err is always nil: entries in memory do not fail to decode.
func (w *logWalk) Err() error { return nil }

func (w *logWalk) start() {
	w.heads = minheap.New(func(a, b *logHead) bool {
		return a.e.RunAt < b.e.RunAt || (a.e.RunAt == b.e.RunAt && a.e.Machine < b.e.Machine)
	})
	heads := make([]logHead, len(w.machines))
	for i := range w.entries {
		slot := w.slot(w.entries[i].M)
		heads[slot].at = append(heads[slot].at, int32(i))
	}
	for slot, id := range w.machines {
		h := &heads[slot]
		h.e.Machine, h.e.Slot = id, slot
		if w.load(h) {
			w.heads.Push(h)
		}
	}
}

// load moves h to its machine's next entry; false at the end of its log.
func (w *logWalk) load(h *logHead) bool {
	if h.next == len(h.at) {
		return false
	}
	h.e.Entry = w.entries[h.at[h.next]].E
	h.next++
	h.e.RunAt = w.offsets[h.e.Slot] + h.e.Entry.At
	h.e.Wall = w.starts[h.e.Slot].Add(h.e.Entry.At)
	return true
}
