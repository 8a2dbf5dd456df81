package export

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"lamport/core"
	"lamport/internal/minheap"
	"lamport/record"
)

// Filter narrows a run's entries.
type Filter struct {
	Machine  core.MachineID // 0: every machine
	From, To uint64         // event index bounds, inclusive; 0: unbounded
	Arrivals bool           // include arrival inputs, not only events
}

// timelineItem is one entry with the machine that saw it and its wall time.
type timelineItem struct {
	machine core.MachineID
	wall    time.Time
	entry   core.Entry
}

// Each streams a run's entries merged across machines by wall time (ties:
// lower machine id first), holding one entry per machine in memory.
// Within a machine, log order is kept. The machines' next entries sit in a
// heap, so a run of many machines costs log(machines) per entry, not
// machines. fn gets each entry with its machine and wall time and must not
// keep the entry past its call.
func Each(st *record.Store, meta record.RunMeta, f Filter, fn func(m core.MachineID, wall time.Time, e *core.Entry) error) error {
	starts := map[core.MachineID]time.Time{}
	for _, m := range meta.Machines {
		starts[m.ID] = m.StartWall
	}
	return st.View(meta.ID, func(r *record.Reader) error {
		// advance loads h's next kept entry; false at the log's end.
		advance := func(h *timelineHead) (bool, error) {
			for h.it.Read(&h.item.entry) {
				if f.Keep(&h.item.entry) {
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
			if f.Machine != 0 && id != f.Machine {
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
			if err := fn(h.item.machine, h.item.wall, &h.item.entry); err != nil {
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

// Keep reports whether e passes f's event bounds and arrivals; the machine
// is Each's to check.
func (f Filter) Keep(e *core.Entry) bool {
	if e.Arrival {
		return f.Arrivals
	}
	if e.Fault.Kind != 0 {
		return f.From == 0 && f.To == 0
	}
	return (f.From == 0 || e.Event.Index >= f.From) && (f.To == 0 || e.Event.Index <= f.To)
}

// Write writes run meta of st to w in format f: a whole-run format
// whole, a line format as its header and then a line per entry of the
// timeline that filter keeps.
func Write(w io.Writer, st *record.Store, meta record.RunMeta, f Format, filter Filter) error {
	if f.WholeRun != nil {
		return f.WholeRun(w, st, meta.ID)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	header, line := f.Lines(meta, filter.Machine)
	bw.Write(header)
	var buf []byte
	err := Each(st, meta, filter, func(m core.MachineID, wall time.Time, e *core.Entry) error {
		buf = line(buf[:0], m, wall, e)
		_, err := bw.Write(buf)
		return err
	})
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return err
}
