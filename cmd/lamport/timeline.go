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
	entry   core.Entry
}

// eachTimeline streams a run's entries in the run's one time order
// (record.TimeWalk: by time, ties to the lower machine id, log order within
// a machine), holding one entry per machine in memory. fn must not keep
// the item past its call.
func eachTimeline(st *record.Store, meta record.RunMeta, f timelineFilter, fn func(*timelineItem) error) error {
	return st.View(meta.ID, func(r *record.Reader) error {
		var walk *record.TimeWalk
		if f.machine != 0 {
			walk = r.TimeWalk(f.machine)
		} else {
			walk = r.TimeWalk()
		}
		var item timelineItem
		for te, ok := walk.Next(); ok; te, ok = walk.Next() {
			if !f.keep(&te.Entry) {
				continue
			}
			item.machine, item.wall, item.entry = te.Machine, te.Wall, te.Entry
			if err := fn(&item); err != nil {
				return err
			}
		}
		if err := walk.Err(); err != nil {
			return fmt.Errorf("run %s %w", meta.ID, err)
		}
		return nil
	})
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
