package record

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"lamport/core"
)

// Schema 3 stores a chunk as its entries delta-encoded against what the
// model predicts (docs/STORE.md, "Delta chunks"): a tick's index, tick
// number, clock, queue length and first sequence number are usually
// exactly what the previous entries imply, a tick's time is usually the
// previous tick's plus the same interval, and a receive usually takes the
// oldest arrival still queued. Such a field costs a flag bit instead of
// bytes. Anything that does not fit is written explicitly, so every
// Entry still round-trips exactly. Numbers are varints (encoding/binary):
// unsigned for counts and ids, zigzag for differences.
//
// A delta chunk starts with deltaMagic, which no schema 1-2 chunk (a
// msgpack array header, 0x90 and up) starts with, so chunks of both kinds
// can follow each other in one log (a schema 2 run resumed by schema 3).
const deltaMagic = 0x03

// Delta entry forms: the tag's low 3 bits.
const (
	dArrival  = 0 // zz(at-prev.at), from, seq, clock (see arrivalFlags)
	dRecv     = 1 // zz(at-predicted tick at) [msg] [queue] [clock]
	dSend     = 2 // zz(at-predicted), die, [first_seq], [clock], to
	dInternal = 3 // zz(at-predicted), die, [clock]
	dFault    = 4 // kind, zz(at-prev.at), the kind's fields
	dFullTick = 5 // zz(at-prev.at), index, tick, kind, zz(die), clock, zz(queue), first_seq, to, msg
	dForms    = 6
)

// deltaFormOf picks the form e is written in. The compact tick forms leave
// out the fields core guarantees to be zero for the event's kind; a tick
// that breaks those guarantees, or has a kind this version does not know,
// is written whole (dFullTick), so any Entry round-trips exactly.
func deltaFormOf(e *core.Entry) int {
	if e.Arrival {
		return dArrival
	}
	if e.Fault.Kind.Valid() {
		return dFault
	}
	return deltaTickForm(&e.Event)
}

// deltaTickForm is deltaFormOf for a tick with output ev.
func deltaTickForm(ev *core.Event) int {
	noMsg := ev.Msg == core.Message{}
	switch ev.Kind {
	case core.KindRecv:
		if ev.Die == 0 && ev.FirstSeq == 0 && ev.To == nil {
			return dRecv
		}
	case core.KindSend:
		if ev.Queue == 0 && noMsg {
			return dSend
		}
	case core.KindInternal:
		if ev.Queue == 0 && ev.FirstSeq == 0 && ev.To == nil && noMsg {
			return dInternal
		}
	}
	return dFullTick
}

// storedKinds are the event kinds' stored numbers, fixed by the schema: a
// full tick writes 1 for recv, 2 for send and 3 for internal, whatever core
// numbers them. A number this table does not hold is kept as it is, so
// nothing is lost; the store's check and replay object to it. Fault kinds
// and lost reasons are stored as core numbers them (a test pins them).
var storedKinds = [...]core.Kind{1: core.KindRecv, 2: core.KindSend, 3: core.KindInternal}

func storedKindCode(k core.Kind) uint64 {
	for code, known := range storedKinds {
		if code > 0 && known == k {
			return uint64(code)
		}
	}
	return uint64(k)
}

func storedKind(code uint8) core.Kind {
	if int(code) < len(storedKinds) && code > 0 {
		return storedKinds[code]
	}
	return core.Kind(code)
}

// Tag flags: bits 3-6, so a tag is one varint byte.
const (
	// arrival: the sender is in the state's cache; seq and clock are
	// differences from its previous message.
	flagKnownSender = 1 << 3
	// arrival: at is before the previous entry's (a live clock never does
	// that, but the store keeps what it is given); the time difference is
	// written as a magnitude, which saves a bit on the common case.
	flagAtBack = 1 << 4
	// arrival: bits 5-6 say how the time difference is written, atVarint
	// or a fixed number of little-endian bytes: most gaps between arrivals
	// are random nanoseconds above 2^28, one byte short in a varint.
	atShift = 5
	atMask  = 3 << atShift
	// recv: the message is written (it is not the oldest remembered
	// arrival).
	flagMsg = 1 << 3
	// recv: the queue length is written.
	flagQueue = 1 << 4
	// send: first_seq is written.
	flagFirstSeq = 1 << 4
	// recv, send, internal: the clock is written.
	flagClock = 1 << 5
	// send: To equals the state's last list of two or more ids.
	flagToSame = 1 << 6
	// send: To is a count and ids; without this or flagToSame, one id.
	flagToList = 1 << 3
)

// senderCacheSize is how many senders a chunk remembers: a direct-mapped
// table indexed by id, so a collision only costs bytes, never correctness.
const senderCacheSize = 64

type senderLast struct {
	from  core.MachineID
	valid bool
	seq   uint64
	clock uint64
}

// deltaBase is the part of deltaState every entry updates.
type deltaBase struct {
	at, tickAt, tickGap time.Duration
	index, tick, clock  uint64
	nextSeq             uint64
	queue               int
}

// deltaState is what encoder and decoder both know after each entry; they
// update it alike (advance), which is all that keeps them in step. It
// carries on from chunk to chunk of a log and starts from zero where a
// Recorder began writing (a chunk flagged chunkReset).
type deltaState struct {
	deltaBase
	// heads are the arrivals not yet received, oldest first, up to
	// maxHeads: those past it are written out when received.
	heads    msgRing
	maxHeads int
	// lastTo is the last To of two or more ids.
	lastTo  []core.MachineID
	senders [senderCacheSize]senderLast
}

// A state remembers at most maxHeads arrivals, so that a machine whose
// queue only grows costs bounded memory. The writer picks it, within these
// bounds, and says so in the chunk that resets the state: many machines
// get fewer each, so a run's total stays small.
const (
	minHeads     = 16
	maxHeadsCap  = 4096
	headsBudget  = 1 << 18 // arrivals remembered over all of a run's machines
	defaultHeads = 1024
)

// headsFor is the maxHeads a Recorder uses for each log of a run of n
// machines.
func headsFor(n int) int { return min(max(headsBudget/max(n, 1), minHeads), maxHeadsCap) }

// reset zeroes s, keeping its buffer, to remember up to maxHeads
// arrivals.
func (s *deltaState) reset(maxHeads int) {
	heads := s.heads
	heads.clear()
	*s = deltaState{heads: heads, maxHeads: maxHeads}
}

func (s *deltaState) head() (core.Message, bool) { return s.heads.front() }

func (s *deltaState) sender(from core.MachineID) *senderLast {
	return &s.senders[uint32(from)%senderCacheSize]
}

// predictedTickAt is where the next tick falls if the machine keeps its
// interval.
func (s *deltaState) predictedTickAt() time.Duration { return s.tickAt + s.tickGap }

// advance moves s past e.
func (s *deltaState) advance(e *core.Entry) {
	switch {
	case e.Arrival:
		s.advanceArrival(e.At, e.Msg)
		return
	case e.Fault.Kind != 0:
		s.at = e.At
		switch e.Fault.Kind {
		case core.FaultCrash:
			s.queue = 0
			s.heads.clear()
		case core.FaultRestart:
			s.tick += e.Fault.Missed
			s.nextSeq += e.Fault.SeqSkip
			if e.Fault.ResetClock {
				s.clock = 0
			}
		case core.FaultLost, core.FaultDup:
			// The sender's side of a message: nothing the state predicts.
		}
		return
	}
	s.advanceTick(e.At, &e.Event)
}

// advanceArrival moves s past an arrival of msg at at.
func (s *deltaState) advanceArrival(at time.Duration, msg core.Message) {
	s.at = at
	s.queue++
	if s.heads.len() < s.maxHeads {
		s.heads.push(msg, s.maxHeads)
	}
	*s.sender(msg.From) = senderLast{from: msg.From, valid: true, seq: msg.Seq, clock: msg.Clock}
}

// advanceTick moves s past a tick at at with output ev.
func (s *deltaState) advanceTick(at time.Duration, ev *core.Event) {
	s.at = at
	s.tickGap, s.tickAt = at-s.tickAt, at
	s.index, s.tick, s.clock, s.queue = ev.Index, ev.Tick, ev.Clock, ev.Queue
	switch ev.Kind {
	case core.KindRecv:
		if h, ok := s.head(); ok && h == ev.Msg {
			s.heads.pop()
		}
	case core.KindSend:
		s.nextSeq = ev.FirstSeq + uint64(len(ev.To))
		if len(ev.To) > 1 {
			s.lastTo = ev.To
		}
	case core.KindInternal:
		// Changes nothing the state predicts beyond the clock.
	}
}

// recvClock is the clock a receive of msg predicts.
func (s *deltaState) recvClock(msg core.Message) uint64 { return max(s.clock, msg.Clock) + 1 }

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func appendZ(b []byte, v int64) []byte { return binary.AppendUvarint(b, zigzag(v)) }

// appendDiff writes a-b, wrapping, so every pair of uint64 round-trips.
func appendDiff(b []byte, a, c uint64) []byte { return appendZ(b, int64(a-c)) }

// compactTick reports whether tick e fits a compact form after s: the
// fields core guarantees are as it guarantees them (deltaFormOf), the index and
// tick count on by one, and a send has at least one target.
func (s *deltaState) compactTick(ev *core.Event, form int) bool {
	if ev.Index != s.index+1 || ev.Tick != s.tick+1 {
		return false
	}
	switch form {
	case dRecv, dInternal:
		return true
	case dSend:
		return len(ev.To) > 0
	}
	return false
}

// appendDeltaEntry appends e's encoding after state s, and advances s.
func appendDeltaEntry(b []byte, s *deltaState, e *core.Entry) []byte {
	switch form := deltaFormOf(e); form {
	case dArrival:
		return appendDeltaArrival(b, s, e.At, e.Msg)
	case dFault:
		b = appendDeltaFault(b, s, e)
	default:
		b = appendTick(b, s, e.At, &e.Event, form)
	}
	s.advance(e)
	return b
}

// appendDeltaTick is appendDeltaEntry for a tick at at with output ev.
func appendDeltaTick(b []byte, s *deltaState, at time.Duration, ev *core.Event) []byte {
	b = appendTick(b, s, at, ev, deltaTickForm(ev))
	s.advanceTick(at, ev)
	return b
}

// appendTick writes a tick in form, or whole when it does not fit a
// compact form, and leaves s as it was.
func appendTick(b []byte, s *deltaState, at time.Duration, ev *core.Event, form int) []byte {
	if form != dFullTick && s.compactTick(ev, form) {
		return appendCompactTick(b, s, at, ev, form)
	}
	return appendFullTick(b, s, at, ev)
}

// appendDeltaArrival is appendDeltaEntry for an arrival of m at at.
func appendDeltaArrival(b []byte, s *deltaState, at time.Duration, m core.Message) []byte {
	c := s.sender(m.From)
	known := c.valid && c.from == m.From
	tag := byte(dArrival)
	if known {
		tag |= flagKnownSender
	}
	dat := uint64(at - s.at)
	if at < s.at {
		tag |= flagAtBack
		dat = uint64(s.at - at)
	}
	b = appendGap(b, tag, dat)
	b = binary.AppendUvarint(b, uint64(m.From))
	if known {
		b = appendDiff(b, m.Seq, c.seq)
		b = appendDiff(b, m.Clock, c.clock)
	} else {
		b = binary.AppendUvarint(b, m.Seq)
		b = appendDiff(b, m.Clock, s.clock)
	}
	s.advanceArrival(at, m)
	return b
}

// Time difference codes of an arrival's tag (atShift): a varint, or 3, 4
// or 5 bytes.
const (
	atVarint = iota
	at3
	at4
	at5
)

// appendGap writes tag, with the shortest code for gap, and gap.
func appendGap(b []byte, tag byte, gap uint64) []byte {
	var n int
	switch {
	case gap < 1<<21: // a varint of 3 bytes or fewer
		return binary.AppendUvarint(append(b, tag|atVarint<<atShift), gap)
	case gap < 1<<24:
		tag, n = tag|at3<<atShift, 3
	case gap < 1<<32:
		tag, n = tag|at4<<atShift, 4
	case gap < 1<<35: // a varint of 5 bytes
		return binary.AppendUvarint(append(b, tag|atVarint<<atShift), gap)
	case gap < 1<<40:
		tag, n = tag|at5<<atShift, 5
	default:
		return binary.AppendUvarint(append(b, tag|atVarint<<atShift), gap)
	}
	b = append(b, tag)
	for i := range n {
		b = append(b, byte(gap>>(8*i)))
	}
	return b
}

// gap reads a time difference written with code.
func (r *varintReader) gap(code byte) (uint64, error) {
	if code == atVarint {
		return r.uvarint()
	}
	n := int(code) + 2
	if len(r.b) < n {
		return 0, errVarint
	}
	var v uint64
	for i := range n {
		v |= uint64(r.b[i]) << (8 * i)
	}
	r.b = r.b[n:]
	return v, nil
}

func appendCompactTick(b []byte, s *deltaState, eAt time.Duration, ev *core.Event, form int) []byte {
	at := int64(eAt - s.predictedTickAt())
	switch form {
	case dRecv:
		tag := byte(dRecv)
		h, ok := s.head()
		explicitMsg := !ok || h != ev.Msg
		if explicitMsg {
			tag |= flagMsg
		}
		if ev.Queue != s.queue-1 {
			tag |= flagQueue
		}
		if ev.Clock != s.recvClock(ev.Msg) {
			tag |= flagClock
		}
		b = appendZ(append(b, tag), at)
		if explicitMsg {
			b = binary.AppendUvarint(b, uint64(ev.Msg.From))
			b = binary.AppendUvarint(b, ev.Msg.Seq)
			b = appendDiff(b, ev.Msg.Clock, s.clock)
		}
		if tag&flagQueue != 0 {
			b = appendZ(b, int64(ev.Queue))
		}
		if tag&flagClock != 0 {
			b = appendDiff(b, ev.Clock, s.recvClock(ev.Msg))
		}
		return b
	case dInternal:
		tag := byte(dInternal)
		if ev.Clock != s.clock+1 {
			tag |= flagClock
		}
		b = appendZ(append(b, tag), at)
		b = appendZ(b, int64(ev.Die))
		if tag&flagClock != 0 {
			b = appendDiff(b, ev.Clock, s.clock+1)
		}
		return b
	}
	tag := byte(dSend)
	if ev.FirstSeq != s.nextSeq {
		tag |= flagFirstSeq
	}
	if ev.Clock != s.clock+1 {
		tag |= flagClock
	}
	switch {
	case len(ev.To) > 1 && sameIDs(ev.To, s.lastTo):
		tag |= flagToSame
	case len(ev.To) > 1:
		tag |= flagToList
	}
	b = appendZ(append(b, tag), at)
	b = appendZ(b, int64(ev.Die))
	if tag&flagFirstSeq != 0 {
		b = appendDiff(b, ev.FirstSeq, s.nextSeq)
	}
	if tag&flagClock != 0 {
		b = appendDiff(b, ev.Clock, s.clock+1)
	}
	switch {
	case tag&flagToSame != 0:
		return b
	case tag&flagToList != 0:
		return appendIDList(b, ev.To, false)
	}
	return binary.AppendUvarint(b, uint64(ev.To[0]))
}

func sameIDs(a, b []core.MachineID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// appendIDList writes ids as a word, count<<1 | runs, then differences
// between consecutive ids (the first from 0): one each, or with runs, each
// difference followed by how many times it repeats. A run's ids in ring
// order, as a send to all peers lists them, are two runs of +1, so even a
// send to 9 999 peers takes a few bytes; the encoder writes whichever of
// the two is shorter. With nilable, the word is one more, and 0 means nil.
func appendIDList(b []byte, ids []core.MachineID, nilable bool) []byte {
	extra := uint64(0)
	if nilable {
		if ids == nil {
			return append(b, 0)
		}
		extra = 1
	}
	runs := 0
	for i := range ids {
		if i == 0 || idStep(ids, i) != idStep(ids, i-1) {
			runs++
		}
	}
	if 2*runs >= len(ids) {
		b = binary.AppendUvarint(b, uint64(len(ids))<<1+extra)
		for i := range ids {
			b = appendZ(b, idStep(ids, i))
		}
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(ids))<<1|1+extra)
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && idStep(ids, j) == idStep(ids, i) {
			j++
		}
		b = appendZ(b, idStep(ids, i))
		b = binary.AppendUvarint(b, uint64(j-i))
		i = j
	}
	return b
}

// idStep is ids[i] minus the id before it (0 before the first).
func idStep(ids []core.MachineID, i int) int64 {
	if i == 0 {
		return int64(ids[0])
	}
	return int64(ids[i]) - int64(ids[i-1])
}

// maxIDList bounds a decoded list, which a run's machines bound in turn:
// a list written as runs may claim any length in a few bytes.
const maxIDList = 1 << 20

func appendFullTick(b []byte, s *deltaState, at time.Duration, ev *core.Event) []byte {
	b = append(b, dFullTick)
	b = appendZ(b, int64(at-s.at))
	b = binary.AppendUvarint(b, ev.Index)
	b = binary.AppendUvarint(b, ev.Tick)
	b = binary.AppendUvarint(b, storedKindCode(ev.Kind))
	b = appendZ(b, int64(ev.Die))
	b = binary.AppendUvarint(b, ev.Clock)
	b = appendZ(b, int64(ev.Queue))
	b = binary.AppendUvarint(b, ev.FirstSeq)
	b = appendIDList(b, ev.To, true)
	return appendMsgVarints(b, ev.Msg)
}

func appendMsgVarints(b []byte, m core.Message) []byte {
	b = binary.AppendUvarint(b, uint64(m.From))
	b = binary.AppendUvarint(b, m.Seq)
	return binary.AppendUvarint(b, m.Clock)
}

func appendDeltaFault(b []byte, s *deltaState, e *core.Entry) []byte {
	f := &e.Fault
	b = append(b, dFault)
	b = binary.AppendUvarint(b, uint64(f.Kind))
	b = appendZ(b, int64(e.At-s.at))
	switch f.Kind {
	case core.FaultLost:
		b = binary.AppendUvarint(b, uint64(f.Reason))
		b = binary.AppendUvarint(b, uint64(f.To))
		return appendMsgVarints(b, e.Msg)
	case core.FaultDup:
		b = binary.AppendUvarint(b, uint64(f.To))
		return appendMsgVarints(b, e.Msg)
	case core.FaultCrash:
		return appendZ(b, int64(f.QueueLost))
	case core.FaultRestart:
		b = binary.AppendUvarint(b, f.Missed)
		reset := uint64(0)
		if f.ResetClock {
			reset = 1
		}
		b = binary.AppendUvarint(b, reset)
		return binary.AppendUvarint(b, f.SeqSkip)
	}
	// deltaFormOf writes only known fault kinds as faults.
	panic(fmt.Sprintf("record: delta fault of unknown kind %v", f.Kind))
}

// Delta chunk header flags.
const (
	// chunkReset: the state starts from zero here; otherwise it carries
	// on from the previous chunk's last entry.
	chunkReset = 1
)

// deltaHeader is what a delta chunk says before its entries.
type deltaHeader struct {
	n     int // entries
	flags byte
	heads int // with chunkReset: the state's maxHeads
}

// appendDeltaHeader writes a delta chunk's header: the magic, the entry
// count, the flags and, with chunkReset, maxHeads.
func appendDeltaHeader(b []byte, h deltaHeader) []byte {
	b = append(b, deltaMagic)
	b = binary.AppendUvarint(b, uint64(h.n))
	b = append(b, h.flags)
	if h.flags&chunkReset != 0 {
		b = binary.AppendUvarint(b, uint64(h.heads))
	}
	return b
}

// varintReader reads varints, remembering the first error.
type varintReader struct {
	b []byte
}

var errVarint = errors.New("truncated or overlong varint")

func (r *varintReader) uvarint() (uint64, error) {
	if len(r.b) > 0 && r.b[0] < 0x80 {
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v, nil
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		return 0, errVarint
	}
	r.b = r.b[n:]
	return v, nil
}

func (r *varintReader) varint() (int64, error) {
	u, err := r.uvarint()
	return unzigzag(u), err
}

// uvarintMax reads an unsigned varint no larger than hi.
func (r *varintReader) uvarintMax(hi uint64) (uint64, error) {
	v, err := r.uvarint()
	if err == nil && v > hi {
		return 0, fmt.Errorf("value %d out of range (max %d)", v, hi)
	}
	return v, err
}

// intNative reads a zigzag varint that must fit an int.
func (r *varintReader) intNative() (int, error) {
	v, err := r.varint()
	if err == nil && (v > math.MaxInt || v < math.MinInt) {
		return 0, fmt.Errorf("value %d overflows int", v)
	}
	return int(v), err
}

func (r *varintReader) id() (core.MachineID, error) {
	v, err := r.uvarintMax(math.MaxUint32)
	return core.MachineID(v), err
}

// splitDeltaHeader reads a delta chunk's header and returns it and the
// body.
func splitDeltaHeader(chunk []byte) (deltaHeader, []byte, error) {
	if len(chunk) == 0 || chunk[0] != deltaMagic {
		return deltaHeader{}, nil, errors.New("not a delta chunk")
	}
	r := varintReader{chunk[1:]}
	n, err := r.uvarint()
	if err != nil || len(r.b) == 0 {
		return deltaHeader{}, nil, fmt.Errorf("chunk header: %v", cmp.Or(err, errVarint))
	}
	h := deltaHeader{flags: r.b[0]}
	r.b = r.b[1:]
	if h.flags&^chunkReset != 0 {
		return deltaHeader{}, nil, fmt.Errorf("chunk header has unknown flags %#x", h.flags)
	}
	if h.flags&chunkReset != 0 {
		heads, err := r.uvarintMax(maxHeadsCap)
		if err != nil {
			return deltaHeader{}, nil, fmt.Errorf("chunk header: heads: %v", err)
		}
		h.heads = int(heads)
	}
	// Every entry takes at least two bytes (a tag and a time).
	if n == 0 || n > uint64(len(r.b))/2 {
		return deltaHeader{}, nil, fmt.Errorf("chunk claims %d entries in %d bytes", n, len(r.b))
	}
	h.n = int(n)
	return h, r.b, nil
}

// deltaDecoder decodes a delta chunk's entries in order.
type deltaDecoder struct {
	tag   byte // the last entry's, for tests
	r     varintReader
	s     deltaState
	arena []core.MachineID // backs decoded To lists; never overwritten
	// singles holds a one-id list per target, shared by every send to it:
	// most sends have one target, and a fresh list each was most of what
	// a long read allocated.
	singles map[core.MachineID][]core.MachineID
}

// startChunk reads body next; with chunkReset, from a zero state.
func (d *deltaDecoder) startChunk(h deltaHeader, body []byte) {
	d.r = varintReader{body}
	if h.flags&chunkReset != 0 {
		d.s.reset(h.heads)
	}
}

// single returns the list [id], shared.
func (d *deltaDecoder) single(id core.MachineID) []core.MachineID {
	if to, ok := d.singles[id]; ok {
		return to
	}
	if d.singles == nil {
		d.singles = map[core.MachineID][]core.MachineID{}
	}
	to := []core.MachineID{id}
	d.singles[id] = to
	return to
}

// takeIDs returns n ids' room that stays valid after later entries.
func (d *deltaDecoder) takeIDs(n int) []core.MachineID {
	if n == 0 {
		return []core.MachineID{} // empty, not nil: the two differ
	}
	if cap(d.arena)-len(d.arena) < n {
		d.arena = make([]core.MachineID, 0, max(n, 256))
	}
	out := d.arena[len(d.arena) : len(d.arena)+n : len(d.arena)+n]
	d.arena = d.arena[:len(d.arena)+n]
	return out
}

// next decodes one entry into e, which it overwrites whole.
func (d *deltaDecoder) next(e *core.Entry) error {
	*e = core.Entry{}
	tag, err := d.r.uvarintMax(math.MaxUint8)
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	d.tag = byte(tag)
	form := int(tag & 7)
	if form >= dForms {
		return fmt.Errorf("unknown entry form %d", form)
	}
	if (form == dFault || form == dFullTick) && tag != uint64(form) {
		return fmt.Errorf("tag %#x: form %d has no flags", tag, form)
	}
	switch form {
	case dArrival:
		err = d.arrival(e, byte(tag))
	case dFault:
		err = d.fault(e)
	case dFullTick:
		err = d.fullTick(e)
	default:
		err = d.compactTick(e, form, byte(tag))
	}
	if err != nil {
		return err
	}
	d.s.advance(e)
	return nil
}

func (d *deltaDecoder) arrival(e *core.Entry, tag byte) error {
	if tag&^(flagKnownSender|flagAtBack|atMask) != dArrival {
		return fmt.Errorf("arrival tag %#x has unknown flags", tag)
	}
	dat, err := d.r.gap((tag & atMask) >> atShift)
	if err != nil {
		return fmt.Errorf("at: %w", err)
	}
	if tag&flagAtBack != 0 {
		dat = -dat
	}
	e.At, e.Arrival = d.s.at+time.Duration(dat), true
	from, err := d.r.id()
	if err != nil {
		return fmt.Errorf("message from: %w", err)
	}
	seqD, err := d.r.uvarint()
	if err != nil {
		return fmt.Errorf("message seq: %w", err)
	}
	clockD, err := d.r.varint()
	if err != nil {
		return fmt.Errorf("message clock: %w", err)
	}
	e.Msg.From = from
	if tag&flagKnownSender != 0 {
		c := d.s.sender(from)
		if !c.valid || c.from != from {
			return fmt.Errorf("arrival from %d refers to a sender the state does not remember", from)
		}
		e.Msg.Seq = c.seq + uint64(unzigzag(seqD))
		e.Msg.Clock = c.clock + uint64(clockD)
		return nil
	}
	e.Msg.Seq = seqD
	e.Msg.Clock = d.s.clock + uint64(clockD)
	return nil
}

func (d *deltaDecoder) compactTick(e *core.Entry, form int, tag byte) error {
	ev := &e.Event
	allowed := byte(flagClock)
	switch form {
	case dRecv:
		allowed |= flagMsg | flagQueue
	case dSend:
		allowed |= flagFirstSeq | flagToSame | flagToList
	}
	if tag&^allowed&^7 != 0 || (form == dSend && tag&flagToSame != 0 && tag&flagToList != 0) {
		return fmt.Errorf("tag %#x has unknown flags", tag)
	}
	dat, err := d.r.varint()
	if err != nil {
		return fmt.Errorf("at: %w", err)
	}
	e.At = d.s.predictedTickAt() + time.Duration(dat)
	ev.Index, ev.Tick = d.s.index+1, d.s.tick+1
	switch form {
	case dRecv:
		ev.Kind = core.KindRecv
		if tag&flagMsg != 0 {
			if ev.Msg.From, err = d.r.id(); err != nil {
				return fmt.Errorf("message from: %w", err)
			}
			if ev.Msg.Seq, err = d.r.uvarint(); err != nil {
				return fmt.Errorf("message seq: %w", err)
			}
			cd, err := d.r.varint()
			if err != nil {
				return fmt.Errorf("message clock: %w", err)
			}
			ev.Msg.Clock = d.s.clock + uint64(cd)
		} else {
			h, ok := d.s.head()
			if !ok {
				return errors.New("receive of the oldest arrival, but none is remembered")
			}
			ev.Msg = h
		}
		ev.Queue = d.s.queue - 1
		if tag&flagQueue != 0 {
			if ev.Queue, err = d.r.intNative(); err != nil {
				return fmt.Errorf("queue: %w", err)
			}
		}
		ev.Clock = d.s.recvClock(ev.Msg)
		if tag&flagClock != 0 {
			cd, err := d.r.varint()
			if err != nil {
				return fmt.Errorf("clock: %w", err)
			}
			ev.Clock += uint64(cd)
		}
		return nil
	case dInternal:
		ev.Kind = core.KindInternal
	default:
		ev.Kind = core.KindSend
	}
	if ev.Die, err = d.r.intNative(); err != nil {
		return fmt.Errorf("die: %w", err)
	}
	if form == dSend {
		ev.FirstSeq = d.s.nextSeq
		if tag&flagFirstSeq != 0 {
			fd, err := d.r.varint()
			if err != nil {
				return fmt.Errorf("first seq: %w", err)
			}
			ev.FirstSeq += uint64(fd)
		}
	}
	ev.Clock = d.s.clock + 1
	if tag&flagClock != 0 {
		cd, err := d.r.varint()
		if err != nil {
			return fmt.Errorf("clock: %w", err)
		}
		ev.Clock += uint64(cd)
	}
	if form != dSend {
		return nil
	}
	switch {
	case tag&flagToSame != 0:
		if d.s.lastTo == nil {
			return errors.New("send to the last list of targets, but there is none")
		}
		ev.To = d.s.lastTo
	case tag&flagToList != 0:
		ev.To, err = d.idList(false)
		return err
	default:
		id, err := d.r.id()
		if err != nil {
			return fmt.Errorf("to: %w", err)
		}
		ev.To = d.single(id)
	}
	return nil
}

// idList reads what appendIDList wrote.
func (d *deltaDecoder) idList(nilable bool) ([]core.MachineID, error) {
	w, err := d.r.uvarint()
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if nilable {
		if w == 0 {
			return nil, nil
		}
		w--
	}
	n, runs := w>>1, w&1 == 1
	if n > maxIDList || (!runs && n > uint64(len(d.r.b))) {
		return nil, fmt.Errorf("to: %d ids in %d bytes", n, len(d.r.b))
	}
	ids := d.takeIDs(int(n))
	prev := int64(0)
	for i := 0; i < len(ids); {
		step, err := d.r.varint()
		if err != nil {
			return nil, fmt.Errorf("to[%d]: %w", i, err)
		}
		count := uint64(1)
		if runs {
			if count, err = d.r.uvarint(); err != nil || count == 0 || count > uint64(len(ids)-i) {
				return nil, fmt.Errorf("to[%d]: run of %d: %v", i, count, err)
			}
		}
		for range count {
			prev += step
			if prev < 0 || prev > math.MaxUint32 {
				return nil, fmt.Errorf("to[%d]: machine id %d out of range", i, prev)
			}
			ids[i] = core.MachineID(prev)
			i++
		}
	}
	return ids, nil
}

func (d *deltaDecoder) fullTick(e *core.Entry) error {
	ev := &e.Event
	dat, err := d.r.varint()
	if err != nil {
		return fmt.Errorf("at: %w", err)
	}
	e.At = d.s.at + time.Duration(dat)
	if ev.Index, err = d.r.uvarint(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if ev.Tick, err = d.r.uvarint(); err != nil {
		return fmt.Errorf("tick: %w", err)
	}
	kind, err := d.r.uvarintMax(math.MaxUint8)
	if err != nil {
		return fmt.Errorf("kind: %w", err)
	}
	ev.Kind = storedKind(uint8(kind))
	if ev.Die, err = d.r.intNative(); err != nil {
		return fmt.Errorf("die: %w", err)
	}
	if ev.Clock, err = d.r.uvarint(); err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	if ev.Queue, err = d.r.intNative(); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if ev.FirstSeq, err = d.r.uvarint(); err != nil {
		return fmt.Errorf("first seq: %w", err)
	}
	if ev.To, err = d.idList(true); err != nil {
		return err
	}
	ev.Msg, err = d.msg()
	return err
}

func (d *deltaDecoder) msg() (core.Message, error) {
	from, err := d.r.id()
	if err != nil {
		return core.Message{}, fmt.Errorf("message from: %w", err)
	}
	seq, err := d.r.uvarint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message seq: %w", err)
	}
	clock, err := d.r.uvarint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message clock: %w", err)
	}
	return core.Message{From: from, Seq: seq, Clock: clock}, nil
}

func (d *deltaDecoder) fault(e *core.Entry) error {
	f := &e.Fault
	kind, err := d.r.uvarintMax(math.MaxUint8)
	if err != nil {
		return fmt.Errorf("fault kind: %w", err)
	}
	f.Kind = core.FaultKind(kind)
	dat, err := d.r.varint()
	if err != nil {
		return fmt.Errorf("at: %w", err)
	}
	e.At = d.s.at + time.Duration(dat)
	switch f.Kind {
	case core.FaultLost:
		reason, err := d.r.uvarintMax(math.MaxUint8)
		if err != nil {
			return fmt.Errorf("reason: %w", err)
		}
		f.Reason = core.LostReason(reason)
		fallthrough
	case core.FaultDup:
		if f.To, err = d.r.id(); err != nil {
			return fmt.Errorf("to: %w", err)
		}
		e.Msg, err = d.msg()
		return err
	case core.FaultCrash:
		if f.QueueLost, err = d.r.intNative(); err != nil {
			return fmt.Errorf("queue lost: %w", err)
		}
		return nil
	case core.FaultRestart:
		if f.Missed, err = d.r.uvarint(); err != nil {
			return fmt.Errorf("missed: %w", err)
		}
		reset, err := d.r.uvarintMax(1)
		if err != nil {
			return fmt.Errorf("reset clock: %w", err)
		}
		f.ResetClock = reset == 1
		if f.SeqSkip, err = d.r.uvarint(); err != nil {
			return fmt.Errorf("seq skip: %w", err)
		}
		return nil
	}
	return fmt.Errorf("unknown fault kind %d", kind)
}
