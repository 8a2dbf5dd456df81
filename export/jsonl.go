package export

import (
	"strconv"
	"time"

	"lamport/core"
)

// appendJSONL appends entry e of machine m, at wall time wall, as one
// JSON object on a line.
func appendJSONL(b []byte, m core.MachineID, at time.Duration, wall time.Time, e *core.Entry) []byte {
	b = append(b, `{"machine":`...)
	b = strconv.AppendUint(b, uint64(m), 10)
	if e.Arrival {
		b = append(b, `,"kind":"arrival","time_ns":`...)
		b = strconv.AppendInt(b, int64(at), 10)
		b = append(b, `,"time":"`...)
		b = appendLogTime(b, wall)
		b = append(b, '"')
		b = appendJSONMsg(b, e.Msg)
		return append(b, "}\n"...)
	}
	if e.Fault.Kind != 0 {
		return appendJSONFault(b, at, wall, e)
	}
	ev := &e.Event
	b = append(b, `,"index":`...)
	b = strconv.AppendUint(b, ev.Index, 10)
	b = append(b, `,"kind":"`...)
	b = append(b, ev.Kind.String()...)
	b = append(b, `","clock":`...)
	b = strconv.AppendUint(b, ev.Clock, 10)
	b = append(b, `,"queue":`...)
	b = strconv.AppendInt(b, int64(ev.QueueAtTick()), 10)
	b = append(b, `,"queue_left":`...)
	b = strconv.AppendInt(b, int64(ev.Queue), 10)
	b = append(b, `,"time_ns":`...)
	b = strconv.AppendInt(b, int64(at), 10)
	b = append(b, `,"tick":`...)
	b = strconv.AppendUint(b, ev.Tick, 10)
	b = append(b, `,"time":"`...)
	b = appendLogTime(b, wall)
	b = append(b, '"')
	switch ev.Kind {
	case core.KindSend:
		b = append(b, `,"die":`...)
		b = strconv.AppendInt(b, int64(ev.Die), 10)
		b = append(b, `,"to":[`...)
		for i, to := range ev.To {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(to), 10)
		}
		b = append(b, `],"msgs":[`...)
		for i := range ev.To {
			msg := ev.Message(m, i)
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = appendMsgID(b, msg)
			b = append(b, '"')
		}
		b = append(b, ']')
	case core.KindRecv:
		b = appendJSONMsg(b, ev.Msg)
	case core.KindInternal:
		b = append(b, `,"die":`...)
		b = strconv.AppendInt(b, int64(ev.Die), 10)
	}
	return append(b, "}\n"...)
}

// appendJSONFault writes a fault entry's line after its machine: kind,
// time, and the fields of that kind, as core.Fault names them.
func appendJSONFault(b []byte, at time.Duration, wall time.Time, e *core.Entry) []byte {
	f := e.Fault
	b = append(b, `,"kind":"`...)
	b = append(b, f.Kind.String()...)
	b = append(b, `","time_ns":`...)
	b = strconv.AppendInt(b, int64(at), 10)
	b = append(b, `,"time":"`...)
	b = appendLogTime(b, wall)
	b = append(b, '"')
	switch f.Kind {
	case core.FaultLost, core.FaultDup:
		b = append(b, `,"to":`...)
		b = strconv.AppendUint(b, uint64(f.To), 10)
		b = appendJSONMsg(b, e.Msg)
		if f.Kind == core.FaultLost {
			b = append(b, `,"reason":"`...)
			b = append(b, f.Reason.String()...)
			b = append(b, '"')
		}
	case core.FaultCrash:
		b = append(b, `,"queue_lost":`...)
		b = strconv.AppendInt(b, int64(f.QueueLost), 10)
	case core.FaultRestart:
		b = append(b, `,"missed":`...)
		b = strconv.AppendUint(b, f.Missed, 10)
		b = append(b, `,"reset_clock":`...)
		b = strconv.AppendBool(b, f.ResetClock)
		b = append(b, `,"seq_skip":`...)
		b = strconv.AppendUint(b, f.SeqSkip, 10)
	}
	return append(b, "}\n"...)
}

func appendJSONMsg(b []byte, m core.Message) []byte {
	b = append(b, `,"from":`...)
	b = strconv.AppendUint(b, uint64(m.From), 10)
	b = append(b, `,"msg":"`...)
	b = appendMsgID(b, m)
	b = append(b, `","msg_clock":`...)
	return strconv.AppendUint(b, m.Clock, 10)
}
