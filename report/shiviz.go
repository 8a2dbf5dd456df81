package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"lamport/core"
	"lamport/internal/minheap"
	"lamport/record"
)

// ShiVizRegex is the first line of a ShiViz log: how ShiViz splits the
// lines that follow into host, vector clock and event text. The `\n` is the
// two characters backslash and n, as ShiViz expects them.
const ShiVizRegex = `(?<host>\S*) (?<clock>{.*})\n(?<event>.*)`

// ErrUnsentMessage is returned by WriteShiViz and vectorClocks when a
// receive takes a message that no machine of the run sends before it in
// causal order (a recording cut short, or a broken one), so the receive's
// vector clock cannot be derived.
var ErrUnsentMessage = errors.New("a receive takes a message that was never sent")

// vectorEvent is one recorded event with the vector clock derived for it.
type vectorEvent struct {
	Machine core.MachineID
	// Wall is the machine's start on the run's time axis
	// (record.RunMeta.AxisStarts) plus the entry's At.
	Wall  time.Time
	Event core.Event
	// IDs lists the machines that have a log, ascending. Clock[i] is how
	// many of IDs[i]'s events happen before this event or are it; the
	// event's own entry counts the machine's events so far, 1, 2, 3, ...
	// Both slices are reused: they are valid only until the callback
	// returns, and must not be written.
	IDs   []core.MachineID
	Clock []uint64
	// Past is the sum of Clock: how many events of the run happen before
	// this event or are it.
	Past uint64
}

// vectorClocks calls fn with every event of the run r reads, with its
// vector clock, stopping at fn's first error, which it returns.
//
// The clocks follow the classic rules: a machine's own entry rises by one
// per event; a receive first merges (element-wise max) the vector its
// sender had at the send, then rises by one. Arrival entries are inputs,
// not events, and are skipped.
//
// Events come in causal order, never relying on wall times being
// consistent across machines (a merged multi-process run may have skewed
// clocks): like the replay engine, every machine has a cursor, and a
// receive waits until the send of its message has been processed. Among
// the machines free to go, the one whose next event has the earliest wall
// time goes first (ties: lower id), so when the wall clocks agree with
// causality the order is the export timeline's. The machines free to go
// are kept in a heap and the others under the message they wait for, so
// a step costs log(machines), plus the length of the vector for a send or
// a receive. Memory holds one event per machine and the vectors of
// messages sent and not yet received.
func vectorClocks(r *record.Reader, fn func(vectorEvent) error) error {
	meta := r.Meta()
	// A part of a run lacks the others' sends, so the vector clocks of
	// their receivers cannot be derived.
	if err := meta.CheckWhole(); err != nil {
		return err
	}
	ids := r.Machines()
	type cursor struct {
		pos   int // index into ids and the vectors
		it    *record.EntryIter
		start time.Time // the machine's start on the run's time axis
		wall  time.Time // next's wall time
		vec   []uint64
		past  uint64 // the sum of vec
		next  core.Entry
		ok    bool
	}
	// A message's key is its sender in the high 32 bits and its sequence
	// number in the low 32 (a map of plain integers hashes and probes
	// faster than one of structs); a sequence number past 2^32 is
	// refused.
	type msgKey uint64
	key := func(m core.Message) msgKey { return msgKey(uint64(m.From)<<32 | m.Seq&math.MaxUint32) }
	// inFlight holds the sender's vector at the send, and its sum, for
	// every message sent and not yet received; the messages of one send
	// share one slice.
	type sentVec struct {
		vec  []uint64
		past uint64
	}
	inFlight := map[msgKey]sentVec{}
	// dups counts the second deliveries the network still owes (FaultDup
	// entries follow their send in the sender's log), so a duplicate's
	// second receive still finds the sender's vector.
	dups := map[msgKey]int{}
	advance := func(c *cursor) error {
		for {
			c.next, c.ok = c.it.Next()
			if !c.ok {
				if err := c.it.Err(); err != nil {
					return fmt.Errorf("run %s machine %d: %w", meta.ID, ids[c.pos], err)
				}
				return nil
			}
			if c.next.Fault.Kind == core.FaultDup {
				dups[key(c.next.Msg)]++
			}
			if c.next.IsTick() {
				c.wall = c.start.Add(c.next.At)
				return nil
			}
		}
	}
	free := minheap.New(func(a, b *cursor) bool {
		return a.wall.Before(b.wall) || a.wall.Equal(b.wall) && a.pos < b.pos
	})
	// waiting lists the cursors whose next event receives a message not
	// yet sent, under that message.
	waiting := map[msgKey][]*cursor{}
	// queue puts a cursor that has an event left where it belongs.
	queue := func(c *cursor) {
		if !c.ok {
			return
		}
		if ev := c.next.Event; ev.Kind == core.KindRecv {
			k := key(ev.Msg)
			if _, sent := inFlight[k]; !sent {
				waiting[k] = append(waiting[k], c)
				return
			}
		}
		free.Push(c)
	}
	cs := make([]*cursor, len(ids))
	starts := meta.AxisStarts()
	for i, id := range ids {
		c := &cursor{pos: i, it: r.Entries(id), start: starts[id], vec: make([]uint64, len(ids))}
		if err := advance(c); err != nil {
			return err
		}
		cs[i] = c
		queue(c)
	}
	for free.Len() > 0 {
		pick := free.Top()
		free.PopTop()
		ev := pick.next.Event
		if ev.Kind == core.KindRecv {
			k := key(ev.Msg)
			sent, ok := inFlight[k]
			if !ok {
				// Another receive took the message since (a broken
				// recording): wait for another send of it.
				waiting[k] = append(waiting[k], pick)
				continue
			}
			var past uint64
			for i, v := range sent.vec {
				if v > pick.vec[i] {
					pick.vec[i] = v
				}
				past += pick.vec[i]
			}
			pick.past = past
			if len(dups) > 0 && dups[k] > 0 {
				if dups[k]--; dups[k] == 0 {
					delete(dups, k)
				}
			} else {
				delete(inFlight, k)
			}
		}
		pick.vec[pick.pos]++
		pick.past++
		if ev.Kind == core.KindSend && len(ev.To) > 0 {
			snap := sentVec{slices.Clone(pick.vec), pick.past}
			for i := range ev.To {
				m := ev.Message(ids[pick.pos], i)
				if m.Seq > math.MaxUint32 {
					return fmt.Errorf("run %s: machine %d sends message %s: sequence numbers past %d are not supported", meta.ID, m.From, m.ID(), uint64(math.MaxUint32))
				}
				k := key(m)
				inFlight[k] = snap
				if len(waiting) == 0 {
					continue
				}
				if ws, ok := waiting[k]; ok {
					delete(waiting, k)
					for _, w := range ws {
						free.Push(w)
					}
				}
			}
		}
		if err := fn(vectorEvent{Machine: ids[pick.pos], Wall: pick.wall, Event: ev, IDs: ids, Clock: pick.vec, Past: pick.past}); err != nil {
			return err
		}
		if err := advance(pick); err != nil {
			return err
		}
		queue(pick)
	}
	// Every machine left waits on a message no machine sends first. Blame
	// one whose sender has nothing left to send (or is not in the store);
	// failing that (the waits form a cycle), the earliest by wall time.
	var blame *cursor
	senderDone := func(c *cursor) bool {
		i, ok := slices.BinarySearch(ids, c.next.Event.Msg.From)
		return !ok || !cs[i].ok
	}
	for _, c := range cs {
		if !c.ok {
			continue
		}
		if blame == nil || senderDone(c) && !senderDone(blame) ||
			senderDone(c) == senderDone(blame) && c.wall.Before(blame.wall) {
			blame = c
		}
	}
	if blame != nil {
		ev := blame.next.Event
		return fmt.Errorf("run %s: machine %d event %d receives message %s, which machine %d does not send before it: %w",
			meta.ID, ids[blame.pos], ev.Index, ev.Msg.ID(), ev.Msg.From, ErrUnsentMessage)
	}
	return nil
}

// WriteShiViz writes run runID of st as a ShiViz log
// (https://bestchai.bitbucket.io/shiviz/): the line ShiVizRegex, a blank
// line, then two lines per event in vectorClocks order:
//
//	m2 {"m1":4, "m2":7}
//	recv clock=9 queue=1 left=0 from=1 msg=1:3 msg_clock=8
//
// The host is m<id>; the vector lists the non-zero entries by ascending
// machine id; the event text is core.Event.AppendDetails with single
// spaces.
func WriteShiViz(w io.Writer, st *record.Store, runID string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(ShiVizRegex + "\n\n") // bufio keeps the error for Flush
	var line, details []byte
	var names [][]byte // `"m<id>":` per machine position
	err := st.View(runID, func(r *record.Reader) error {
		return vectorClocks(r, func(ve vectorEvent) error {
			if names == nil {
				for _, id := range ve.IDs {
					names = append(names, strconv.AppendUint([]byte(`"m`), uint64(id), 10))
				}
			}
			line = append(line[:0], 'm')
			line = strconv.AppendUint(line, uint64(ve.Machine), 10)
			line = append(line, " {"...)
			first := true
			for i, v := range ve.Clock {
				if v == 0 {
					continue
				}
				if !first {
					line = append(line, ", "...)
				}
				first = false
				line = append(line, names[i]...)
				line = append(line, `":`...)
				line = strconv.AppendUint(line, v, 10)
			}
			line = append(line, "}\n"...)
			details = ve.Event.AppendDetails(details[:0], ve.Machine)
			line = appendSingleSpaced(line, details)
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return fmt.Errorf("write shiviz log of run %s: %w", runID, err)
			}
			return nil
		})
	})
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write shiviz log of run %s: %w", runID, ferr)
	}
	return err
}

// appendSingleSpaced appends src with every run of spaces cut to one.
func appendSingleSpaced(dst, src []byte) []byte {
	for i, c := range src {
		if c == ' ' && i > 0 && src[i-1] == ' ' {
			continue
		}
		dst = append(dst, c)
	}
	return dst
}
