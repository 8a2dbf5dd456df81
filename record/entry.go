package record

import (
	"time"

	"lamport/core"
)

// Entry is one line of a machine's log: one input, and for a tick its
// output.
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
}

// MachineStats are counts over one machine's log, kept up to date by every
// flush in the same transaction as the entries they count.
type MachineStats struct {
	ID core.MachineID
	// Entries = Arrivals + Events.
	Entries uint64
	// Arrivals counts arrival entries; Events counts tick entries, and
	// Sends, Recvs and Internals those of each kind (a send to every peer
	// is one send).
	Arrivals, Events, Sends, Recvs, Internals uint64
	// LastClock is the Clock of the last tick entry; LastAt the At of the
	// last entry of either kind.
	LastClock uint64
	LastAt    time.Duration
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
	st.LastAt = d.LastAt
	if d.Events > 0 {
		st.LastClock = d.LastClock
	}
}

// statsFields is the length of the stored stats array; adding a field is a
// schema change.
const statsFields = 8

// encodeStats writes [entries, arrivals, events, sends, recvs, internals,
// last_clock, last_at_ns]; the id is the machine bucket's key.
func encodeStats(st MachineStats) []byte {
	b := make([]byte, 0, 1+statsFields*9)
	b = appendArrayHeader(b, statsFields)
	for _, v := range [...]uint64{st.Entries, st.Arrivals, st.Events, st.Sends, st.Recvs, st.Internals, st.LastClock} {
		b = appendUint(b, v)
	}
	return appendInt(b, int64(st.LastAt))
}

func decodeStats(id core.MachineID, b []byte) (MachineStats, error) {
	d := decoder{b}
	n, err := d.arrayHeader()
	if err != nil {
		return MachineStats{}, err
	}
	if n != statsFields {
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
	if len(d.b) != 0 {
		return MachineStats{}, errorf("%d bytes after the stats", len(d.b))
	}
	return st, nil
}
