package report

import (
	"fmt"
	"slices"
	"time"

	"lamport/core"
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

// logWalk is record.TimeWalk over entries in memory. A simulation hands
// over its entries in time order, mostly with ties already by id: then
// the walk simply goes through them (inOrder), placing each on the run's
// time axis as TimeWalk does (RunMeta.AxisPlaces); otherwise it is a
// record.TimeWalk over each machine's entries.
type logWalk struct {
	entries  []record.MachineEntry
	machines []core.MachineID
	// slots are the entries' machines' indexes in machines; offsets and
	// starts are the machines' places on the time axis, by slot.
	slots   []int32
	offsets []time.Duration
	starts  []time.Time
	inOrder bool
	i       int // inOrder: the next entry
	e       record.TimedEntry
	merged  *record.TimeWalk // !inOrder
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
	w := &logWalk{entries: entries, machines: ids, slots: make([]int32, len(entries))}
	w.starts, w.offsets = meta.AxisPlaces(ids)
	for i := range entries {
		w.slots[i] = int32(slotOf(ids, entries[i].M))
	}
	if w.inOrder = w.sorted(); !w.inOrder {
		logs := make([]entryLog, len(ids))
		for i := range entries {
			logs[w.slots[i]].at = append(logs[w.slots[i]].at, int32(i))
		}
		w.merged = record.NewTimeWalk(meta, ids, func(id core.MachineID) record.EntrySource {
			l := &logs[slotOf(ids, id)]
			l.entries = entries
			return l
		})
	}
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
		at := w.offsets[w.slots[i]] + w.entries[i].E.At
		if i > 0 && (at < prevAt || at == prevAt && m < prevID) {
			return false
		}
		prevAt, prevID = at, m
	}
	return true
}

// slotOf is machine m's index in ids, ascending.
func slotOf(ids []core.MachineID, m core.MachineID) int {
	if len(ids) <= 8 {
		return slices.Index(ids, m)
	}
	i, _ := slices.BinarySearch(ids, m)
	return i
}

// Machines lists the walk's machines, ascending; TimedEntry.Slot indexes
// it.
func (w *logWalk) Machines() []core.MachineID { return w.machines }

// Next is record.TimeWalk's Next.
func (w *logWalk) Next() (*record.TimedEntry, bool) {
	if !w.inOrder {
		return w.merged.Next()
	}
	if w.i == len(w.entries) {
		return nil, false
	}
	me, slot := &w.entries[w.i], w.slots[w.i]
	w.i++
	w.e = record.TimedEntry{Machine: me.M, Slot: int(slot), Entry: me.E}
	w.e.RunAt = w.offsets[slot] + me.E.At
	w.e.Wall = w.starts[slot].Add(me.E.At)
	return &w.e, true
}

// Err is always nil: entries in memory do not fail to decode.
func (w *logWalk) Err() error { return nil }

// entryLog is one machine's log among entries held in memory: the
// positions of its entries, read in order (a record.EntrySource).
type entryLog struct {
	entries []record.MachineEntry
	at      []int32
	next    int
}

func (l *entryLog) Read(e *core.Entry) bool {
	if l.next == len(l.at) {
		return false
	}
	*e = l.entries[l.at[l.next]].E
	l.next++
	return true
}

func (l *entryLog) Err() error { return nil }
