package record

import (
	"fmt"
	"time"

	"lamport/core"
)

// Entry is one line of a machine's log: one input, and for a tick its
// output. An entry is an arrival (Arrival), a fault (Fault.Kind != 0) or
// otherwise a tick.
type Entry struct {
	// At is the monotonic offset since the machine's MachineMeta.StartWall.
	// Within a machine it never decreases (Check verifies it; the Recorder
	// stores what it is given).
	At time.Duration
	// Arrival: true for an arrival input (Msg is set, Event is not
	// stored); false for a tick input with its output Event (Msg is not
	// stored).
	Arrival bool
	Msg     core.Message
	// Event is the tick's output. Within a machine Event.Index and
	// Event.Tick count 1, 2, 3, ... over the tick entries. Event.To is
	// stored exactly, nil and empty apart.
	Event core.Event
	// Fault, when its Kind is not zero, makes the entry a fault entry: what
	// the network or the machine's process suffered (docs/RELIABILITY.md).
	// Msg is set for FaultLost and FaultDup; Event is not stored.
	Fault Fault
}

// IsTick reports whether e is a tick entry (neither an arrival nor a
// fault).
func (e *Entry) IsTick() bool { return !e.Arrival && e.Fault.Kind == 0 }

// FaultKind says what a fault entry records.
type FaultKind uint8

const (
	// FaultLost: message Msg, sent to machine Fault.To, never arrives, for
	// Fault.Reason. It is in the sender's log after the send when the
	// sender's side decided it (drop, partition, a failed send), in the
	// receiver's log at the time it would have arrived when the receiver
	// was down.
	FaultLost FaultKind = iota + 1
	// FaultDup: the network will deliver message Msg to Fault.To twice. It
	// is in the sender's log after the send, so replay expects the second
	// arrival.
	FaultDup
	// FaultCrash: the machine crashed and lost Fault.QueueLost queued
	// messages (the model's output, which replay checks). It does not tick
	// until its FaultRestart.
	FaultCrash
	// FaultRestart: the machine came back after Fault.Missed ticks of its
	// schedule, with its clock reset to 0 if Fault.ResetClock, its message
	// numbers moved on by Fault.SeqSkip past any it may have sent without
	// recording them.
	FaultRestart
)

func (k FaultKind) String() string {
	switch k {
	case FaultLost:
		return "lost"
	case FaultDup:
		return "dup"
	case FaultCrash:
		return "crash"
	case FaultRestart:
		return "restart"
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// LostReason is why a message was lost.
type LostReason uint8

const (
	// LostDrop: the fault model dropped it (--drop).
	LostDrop LostReason = iota + 1
	// LostPartition: its link was cut (--partition).
	LostPartition
	// LostDown: its receiver was down, or the send to it failed.
	LostDown
)

func (r LostReason) String() string {
	switch r {
	case LostDrop:
		return "drop"
	case LostPartition:
		return "partition"
	case LostDown:
		return "down"
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Fault is the content of a fault entry; see FaultKind for which fields
// each kind uses. The rest stay zero.
type Fault struct {
	Kind       FaultKind
	To         core.MachineID
	Reason     LostReason
	QueueLost  int
	Missed     uint64
	ResetClock bool
	SeqSkip    uint64
}

// MachineStats are counts over one machine's log, kept up to date by every
// flush in the same transaction as the entries they count.
type MachineStats struct {
	ID core.MachineID
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

// Add counts e as the log's next entry. The recorder keeps stored stats
// with it; a driver that does not record (the simulator) uses it too, so
// both count alike.
func (st *MachineStats) Add(e *Entry) {
	st.Entries++
	st.LastAt = e.At
	if e.Arrival {
		st.Arrivals++
		return
	}
	if e.Fault.Kind != 0 {
		st.Faults++
		if e.Fault.Kind == FaultCrash {
			st.QueueLost += uint64(e.Fault.QueueLost)
		}
		return
	}
	st.Events++
	st.LastClock = e.Event.Clock
	switch e.Event.Kind {
	case core.KindSend:
		st.Sends++
	case core.KindRecv:
		st.Recvs++
	case core.KindInternal:
		st.Internals++
	}
}

// addStats counts d, the stats of the entries that follow st's.
func (st *MachineStats) addStats(d MachineStats) {
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

// statsFields is the length of the stored stats array; adding a field is a
// schema change. Schema 1 stored the first statsFieldsV1, without faults.
const (
	statsFields   = 10
	statsFieldsV1 = 8
)

// encodeStats writes [entries, arrivals, events, sends, recvs, internals,
// last_clock, last_at_ns, faults, queue_lost]; the id is the machine
// bucket's key.
func encodeStats(st MachineStats) []byte {
	b := make([]byte, 0, 1+statsFields*9)
	b = appendArrayHeader(b, statsFields)
	for _, v := range [...]uint64{st.Entries, st.Arrivals, st.Events, st.Sends, st.Recvs, st.Internals, st.LastClock} {
		b = appendUint(b, v)
	}
	b = appendInt(b, int64(st.LastAt))
	b = appendUint(b, st.Faults)
	return appendUint(b, st.QueueLost)
}

func decodeStats(id core.MachineID, b []byte) (MachineStats, error) {
	d := decoder{b}
	n, err := d.arrayHeader()
	if err != nil {
		return MachineStats{}, err
	}
	if n != statsFields && n != statsFieldsV1 {
		return MachineStats{}, errorf("stats have %d fields, want %d", n, statsFields)
	}
	st := MachineStats{ID: id}
	for _, p := range [...]*uint64{&st.Entries, &st.Arrivals, &st.Events, &st.Sends, &st.Recvs, &st.Internals, &st.LastClock} {
		if *p, err = d.uint(); err != nil {
			return MachineStats{}, err
		}
	}
	at, err := d.int()
	if err != nil {
		return MachineStats{}, err
	}
	st.LastAt = time.Duration(at)
	if n == statsFields {
		if st.Faults, err = d.uint(); err != nil {
			return MachineStats{}, err
		}
		if st.QueueLost, err = d.uint(); err != nil {
			return MachineStats{}, err
		}
	}
	if len(d.b) != 0 {
		return MachineStats{}, errorf("%d bytes after the stats", len(d.b))
	}
	return st, nil
}
