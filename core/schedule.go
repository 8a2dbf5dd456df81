package core

import "time"

// The schedule vocabulary: what each machine saw and did, in order. A run's
// schedule is the inputs that replay feeds back and the outputs it checks
// (docs/ARCHITECTURE.md, "Inputs and outputs"). The store encodes these
// types; the simulator and the live driver build them.

// Entry is one line of a machine's log: one input, and for a tick its
// output. An entry is an arrival (Arrival), a fault (Fault.Kind != 0) or
// otherwise a tick.
type Entry struct {
	// At is the monotonic offset since the machine's start. Within a
	// machine it never decreases (the store's check verifies it; the
	// recorder stores what it is given).
	At time.Duration
	// Arrival: true for an arrival input (Msg is set, Event is not
	// stored); false for a tick input with its output Event (Msg is not
	// stored).
	Arrival bool
	Msg     Message
	// Event is the tick's output. Within a machine Event.Index and
	// Event.Tick count 1, 2, 3, ... over the tick entries. Event.To is
	// stored exactly, nil and empty apart.
	Event Event
	// Fault, when its Kind is not zero, makes the entry a fault entry: what
	// the network or the machine's process suffered (docs/RELIABILITY.md).
	// Msg is set for FaultLost and FaultDup; Event is not stored.
	Fault Fault
}

// IsTick reports whether e is a tick entry (neither an arrival nor a
// fault).
func (e *Entry) IsTick() bool { return !e.Arrival && e.Fault.Kind == 0 }

// Fault is the content of a fault entry; see FaultKind for which fields
// each kind uses. The rest stay zero.
type Fault struct {
	Kind       FaultKind
	To         MachineID
	Reason     LostReason
	QueueLost  int
	Missed     uint64
	ResetClock bool
	SeqSkip    uint64
}

// MachineStats are counts over one machine's log. The store keeps them up
// to date with every flush; the simulator, which does not store, counts
// with the same Add so both count alike.
type MachineStats struct {
	ID MachineID
	// Entries = Arrivals + Events + Faults.
	Entries uint64
	// Arrivals counts arrival entries; Events counts tick entries, and
	// Sends, Recvs and Internals those of each kind (a send to every peer
	// is one send).
	Arrivals, Events, Sends, Recvs, Internals uint64
	// LastClock is the Clock of the last tick entry; LastAt the At of the
	// last entry of either kind.
	LastClock uint64
	LastAt    time.Duration
	// Faults counts fault entries; QueueLost the queued messages crashes
	// lost, so Arrivals - Recvs - QueueLost is what is left in the queue.
	Faults, QueueLost uint64
}

// Add counts e as the log's next entry.
func (st *MachineStats) Add(e *Entry) {
	switch {
	case e.Arrival:
		st.AddArrival(e.At)
	case e.Fault.Kind != 0:
		st.Entries++
		st.LastAt = e.At
		st.Faults++
		if e.Fault.Kind == FaultCrash {
			st.QueueLost += uint64(e.Fault.QueueLost)
		}
	default:
		st.AddTick(e.At, &e.Event)
	}
}

// AddArrival counts an arrival entry at at, as Add would, for a driver
// that does not build the Entry.
func (st *MachineStats) AddArrival(at time.Duration) {
	st.Entries++
	st.LastAt = at
	st.Arrivals++
}

// AddTick counts a tick entry at at with output ev, as Add would, for a
// driver that does not build the Entry.
func (st *MachineStats) AddTick(at time.Duration, ev *Event) {
	st.Entries++
	st.LastAt = at
	st.Events++
	st.LastClock = ev.Clock
	switch ev.Kind {
	case KindSend:
		st.Sends++
	case KindRecv:
		st.Recvs++
	case KindInternal:
		st.Internals++
	}
}

// AddStats counts d, the stats of the entries that follow st's.
func (st *MachineStats) AddStats(d MachineStats) {
	if d.Entries == 0 {
		return
	}
	st.Entries += d.Entries
	st.Arrivals += d.Arrivals
	st.Events += d.Events
	st.Sends += d.Sends
	st.Recvs += d.Recvs
	st.Internals += d.Internals
	st.Faults += d.Faults
	st.QueueLost += d.QueueLost
	st.LastAt = d.LastAt
	if d.Events > 0 {
		st.LastClock = d.LastClock
	}
}
