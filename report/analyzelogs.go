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

// logWalk is record.TimeWalk over entries in memory.
type logWalk struct {
	meta     record.RunMeta
	entries  []record.MachineEntry
	machines []core.MachineID
	heads    *minheap.Heap[*logHead]
	started  bool
}

// logHead is one machine's place in the walk: the positions in entries of
// its log, and the entry at the current one.
type logHead struct {
	at     []int32
	next   int
	offset time.Duration
	start  time.Time
	e      record.TimedEntry
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
	return &logWalk{meta: meta, entries: entries, machines: ids, heads: minheap.New(func(a, b *logHead) bool {
		return a.e.RunAt < b.e.RunAt || (a.e.RunAt == b.e.RunAt && a.e.Machine < b.e.Machine)
	})}
}

// Machines lists the walk's machines, ascending; TimedEntry.Slot indexes
// it.
func (w *logWalk) Machines() []core.MachineID { return w.machines }

// Next is record.TimeWalk's Next.
func (w *logWalk) Next() (*record.TimedEntry, bool) {
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
	heads := make([]logHead, len(w.machines))
	for i := range w.entries {
		slot, _ := slices.BinarySearch(w.machines, w.entries[i].M)
		heads[slot].at = append(heads[slot].at, int32(i))
	}
	for slot, id := range w.machines {
		h := &heads[slot]
		h.e.Machine, h.e.Slot = id, slot
		// As TimeWalk places a machine on a run on one clock: at its
		// StartWall, Started being the axis's origin; a machine the
		// metadata does not list, or without a start, at the origin.
		if mm, ok := w.meta.Machine(id); ok {
			h.start = mm.StartWall
			if !h.start.IsZero() && !w.meta.Started.IsZero() {
				h.offset = h.start.Sub(w.meta.Started)
			}
		}
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
	h.e.RunAt = h.offset + h.e.Entry.At
	h.e.Wall = h.start.Add(h.e.Entry.At)
	return true
}
