package record

import (
	"lamport/core"
	"lamport/internal/msgp"
)

// The schema 1-2 (msgpack) chunk encoder. Stores no longer write it; the
// tests keep it to make old stores and to check the decoder, which still
// reads them.

// appendEntry appends e's encoding to b.
func appendEntry(b []byte, e *core.Entry) []byte {
	form := formOf(e)
	b = msgp.AppendArrayHeader(b, formLen[form])
	b = append(b, byte(form)) // positive fixint
	b = msgp.AppendInt(b, int64(e.At))
	f := &e.Fault
	switch form {
	case formArrival:
		return appendMsg(b, e.Msg)
	case formLost:
		b = msgp.AppendUint(b, uint64(f.Reason))
		b = msgp.AppendUint(b, uint64(f.To))
		return appendMsg(b, e.Msg)
	case formDup:
		b = msgp.AppendUint(b, uint64(f.To))
		return appendMsg(b, e.Msg)
	case formCrash:
		return msgp.AppendInt(b, int64(f.QueueLost))
	case formRestart:
		b = msgp.AppendUint(b, f.Missed)
		reset := uint64(0)
		if f.ResetClock {
			reset = 1
		}
		b = msgp.AppendUint(b, reset)
		return msgp.AppendUint(b, f.SeqSkip)
	}
	ev := &e.Event
	b = msgp.AppendUint(b, ev.Index)
	b = msgp.AppendUint(b, ev.Tick)
	switch form {
	case formRecv:
		b = msgp.AppendUint(b, ev.Clock)
		b = msgp.AppendInt(b, int64(ev.Queue))
		return appendMsg(b, ev.Msg)
	case formSend:
		b = msgp.AppendInt(b, int64(ev.Die))
		b = msgp.AppendUint(b, ev.Clock)
		b = msgp.AppendUint(b, ev.FirstSeq)
		return appendTo(b, ev.To)
	case formInternal:
		b = msgp.AppendInt(b, int64(ev.Die))
		return msgp.AppendUint(b, ev.Clock)
	}
	b = msgp.AppendUint(b, storedKindCode(ev.Kind))
	b = msgp.AppendInt(b, int64(ev.Die))
	b = msgp.AppendUint(b, ev.Clock)
	b = msgp.AppendInt(b, int64(ev.Queue))
	b = msgp.AppendUint(b, ev.FirstSeq)
	b = appendTo(b, ev.To)
	return appendMsg(b, ev.Msg)
}

func appendMsg(b []byte, m core.Message) []byte {
	b = msgp.AppendUint(b, uint64(m.From))
	b = msgp.AppendUint(b, m.Seq)
	return msgp.AppendUint(b, m.Clock)
}

// appendTo writes nil for a nil list, so nil and empty stay apart.
func appendTo(b []byte, to []core.MachineID) []byte {
	if to == nil {
		return msgp.AppendNil(b)
	}
	b = msgp.AppendArrayHeader(b, len(to))
	for _, id := range to {
		b = msgp.AppendUint(b, uint64(id))
	}
	return b
}

// appendChunkBody returns a new chunk holding old's entries (old may be
// nil) followed by the n encoded entries in body. It never writes into old,
// which may be bbolt's mmap, nor into body: the result is a fresh slice,
// as bbolt's Put needs a value that outlives the caller's buffers.
func appendChunkBody(old, body []byte, n int) ([]byte, error) {
	var have int
	var oldBody []byte
	if old != nil {
		var err error
		if have, oldBody, err = splitChunk(old); err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, 5+len(oldBody)+len(body))
	out = msgp.AppendArrayHeader(out, have+n)
	out = append(out, oldBody...)
	return append(out, body...), nil
}

// formOf picks the schema 1-2 form an entry was written in.
func formOf(e *core.Entry) int {
	if e.Arrival {
		return formArrival
	}
	switch e.Fault.Kind {
	case core.FaultLost:
		return formLost
	case core.FaultDup:
		return formDup
	case core.FaultCrash:
		return formCrash
	case core.FaultRestart:
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
