package record

import (
	"fmt"
	"slices"
	"time"

	"lamport/core"
	"lamport/internal/minheap"
)

// TimedEntry is one entry of a run's time-ordered walk.
type TimedEntry struct {
	Machine core.MachineID
	// Slot is Machine's index in TimeWalk.Machines, for a caller that keeps
	// per-machine state in a slice.
	Slot int
	// RunAt is when the entry happened on the run's time axis: the
	// machine's start on that axis (RunMeta.AxisStarts) less the axis's
	// origin, plus Entry.At. The origin is the run's Started, or for a
	// run whose machines' clocks were measured against each other, the
	// earliest corrected start. A machine or run without a start time
	// counts from the origin.
	RunAt time.Duration
	// Wall is the machine's start on the axis plus Entry.At: a wall time
	// on the reference machine's clock (for a run on one clock, simply
	// StartWall plus Entry.At).
	Wall time.Time
	// Own is the machine's StartWall plus Entry.At: the wall time on its
	// own clock, as its log file has it.
	Own   time.Time
	Entry core.Entry
}

// TimeWalk streams a run's entries, every machine's merged into one order:
// by RunAt, ties to the lower machine id, and log order within a machine.
// It holds one entry per machine, and a step costs log(machines), so it
// walks runs of any length and of thousands of machines. This is the one
// order in which show, export and the report see a run.
type TimeWalk struct {
	meta     RunMeta
	open     func(core.MachineID) EntrySource
	machines []core.MachineID
	heads    *minheap.Heap[*walkHead]
	started  bool
	err      error
}

// EntrySource is one machine's log, read in order: an EntryIter, or a log
// held in memory.
type EntrySource interface {
	// Read reads the next entry into e; false at the end or on an error.
	Read(e *core.Entry) bool
	// Err is the error that stopped Read, nil at a clean end.
	Err() error
}

type walkHead struct {
	src EntrySource
	e   TimedEntry
	// start and offset are the machine's start on the run's time axis and
	// its distance from the axis's origin; own its start on its own clock.
	start, own time.Time
	offset     time.Duration
}

// TimeWalk starts a walk over the machines the run's metadata lists and
// those with a log, or, when only is given, over those of only that the
// run has.
func (r *Reader) TimeWalk(only ...core.MachineID) *TimeWalk {
	ids := slices.Clone(r.machines)
	for _, mm := range r.meta.Machines {
		if !slices.Contains(ids, mm.ID) {
			ids = append(ids, mm.ID)
		}
	}
	if len(only) > 0 {
		ids = slices.DeleteFunc(ids, func(id core.MachineID) bool { return !slices.Contains(only, id) })
	}
	slices.Sort(ids)
	return NewTimeWalk(r.meta, ids, func(id core.MachineID) EntrySource { return r.Entries(id) })
}

// NewTimeWalk is a TimeWalk of run meta over machines (ascending, no
// repeats), each machine's log read from what open gives: the walk of a
// run held in memory is the walk of it stored.
func NewTimeWalk(meta RunMeta, machines []core.MachineID, open func(core.MachineID) EntrySource) *TimeWalk {
	return &TimeWalk{meta: meta, open: open, machines: machines, heads: minheap.New(func(a, b *walkHead) bool {
		return a.e.RunAt < b.e.RunAt || (a.e.RunAt == b.e.RunAt && a.e.Machine < b.e.Machine)
	})}
}

// Machines lists the walk's machines, ascending; TimedEntry.Slot indexes it.
func (w *TimeWalk) Machines() []core.MachineID { return w.machines }

// Next returns the run's next entry in time order, or false at the end or
// on an error (Err tells). The entry is valid until the next call.
func (w *TimeWalk) Next() (*TimedEntry, bool) {
	if w.err != nil {
		return nil, false
	}
	if !w.started {
		w.started = true
		starts, offsets := w.meta.AxisPlaces(w.machines)
		for slot, id := range w.machines {
			h := &walkHead{src: w.open(id), e: TimedEntry{Machine: id, Slot: slot}, start: starts[slot], offset: offsets[slot]}
			if mm, ok := w.meta.Machine(id); ok {
				h.own = mm.StartWall
			}
			if w.load(h) {
				w.heads.Push(h)
			}
		}
	} else if w.heads.Len() > 0 {
		if w.load(w.heads.Top()) {
			w.heads.FixTop()
		} else {
			w.heads.PopTop()
		}
	}
	if w.err != nil || w.heads.Len() == 0 {
		return nil, false
	}
	return &w.heads.Top().e, true
}

// load reads h's next entry; false at the end of its log or on an error.
func (w *TimeWalk) load(h *walkHead) bool {
	if !h.src.Read(&h.e.Entry) {
		if err := h.src.Err(); err != nil && w.err == nil {
			w.err = fmt.Errorf("machine %d: %w", h.e.Machine, err)
		}
		return false
	}
	h.e.RunAt = h.offset + h.e.Entry.At
	h.e.Wall = h.start.Add(h.e.Entry.At)
	h.e.Own = h.own.Add(h.e.Entry.At)
	return true
}

// Err is the error that ended the walk, if any.
func (w *TimeWalk) Err() error { return w.err }
