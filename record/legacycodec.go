package record

import (
	"errors"
	"fmt"
	"math"
	"time"

	"lamport/core"
	"lamport/internal/msgp"
)

// Schema 1-2 chunks, which stores still read but no longer write. This file
// is frozen: a new kind or field goes into the delta codec (delta.go), never
// here. The encoder lives with the tests (schema2_encode_test.go), which
// write chunks of these schemas to check that they still read. An entry is
// a msgpack array whose first element, the form, says what follows. The
// compact forms leave out the fields core guarantees to be zero for that
// kind; formTick keeps every field.
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

// decodeEntry reads one entry from d.
func decodeEntry(d *msgp.Decoder) (core.Entry, error) {
	n, err := d.ArrayLen()
	if err != nil {
		return core.Entry{}, err
	}
	if n == 0 {
		return core.Entry{}, errors.New("empty entry")
	}
	form, err := d.Uint()
	if err != nil {
		return core.Entry{}, fmt.Errorf("form: %w", err)
	}
	if form >= uint64(len(formLen)) {
		return core.Entry{}, fmt.Errorf("unknown entry form %d", form)
	}
	if n != formLen[form] {
		return core.Entry{}, fmt.Errorf("entry form %d has %d fields, want %d", form, n, formLen[form])
	}
	var e core.Entry
	at, err := d.Int64()
	if err != nil {
		return core.Entry{}, fmt.Errorf("at: %w", err)
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
	if ev.Index, err = d.Uint(); err != nil {
		return core.Entry{}, fmt.Errorf("index: %w", err)
	}
	if ev.Tick, err = d.Uint(); err != nil {
		return core.Entry{}, fmt.Errorf("tick: %w", err)
	}
	switch form {
	case formRecv:
		ev.Kind = core.KindRecv
		if ev.Clock, err = d.Uint(); err != nil {
			return core.Entry{}, fmt.Errorf("clock: %w", err)
		}
		if ev.Queue, err = d.Int(); err != nil {
			return core.Entry{}, fmt.Errorf("queue: %w", err)
		}
		ev.Msg, err = decodeMsg(d)
		return e, err
	case formSend:
		ev.Kind = core.KindSend
		if ev.Die, err = d.Int(); err != nil {
			return core.Entry{}, fmt.Errorf("die: %w", err)
		}
		if ev.Clock, err = d.Uint(); err != nil {
			return core.Entry{}, fmt.Errorf("clock: %w", err)
		}
		if ev.FirstSeq, err = d.Uint(); err != nil {
			return core.Entry{}, fmt.Errorf("first seq: %w", err)
		}
		ev.To, err = decodeTo(d)
		return e, err
	case formInternal:
		ev.Kind = core.KindInternal
		if ev.Die, err = d.Int(); err != nil {
			return core.Entry{}, fmt.Errorf("die: %w", err)
		}
		if ev.Clock, err = d.Uint(); err != nil {
			return core.Entry{}, fmt.Errorf("clock: %w", err)
		}
		return e, nil
	}
	kind, err := d.UintMax(math.MaxUint8)
	if err != nil {
		return core.Entry{}, fmt.Errorf("kind: %w", err)
	}
	ev.Kind = storedKind(uint8(kind))
	if ev.Die, err = d.Int(); err != nil {
		return core.Entry{}, fmt.Errorf("die: %w", err)
	}
	if ev.Clock, err = d.Uint(); err != nil {
		return core.Entry{}, fmt.Errorf("clock: %w", err)
	}
	if ev.Queue, err = d.Int(); err != nil {
		return core.Entry{}, fmt.Errorf("queue: %w", err)
	}
	if ev.FirstSeq, err = d.Uint(); err != nil {
		return core.Entry{}, fmt.Errorf("first seq: %w", err)
	}
	if ev.To, err = decodeTo(d); err != nil {
		return core.Entry{}, err
	}
	ev.Msg, err = decodeMsg(d)
	return e, err
}

func decodeFault(d *msgp.Decoder, form uint64, e *core.Entry) error {
	f := &e.Fault
	var err error
	switch form {
	case formLost:
		f.Kind = core.FaultLost
		reason, err := d.UintMax(math.MaxUint8)
		if err != nil {
			return fmt.Errorf("reason: %w", err)
		}
		f.Reason = core.LostReason(reason)
		fallthrough
	case formDup:
		if f.Kind == 0 {
			f.Kind = core.FaultDup
		}
		to, err := d.UintMax(math.MaxUint32)
		if err != nil {
			return fmt.Errorf("to: %w", err)
		}
		f.To = core.MachineID(to)
		e.Msg, err = decodeMsg(d)
		return err
	case formCrash:
		f.Kind = core.FaultCrash
		if f.QueueLost, err = d.Int(); err != nil {
			return fmt.Errorf("queue lost: %w", err)
		}
		return nil
	}
	f.Kind = core.FaultRestart
	if f.Missed, err = d.Uint(); err != nil {
		return fmt.Errorf("missed: %w", err)
	}
	reset, err := d.UintMax(1)
	if err != nil {
		return fmt.Errorf("reset clock: %w", err)
	}
	f.ResetClock = reset == 1
	if f.SeqSkip, err = d.Uint(); err != nil {
		return fmt.Errorf("seq skip: %w", err)
	}
	return nil
}

func decodeMsg(d *msgp.Decoder) (core.Message, error) {
	from, err := d.UintMax(math.MaxUint32)
	if err != nil {
		return core.Message{}, fmt.Errorf("message from: %w", err)
	}
	seq, err := d.Uint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message seq: %w", err)
	}
	clock, err := d.Uint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message clock: %w", err)
	}
	return core.Message{From: core.MachineID(from), Seq: seq, Clock: clock}, nil
}

func decodeTo(d *msgp.Decoder) ([]core.MachineID, error) {
	n, isNil, err := d.NilOrArrayLen()
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if isNil {
		return nil, nil
	}
	to := make([]core.MachineID, n)
	for i := range to {
		id, err := d.UintMax(math.MaxUint32)
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
	d := msgp.NewDecoder(chunk)
	n, err := d.ArrayLen()
	if err != nil {
		return 0, nil, fmt.Errorf("chunk header: %w", err)
	}
	if n > d.Len()/minEntrySize {
		return 0, nil, fmt.Errorf("chunk claims %d entries in %d bytes", n, d.Len())
	}
	return n, d.Rest(), nil
}
