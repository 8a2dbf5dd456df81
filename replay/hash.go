package replay

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"

	"lamport/core"
	"lamport/record"
)

// TraceHasher computes a run's trace hash: a stable digest of every
// machine's schedule and outputs. Each machine's entries are hashed in log
// order into its own SHA-256; the trace hash is the SHA-256 of the machine
// ids and their digests in ascending id order. So it depends on what each
// machine saw and did, never on how machines were interleaved while it was
// computed.
//
// An entry is hashed as fixed-width little-endian fields: arrival
// (0, at_ns, from, seq, clock); tick (1, at_ns, index, tick, kind, die,
// clock, queue, first_seq, len(to), to..., msg from, seq, clock); fault
// (2, at_ns, kind, reason, to, queue_lost, missed, reset_clock, seq_skip,
// msg from, seq, clock).
type TraceHasher struct {
	machines map[core.MachineID]hash.Hash
	buf      []byte
}

func NewTraceHasher() *TraceHasher {
	return &TraceHasher{machines: map[core.MachineID]hash.Hash{}}
}

// Add hashes machine m's next entry.
func (h *TraceHasher) Add(m core.MachineID, e *record.Entry) {
	mh, ok := h.machines[m]
	if !ok {
		mh = sha256.New()
		h.machines[m] = mh
	}
	b := h.buf[:0]
	u := func(v uint64) { b = binary.LittleEndian.AppendUint64(b, v) }
	switch {
	case e.Arrival:
		u(0)
		u(uint64(e.At))
		u(uint64(e.Msg.From))
		u(e.Msg.Seq)
		u(e.Msg.Clock)
	case e.Fault.Kind != 0:
		f := &e.Fault
		u(2)
		u(uint64(e.At))
		u(uint64(f.Kind))
		u(uint64(f.Reason))
		u(uint64(f.To))
		u(uint64(f.QueueLost))
		u(f.Missed)
		if f.ResetClock {
			u(1)
		} else {
			u(0)
		}
		u(f.SeqSkip)
		u(uint64(e.Msg.From))
		u(e.Msg.Seq)
		u(e.Msg.Clock)
	default:
		ev := &e.Event
		u(1)
		u(uint64(e.At))
		u(ev.Index)
		u(ev.Tick)
		u(uint64(ev.Kind))
		u(uint64(ev.Die))
		u(ev.Clock)
		u(uint64(ev.Queue))
		u(ev.FirstSeq)
		u(uint64(len(ev.To)))
		for _, to := range ev.To {
			u(uint64(to))
		}
		u(uint64(ev.Msg.From))
		u(ev.Msg.Seq)
		u(ev.Msg.Clock)
	}
	mh.Write(b)
	h.buf = b
}

// Sum returns the trace hash as 64 hex digits.
func (h *TraceHasher) Sum() string {
	ids := make([]core.MachineID, 0, len(h.machines))
	for id := range h.machines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	all := sha256.New()
	for _, id := range ids {
		all.Write(binary.LittleEndian.AppendUint64(nil, uint64(id)))
		all.Write(h.machines[id].Sum(nil))
	}
	return hex.EncodeToString(all.Sum(nil))
}

// RecordedHash is the trace hash of a recording as stored.
func RecordedHash(st *record.Store, runID string) (string, error) {
	h := NewTraceHasher()
	err := st.View(runID, func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				h.Add(id, &e)
			}
			if err := it.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return h.Sum(), err
}
