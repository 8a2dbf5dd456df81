package record

import (
	"errors"
	"fmt"
	"math"
	"time"

	"lamport/core"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// Schema 1-2 chunks, which stores still read but no longer write (the
// encoder lives with the tests). An entry is a msgpack array whose first
// element, the form, says what follows (docs/STORE.md, "Msgpack chunks").
// formOf also picks the delta encoding's compact forms. The compact forms leave out the
// fields core guarantees to be zero for that kind; an event that breaks
// those guarantees is written in formTick, which keeps every field, so that
// any Entry round-trips exactly.
const (
	formArrival  = 0 // [0, at, from, seq, clock]
	formRecv     = 1 // [1, at, index, tick, clock, queue, from, seq, msg_clock]
	formSend     = 2 // [2, at, index, tick, die, clock, first_seq, to]
	formInternal = 3 // [3, at, index, tick, die, clock]
	formTick     = 4 // [4, at, index, tick, kind, die, clock, queue, first_seq, to, from, seq, msg_clock]
	// Fault entries, since schema 2.
	formLost    = 5 // [5, at, reason, to, from, seq, clock]
	formDup     = 6 // [6, at, to, from, seq, clock]
	formCrash   = 7 // [7, at, queue_lost]
	formRestart = 8 // [8, at, missed, reset_clock (0 or 1), seq_skip]
)

// formLen is each form's array length, form included.
var formLen = [...]int{formArrival: 5, formRecv: 9, formSend: 8, formInternal: 6, formTick: 13,
	formLost: 7, formDup: 6, formCrash: 3, formRestart: 5}

// Stored kind numbers of formTick: 1 recv, 2 send, 3 internal. They equal
// core's today; should core renumber, these two functions keep the stored
// numbers (and the schema) as they are. Unknown kinds keep their number, so
// nothing is lost; Check and replay object to them.
func kindCode(k core.Kind) uint64 {
	switch k {
	case core.KindRecv:
		return 1
	case core.KindSend:
		return 2
	case core.KindInternal:
		return 3
	}
	return uint64(k)
}

func kindOfCode(c uint8) core.Kind {
	switch c {
	case 1:
		return core.KindRecv
	case 2:
		return core.KindSend
	case 3:
		return core.KindInternal
	}
	return core.Kind(c)
}

func formOf(e *Entry) int {
	if e.Arrival {
		return formArrival
	}
	switch e.Fault.Kind {
	case FaultLost:
		return formLost
	case FaultDup:
		return formDup
	case FaultCrash:
		return formCrash
	case FaultRestart:
		return formRestart
	}
	ev := &e.Event
	noMsg := ev.Msg == core.Message{}
	switch ev.Kind {
	case core.KindRecv:
		if ev.Die == 0 && ev.FirstSeq == 0 && ev.To == nil {
			return formRecv
		}
	case core.KindSend:
		if ev.Queue == 0 && noMsg {
			return formSend
		}
	case core.KindInternal:
		if ev.Queue == 0 && ev.FirstSeq == 0 && ev.To == nil && noMsg {
			return formInternal
		}
	}
	return formTick
}

// decodeEntry reads one entry from d.
func decodeEntry(d *decoder) (Entry, error) {
	n, err := d.arrayHeader()
	if err != nil {
		return Entry{}, err
	}
	if n == 0 {
		return Entry{}, errors.New("empty entry")
	}
	form, err := d.uint()
	if err != nil {
		return Entry{}, fmt.Errorf("form: %w", err)
	}
	if form >= uint64(len(formLen)) {
		return Entry{}, fmt.Errorf("unknown entry form %d", form)
	}
	if n != formLen[form] {
		return Entry{}, fmt.Errorf("entry form %d has %d fields, want %d", form, n, formLen[form])
	}
	var e Entry
	at, err := d.int()
	if err != nil {
		return Entry{}, fmt.Errorf("at: %w", err)
	}
	e.At = time.Duration(at)
	switch form {
	case formArrival:
		e.Arrival = true
		e.Msg, err = decodeMsg(d)
		return e, err
	case formLost, formDup, formCrash, formRestart:
		return e, decodeFault(d, form, &e)
	}
	ev := &e.Event
	if ev.Index, err = d.uint(); err != nil {
		return Entry{}, fmt.Errorf("index: %w", err)
	}
	if ev.Tick, err = d.uint(); err != nil {
		return Entry{}, fmt.Errorf("tick: %w", err)
	}
	switch form {
	case formRecv:
		ev.Kind = core.KindRecv
		if ev.Clock, err = d.uint(); err != nil {
			return Entry{}, fmt.Errorf("clock: %w", err)
		}
		if ev.Queue, err = d.intNative(); err != nil {
			return Entry{}, fmt.Errorf("queue: %w", err)
		}
		ev.Msg, err = decodeMsg(d)
		return e, err
	case formSend:
		ev.Kind = core.KindSend
		if ev.Die, err = d.intNative(); err != nil {
			return Entry{}, fmt.Errorf("die: %w", err)
		}
		if ev.Clock, err = d.uint(); err != nil {
			return Entry{}, fmt.Errorf("clock: %w", err)
		}
		if ev.FirstSeq, err = d.uint(); err != nil {
			return Entry{}, fmt.Errorf("first seq: %w", err)
		}
		ev.To, err = decodeTo(d)
		return e, err
	case formInternal:
		ev.Kind = core.KindInternal
		if ev.Die, err = d.intNative(); err != nil {
			return Entry{}, fmt.Errorf("die: %w", err)
		}
		if ev.Clock, err = d.uint(); err != nil {
			return Entry{}, fmt.Errorf("clock: %w", err)
		}
		return e, nil
	}
	kind, err := d.uintMax(math.MaxUint8)
	if err != nil {
		return Entry{}, fmt.Errorf("kind: %w", err)
	}
	ev.Kind = kindOfCode(uint8(kind))
	if ev.Die, err = d.intNative(); err != nil {
		return Entry{}, fmt.Errorf("die: %w", err)
	}
	if ev.Clock, err = d.uint(); err != nil {
		return Entry{}, fmt.Errorf("clock: %w", err)
	}
	if ev.Queue, err = d.intNative(); err != nil {
		return Entry{}, fmt.Errorf("queue: %w", err)
	}
	if ev.FirstSeq, err = d.uint(); err != nil {
		return Entry{}, fmt.Errorf("first seq: %w", err)
	}
	if ev.To, err = decodeTo(d); err != nil {
		return Entry{}, err
	}
	ev.Msg, err = decodeMsg(d)
	return e, err
}

func decodeFault(d *decoder, form uint64, e *Entry) error {
	f := &e.Fault
	var err error
	switch form {
	case formLost:
		f.Kind = FaultLost
		reason, err := d.uintMax(math.MaxUint8)
		if err != nil {
			return fmt.Errorf("reason: %w", err)
		}
		f.Reason = LostReason(reason)
		fallthrough
	case formDup:
		if f.Kind == 0 {
			f.Kind = FaultDup
		}
		to, err := d.uintMax(math.MaxUint32)
		if err != nil {
			return fmt.Errorf("to: %w", err)
		}
		f.To = core.MachineID(to)
		e.Msg, err = decodeMsg(d)
		return err
	case formCrash:
		f.Kind = FaultCrash
		if f.QueueLost, err = d.intNative(); err != nil {
			return fmt.Errorf("queue lost: %w", err)
		}
		return nil
	}
	f.Kind = FaultRestart
	if f.Missed, err = d.uint(); err != nil {
		return fmt.Errorf("missed: %w", err)
	}
	reset, err := d.uintMax(1)
	if err != nil {
		return fmt.Errorf("reset clock: %w", err)
	}
	f.ResetClock = reset == 1
	if f.SeqSkip, err = d.uint(); err != nil {
		return fmt.Errorf("seq skip: %w", err)
	}
	return nil
}

func decodeMsg(d *decoder) (core.Message, error) {
	from, err := d.uintMax(math.MaxUint32)
	if err != nil {
		return core.Message{}, fmt.Errorf("message from: %w", err)
	}
	seq, err := d.uint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message seq: %w", err)
	}
	clock, err := d.uint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message clock: %w", err)
	}
	return core.Message{From: core.MachineID(from), Seq: seq, Clock: clock}, nil
}

func decodeTo(d *decoder) ([]core.MachineID, error) {
	n, isNil, err := d.nilOrArrayHeader()
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if isNil {
		return nil, nil
	}
	to := make([]core.MachineID, n)
	for i := range to {
		id, err := d.uintMax(math.MaxUint32)
		if err != nil {
			return nil, fmt.Errorf("to[%d]: %w", i, err)
		}
		to[i] = core.MachineID(id)
	}
	return to, nil
}

// A chunk is a msgpack array of entries: a header holding the count, then
// the entries back to back. Appending to a chunk rewrites only the header.

// minEntrySize is the fewest bytes an entry takes (a crash of fixints:
// [7, at, queue_lost]), bounding how many entries a chunk of a given size
// can claim.
const minEntrySize = 4

// splitChunk returns a chunk's entry count and the bytes of its entries.
func splitChunk(chunk []byte) (int, []byte, error) {
	d := decoder{chunk}
	n, err := d.arrayHeader()
	if err != nil {
		return 0, nil, fmt.Errorf("chunk header: %w", err)
	}
	if n > len(d.b)/minEntrySize {
		return 0, nil, fmt.Errorf("chunk claims %d entries in %d bytes", n, len(d.b))
	}
	return n, d.b, nil
}

// decodeChunk decodes a whole chunk. Readers stream with chunkIter instead.
func decodeChunk(chunk []byte) ([]Entry, error) {
	var it chunkIter
	if err := it.reset(chunk); err != nil {
		return nil, err
	}
	es := make([]Entry, 0, it.left)
	for it.left > 0 {
		var e Entry
		if err := it.next(&e); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}

// chunkIter decodes a log's chunks, in order, one entry at a time: delta
// chunks (schema 3), whose state carries from chunk to chunk, and msgpack
// ones (schemas 1 and 2).
type chunkIter struct {
	d       decoder // msgpack chunks
	delta   deltaDecoder
	isDelta bool
	left    int // entries not yet decoded
	pos     int // entries decoded, for error messages
}

// reset starts the log's next chunk, which must follow the one before.
func (it *chunkIter) reset(chunk []byte) error {
	if len(chunk) > 0 && chunk[0] == deltaMagic {
		h, body, err := splitDeltaHeader(chunk)
		if err != nil {
			return err
		}
		if h.flags&chunkReset == 0 && !(it.isDelta && it.left == 0) {
			return errors.New("delta chunk carries on from a chunk that is not a whole delta chunk")
		}
		it.delta.startChunk(h, body)
		it.isDelta, it.left, it.pos = true, h.n, 0
		return nil
	}
	n, body, err := splitChunk(chunk)
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("empty chunk")
	}
	it.d, it.isDelta, it.left, it.pos = decoder{body}, false, n, 0
	return nil
}

// next decodes the next entry into e; the caller checks left > 0 first.
// After the last entry it checks that nothing follows.
func (it *chunkIter) next(e *Entry) error {
	var (
		err  error
		rest int
	)
	if it.isDelta {
		err = it.delta.next(e)
		rest = len(it.delta.r.b)
	} else {
		*e, err = decodeEntry(&it.d)
		rest = len(it.d.b)
	}
	if err != nil {
		return fmt.Errorf("entry %d: %w", it.pos, err)
	}
	it.pos++
	it.left--
	if it.left == 0 && rest != 0 {
		return fmt.Errorf("%d bytes after the last entry", rest)
	}
	return nil
}
