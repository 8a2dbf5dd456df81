package export

import (
	"bufio"
	"fmt"
	"io"

	"lamport/core"
	"lamport/record"
)

// Filter narrows a run's entries.
type Filter struct {
	Machine  core.MachineID // 0: every machine
	From, To uint64         // event index bounds, inclusive; 0: unbounded
	Arrivals bool           // include arrival inputs, not only events
}

// Each streams a run's entries in the run's one time order (record.TimeWalk:
// by time, ties to the lower machine id, log order within a machine),
// holding one entry per machine in memory. fn gets each entry with its
// machine, its time on the run's axis and its wall times (the formats'
// time_ns is RunAt), and must not keep it past its call.
func Each(st *record.Store, meta record.RunMeta, f Filter, fn func(te *record.TimedEntry) error) error {
	return st.View(meta.ID, func(r *record.Reader) error {
		var walk *record.TimeWalk
		if f.Machine != 0 {
			walk = r.TimeWalk(f.Machine)
		} else {
			walk = r.TimeWalk()
		}
		for te, ok := walk.Next(); ok; te, ok = walk.Next() {
			if !f.Keep(&te.Entry) {
				continue
			}
			if err := fn(te); err != nil {
				return err
			}
		}
		if err := walk.Err(); err != nil {
			return fmt.Errorf("run %s %w", meta.ID, err)
		}
		return nil
	})
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
	if _, err := bw.Write(header); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	var buf []byte
	err := Each(st, meta, filter, func(te *record.TimedEntry) error {
		buf = line(buf[:0], te)
		_, err := bw.Write(buf)
		return err
	})
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return err
}
