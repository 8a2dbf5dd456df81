// Package runcheck checks a recorded run against the model's rules from
// the store alone. The tests of the live driver and of the command line use
// it on the runs they record; it is not part of any driver.
package runcheck

import (
	"fmt"

	"lamport/core"
	"lamport/record"
)

// Verification is what Verify found in a run that obeys the model.
type Verification struct {
	Events   map[core.MachineID]uint64
	Arrivals map[core.MachineID]uint64
}

type sentMsg struct {
	to    core.MachineID
	clock uint64
}

// Verify checks a recorded run against the model's rules, reading only
// the store: per machine, clocks strictly increase; a send or internal event
// is exactly +1 and happens only on an empty queue; a receive takes the
// oldest queued arrival and sets max(previous, msg)+1; recorded queue
// lengths follow from the arrivals. Across machines, every arrival was sent
// to that machine by its sender with that clock, arrives at most once, and
// arrivals on each link come in the order sent. It returns the first
// violation as an error.
func Verify(st *record.Store, runID string) (Verification, error) {
	v := Verification{Events: map[core.MachineID]uint64{}, Arrivals: map[core.MachineID]uint64{}}
	err := st.View(runID, func(r *record.Reader) error {
		sent := map[core.Message]sentMsg{}
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				if e.IsTick() && e.Event.Kind == core.KindSend {
					for i, m := range e.Event.Sent(id) {
						sent[core.Message{From: m.From, Seq: m.Seq}] = sentMsg{to: e.Event.To[i], clock: m.Clock}
					}
				}
			}
			if err := it.Err(); err != nil {
				return fmt.Errorf("machine %d: %w", id, err)
			}
		}
		arrived := map[core.Message]bool{}
		for _, id := range r.Machines() {
			if err := verifyMachine(r, id, sent, arrived, &v); err != nil {
				return fmt.Errorf("run %s machine %d: %w", runID, id, err)
			}
		}
		return nil
	})
	return v, err
}

func verifyMachine(r *record.Reader, id core.MachineID, sent map[core.Message]sentMsg, arrived map[core.Message]bool, v *Verification) error {
	var (
		queue   []core.Message
		clock   uint64
		index   uint64
		lastSeq = map[core.MachineID]uint64{}
	)
	it := r.Entries(id)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		if e.Arrival {
			m := e.Msg
			key := core.Message{From: m.From, Seq: m.Seq}
			s, ok := sent[key]
			switch {
			case !ok:
				return fmt.Errorf("message %s arrived but its sender never recorded sending it", m.ID())
			case s.to != id:
				return fmt.Errorf("message %s was sent to machine %d but arrived here", m.ID(), s.to)
			case s.clock != m.Clock:
				return fmt.Errorf("message %s arrived with clock %d, sent with %d", m.ID(), m.Clock, s.clock)
			case arrived[key]:
				return fmt.Errorf("message %s arrived twice", m.ID())
			case m.Seq <= lastSeq[m.From]:
				return fmt.Errorf("message %s arrived after %d:%d, out of send order", m.ID(), m.From, lastSeq[m.From])
			}
			arrived[key], lastSeq[m.From] = true, m.Seq
			queue = append(queue, m)
			v.Arrivals[id]++
			continue
		}
		if k := e.Fault.Kind; k != 0 && !k.Valid() {
			return fmt.Errorf("entry at %v is a fault of unknown kind %v", e.At, k)
		}
		switch e.Fault.Kind {
		case core.FaultCrash:
			if e.Fault.QueueLost != len(queue) {
				return fmt.Errorf("crash at %v lost %d queued messages, arrivals and receives leave %d", e.At, e.Fault.QueueLost, len(queue))
			}
			queue = nil
			continue
		case core.FaultRestart:
			if e.Fault.ResetClock {
				clock = 0
			}
			continue
		case core.FaultLost, core.FaultDup:
			continue // a lost or duplicated message settles nothing here
		}
		ev := e.Event
		index++
		if ev.Index != index {
			return fmt.Errorf("event %d recorded with index %d", index, ev.Index)
		}
		if !ev.Kind.Valid() {
			return fmt.Errorf("event %d has unknown kind %v", index, ev.Kind)
		}
		switch ev.Kind {
		case core.KindRecv:
			if len(queue) == 0 {
				return fmt.Errorf("event %d receives %s with no message queued", index, ev.Msg.ID())
			}
			if ev.Msg != queue[0] {
				return fmt.Errorf("event %d receives %s but the oldest queued message is %s", index, ev.Msg.ID(), queue[0].ID())
			}
			queue = queue[1:]
			if want := max(clock, ev.Msg.Clock) + 1; ev.Clock != want {
				return fmt.Errorf("event %d receive: clock %d, want max(%d, %d)+1 = %d", index, ev.Clock, clock, ev.Msg.Clock, want)
			}
		case core.KindSend, core.KindInternal:
			if len(queue) != 0 {
				return fmt.Errorf("event %d is a %v with %d messages queued", index, ev.Kind, len(queue))
			}
			if ev.Clock != clock+1 {
				return fmt.Errorf("event %d %v: clock %d after %d, want +1", index, ev.Kind, ev.Clock, clock)
			}
		}
		if ev.Queue != len(queue) {
			return fmt.Errorf("event %d records queue %d, arrivals and receives leave %d", index, ev.Queue, len(queue))
		}
		clock = ev.Clock
	}
	v.Events[id] = index
	return it.Err()
}
