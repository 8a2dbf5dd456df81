package main

import (
	"fmt"
	"time"

	"lamport/core"
	"lamport/internal/minheap"
	"lamport/record"
)

// timelineFilter narrows a run's entries.
type timelineFilter struct {
	machine  core.MachineID // 0: every machine
	from, to uint64         // event index bounds, inclusive; 0: unbounded
	arrivals bool           // include arrival inputs, not only events
}

// timelineItem is one entry with the machine that saw it and its wall time.
type timelineItem struct {
	machine core.MachineID
	wall    time.Time
	entry   core.Entry
}

// eachTimeline streams a run's entries merged across machines by wall time
// (ties: lower machine id first), holding one entry per machine in memory.
// Within a machine, log order is kept. The machines' next entries sit in a
// heap, so a run of many machines costs log(machines) per entry, not
// machines. fn must not keep the item past its call.
func eachTimeline(st *record.Store, meta record.RunMeta, f timelineFilter, fn func(*timelineItem) error) error {
	starts := map[core.MachineID]time.Time{}
	for _, m := range meta.Machines {
		starts[m.ID] = m.StartWall
	}
	return st.View(meta.ID, func(r *record.Reader) error {
		// advance loads h's next kept entry; false at the log's end.
		advance := func(h *timelineHead) (bool, error) {
			for h.it.Read(&h.item.entry) {
				if f.keep(&h.item.entry) {
					h.item.wall = h.start.Add(h.item.entry.At)
					h.wallNs = h.startNs + int64(h.item.entry.At)
					return true, nil
				}
			}
			if err := h.it.Err(); err != nil {
				return false, fmt.Errorf("run %s machine %d: %w", meta.ID, h.item.machine, err)
			}
			return false, nil
		}
		heads := minheap.New(func(a, b *timelineHead) bool {
			return a.wallNs < b.wallNs || (a.wallNs == b.wallNs && a.item.machine < b.item.machine)
		})
		for _, id := range r.Machines() {
			if f.machine != 0 && id != f.machine {
				continue
			}
			start := starts[id]
			h := &timelineHead{it: r.Entries(id), item: timelineItem{machine: id}, start: start, startNs: start.UnixNano()}
			ok, err := advance(h)
			if err != nil {
				return err
			}
			if ok {
				heads.Push(h)
			}
		}
		for heads.Len() > 0 {
			h := heads.Top()
			if err := fn(&h.item); err != nil {
				return err
			}
			ok, err := advance(h)
			if err != nil {
				return err
			}
			if ok {
				heads.FixTop()
			} else {
				heads.PopTop()
			}
		}
		return nil
	})
}

// timelineHead is one machine's next entry.
type timelineHead struct {
	it      *record.EntryIter
	item    timelineItem
	start   time.Time
	startNs int64
	wallNs  int64 // item.wall as Unix nanoseconds, for ordering
}

func (f timelineFilter) keep(e *core.Entry) bool {
	if e.Arrival {
		return f.arrivals
	}
	if e.Fault.Kind != 0 {
		return f.from == 0 && f.to == 0
	}
	return (f.from == 0 || e.Event.Index >= f.from) && (f.to == 0 || e.Event.Index <= f.to)
}
