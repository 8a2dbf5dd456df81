package replay

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"slices"
	"time"

	"lamport/core"
	"lamport/record"
)

// TraceHasher computes a run's trace hash: a stable digest of every
// machine's schedule and outputs. Each machine's entries are folded in log
// order into a 64-bit digest of its own; the trace hash is the SHA-256 of
// every machine's id, entry count and digest, in ascending id order. So it
// depends on what each machine saw and did, never on how machines were
// interleaved while it was computed.
//
// An entry is a list of 64-bit words: arrival (0, at_ns, from, seq, clock);
// tick (1, at_ns, index, tick, kind, die, clock, queue, first_seq, len(to),
// to_digest, msg from, seq, clock); fault (2, at_ns, kind, reason, to,
// queue_lost, missed, reset_clock, seq_skip, msg from, seq, clock). Its
// digest is the sum, mod 2^64, of fold(w[2i] ^ K[2i], w[2i+1] ^ K[2i+1])
// over the pairs of words (a lone last word pairs with 0), where
// fold(a, b) is the high 64 bits of the 128-bit product a·b XOR its low 64
// bits, and K[j] = mix64(0x6C616D706F727421 + (j+1)·0x9E3779B97F4A7C15)
// with bit 63 set (mix64 is SplitMix64's finalizer, core.Mix64).
// to_digest is c = mix64(c ^ to) over the targets, in order, from
// c = 0x9E3779B97F4A7C15 ^ len(to). A machine's digest starts at
// 0x243F6A8885A308D3 and takes d = mix64(d ^ entry digest) per entry.
//
// This is not a cryptographic hash: it catches accidental differences (a
// changed model, RNG, tie-break rule or recording), with a chance of about
// 2^-64 per machine of missing one, not forgeries. A cryptographic hash of
// the same words would cost about a quarter of the simulator's time.
type TraceHasher struct {
	machines map[core.MachineID]*machineDigest
	// last caches the machine of the latest Add: logs are mostly read a
	// machine at a time.
	lastID core.MachineID
	last   *machineDigest
}

func NewTraceHasher() *TraceHasher {
	return &TraceHasher{machines: map[core.MachineID]*machineDigest{}}
}

// Add hashes machine m's next entry.
func (h *TraceHasher) Add(m core.MachineID, e *core.Entry) {
	d := h.last
	if d == nil || h.lastID != m {
		d = h.machines[m]
		if d == nil {
			d = newMachineDigest()
			h.machines[m] = d
		}
		h.lastID, h.last = m, d
	}
	d.add(e)
}

// Sum returns the trace hash as 64 hex digits.
func (h *TraceHasher) Sum() string {
	ids := make([]core.MachineID, 0, len(h.machines))
	for id := range h.machines {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	digests := make([]machineDigest, len(ids))
	for i, id := range ids {
		digests[i] = *h.machines[id]
	}
	return sumDigests(ids, digests)
}

// sumDigests is the trace hash of machines ids (ascending) with their
// digests; machines without entries are left out, as TraceHasher never
// sees them.
func sumDigests(ids []core.MachineID, digests []machineDigest) string {
	all := sha256.New()
	b := make([]byte, 0, 24)
	for i, id := range ids {
		d := &digests[i]
		if d.n == 0 {
			continue
		}
		b = binary.LittleEndian.AppendUint64(b[:0], uint64(id))
		b = binary.LittleEndian.AppendUint64(b, d.n)
		b = binary.LittleEndian.AppendUint64(b, d.sum)
		all.Write(b)
	}
	return hex.EncodeToString(all.Sum(nil))
}

// machineDigest is one machine's part of the trace hash: n entries folded
// into sum.
type machineDigest struct {
	sum, n uint64
}

const (
	digestStart = 0x243F6A8885A308D3
	hashGolden  = 0x9E3779B97F4A7C15
)

func newMachineDigest() *machineDigest { return &machineDigest{sum: digestStart} }

// hashKeys are K[0..13] of the TraceHasher doc.
var hashKeys = func() (k [14]uint64) {
	for j := range k {
		k[j] = core.Mix64(0x6C616D706F727421+uint64(j+1)*hashGolden) | 1<<63
	}
	return k
}()

// fold is the TraceHasher doc's fold of words a and b of positions j and
// j+1.
func fold(a, b uint64, j int) uint64 {
	hi, lo := bits.Mul64(a^hashKeys[j], b^hashKeys[j+1])
	return hi ^ lo
}

func (d *machineDigest) push(entry uint64) {
	d.sum = core.Mix64(d.sum ^ entry)
	d.n++
}

func (d *machineDigest) arrival(at time.Duration, msg core.Message) {
	d.push(fold(0, uint64(at), 0) + fold(uint64(msg.From), msg.Seq, 2) + fold(msg.Clock, 0, 4))
}

// tick hashes a tick entry; toDigest is toDigest(ev.To), which a caller
// may have kept.
func (d *machineDigest) tick(at time.Duration, ev *core.Event, toDigest uint64) {
	d.push(fold(1, uint64(at), 0) + fold(ev.Index, ev.Tick, 2) + fold(uint64(ev.Kind), uint64(ev.Die), 4) +
		fold(ev.Clock, uint64(ev.Queue), 6) + fold(ev.FirstSeq, uint64(len(ev.To)), 8) +
		fold(toDigest, uint64(ev.Msg.From), 10) + fold(ev.Msg.Seq, ev.Msg.Clock, 12))
}

func (d *machineDigest) fault(at time.Duration, f *core.Fault, msg core.Message) {
	reset := uint64(0)
	if f.ResetClock {
		reset = 1
	}
	d.push(fold(2, uint64(at), 0) + fold(uint64(f.Kind), uint64(f.Reason), 2) + fold(uint64(f.To), uint64(f.QueueLost), 4) +
		fold(f.Missed, reset, 6) + fold(f.SeqSkip, uint64(msg.From), 8) + fold(msg.Seq, msg.Clock, 10))
}

func (d *machineDigest) add(e *core.Entry) {
	switch {
	case e.Arrival:
		d.arrival(e.At, e.Msg)
	case e.Fault.Kind != 0:
		d.fault(e.At, &e.Fault, e.Msg)
	default:
		d.tick(e.At, &e.Event, toDigest(e.Event.To))
	}
}

// toDigest is the to_digest of the TraceHasher doc.
func toDigest(to []core.MachineID) uint64 {
	c := hashGolden ^ uint64(len(to))
	for _, id := range to {
		c = core.Mix64(c ^ uint64(id))
	}
	return c
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
