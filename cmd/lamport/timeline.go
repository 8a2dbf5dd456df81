package main

import (
	"fmt"
	"time"

	"lamport/core"
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
	entry   record.Entry
}

// eachTimeline streams a run's entries merged across machines by wall time
// (ties: lower machine id first), holding one entry per machine in memory.
// Within a machine, log order is kept.
func eachTimeline(st *record.Store, meta record.RunMeta, f timelineFilter, fn func(timelineItem) error) error {
	starts := map[core.MachineID]time.Time{}
	for _, m := range meta.Machines {
		starts[m.ID] = m.StartWall
	}
	return st.View(meta.ID, func(r *record.Reader) error {
		type head struct {
			it   *record.EntryIter
			item timelineItem
			ok   bool
		}
		var heads []*head
		advance := func(h *head) error {
			for {
				e, ok := h.it.Next()
				if !ok {
					h.ok = false
					if err := h.it.Err(); err != nil {
						return fmt.Errorf("run %s machine %d: %w", meta.ID, h.item.machine, err)
					}
					return nil
				}
				if f.keep(e) {
					h.item.entry, h.item.wall, h.ok = e, starts[h.item.machine].Add(e.At), true
					return nil
				}
			}
		}
		for _, id := range r.Machines() {
			if f.machine != 0 && id != f.machine {
				continue
			}
			h := &head{it: r.Entries(id), item: timelineItem{machine: id}}
			if err := advance(h); err != nil {
				return err
			}
			heads = append(heads, h)
		}
		for {
			var next *head
			for _, h := range heads {
				if h.ok && (next == nil || h.item.wall.Before(next.item.wall)) {
					next = h
				}
			}
			if next == nil {
				return nil
			}
			if err := fn(next.item); err != nil {
				return err
			}
			if err := advance(next); err != nil {
				return err
			}
		}
	})
}

func (f timelineFilter) keep(e record.Entry) bool {
	if e.Arrival {
		return f.arrivals
	}
	if e.Fault.Kind != 0 {
		return f.from == 0 && f.to == 0
	}
	return (f.from == 0 || e.Event.Index >= f.from) && (f.to == 0 || e.Event.Index <= f.to)
}
