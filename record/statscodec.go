package record

import (
	"time"

	"lamport/core"
	"lamport/internal/msgp"
)

// statsFields is the length of the stored stats array; adding a field is a
// schema change. Schema 1 stored the first statsFieldsV1, without faults.
const (
	statsFields   = 10
	statsFieldsV1 = 8
)

// encodeStats writes [entries, arrivals, events, sends, recvs, internals,
// last_clock, last_at_ns, faults, queue_lost]; the id is the machine
// bucket's key.
func encodeStats(st core.MachineStats) []byte {
	return appendStats(make([]byte, 0, 1+statsFields*9), st)
}

// appendStats appends encodeStats(st) to b.
func appendStats(b []byte, st core.MachineStats) []byte {
	b = msgp.AppendArrayHeader(b, statsFields)
	for _, v := range [...]uint64{st.Entries, st.Arrivals, st.Events, st.Sends, st.Recvs, st.Internals, st.LastClock} {
		b = msgp.AppendUint(b, v)
	}
	b = msgp.AppendInt(b, int64(st.LastAt))
	b = msgp.AppendUint(b, st.Faults)
	return msgp.AppendUint(b, st.QueueLost)
}

func decodeStats(id core.MachineID, b []byte) (core.MachineStats, error) {
	d := msgp.NewDecoder(b)
	n, err := d.ArrayLen()
	if err != nil {
		return core.MachineStats{}, err
	}
	if n != statsFields && n != statsFieldsV1 {
		return core.MachineStats{}, errorf("stats have %d fields, want %d", n, statsFields)
	}
	st := core.MachineStats{ID: id}
	for _, p := range [...]*uint64{&st.Entries, &st.Arrivals, &st.Events, &st.Sends, &st.Recvs, &st.Internals, &st.LastClock} {
		if *p, err = d.Uint(); err != nil {
			return core.MachineStats{}, err
		}
	}
	at, err := d.Int64()
	if err != nil {
		return core.MachineStats{}, err
	}
	st.LastAt = time.Duration(at)
	if n == statsFields {
		if st.Faults, err = d.Uint(); err != nil {
			return core.MachineStats{}, err
		}
		if st.QueueLost, err = d.Uint(); err != nil {
			return core.MachineStats{}, err
		}
	}
	if d.Len() != 0 {
		return core.MachineStats{}, errorf("%d bytes after the stats", d.Len())
	}
	return st, nil
}
