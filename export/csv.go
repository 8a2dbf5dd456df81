package export

import (
	"strconv"
	"time"

	"lamport/core"
)

// CSVHeader's queue is the queue length when the tick came (before a
// receive took its message), queue_left the messages left after the event.
const CSVHeader = "machine,index,tick,kind,clock,queue,queue_left,time_ns,time,die,to,msgs,from,msg,msg_clock\n"

// appendCSV writes a row of CSVHeader's columns; lists are space-separated
// so no field needs quoting.
func appendCSV(b []byte, m core.MachineID, at time.Duration, wall time.Time, e *core.Entry) []byte {
	ev := &e.Event
	b = strconv.AppendUint(b, uint64(m), 10)
	b = append(b, ',')
	switch {
	case e.Arrival:
		b = append(b, ",,arrival,,,,"...)
	case e.Fault.Kind != 0:
		b = append(b, ",,"...)
		b = append(b, e.Fault.Kind.String()...)
		b = append(b, ",,,,"...)
	default:
		b = strconv.AppendUint(b, ev.Index, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, ev.Tick, 10)
		b = append(b, ',')
		b = append(b, ev.Kind.String()...)
		b = append(b, ',')
		b = strconv.AppendUint(b, ev.Clock, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ev.QueueAtTick()), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ev.Queue), 10)
		b = append(b, ',')
	}
	b = strconv.AppendInt(b, int64(at), 10)
	b = append(b, ',')
	b = appendLogTime(b, wall)
	b = append(b, ',')
	if e.IsTick() && ev.Kind != core.KindRecv {
		b = strconv.AppendInt(b, int64(ev.Die), 10)
	}
	b = append(b, ',')
	if f := e.Fault; f.Kind == core.FaultLost || f.Kind == core.FaultDup {
		b = strconv.AppendUint(b, uint64(f.To), 10)
		b = append(b, ',')
		b = appendMsgID(b, e.Msg)
	} else if ev.Kind == core.KindSend && e.IsTick() {
		for i, to := range ev.To {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendUint(b, uint64(to), 10)
		}
		b = append(b, ',')
		for i := range ev.To {
			msg := ev.Message(m, i)
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendMsgID(b, msg)
		}
	} else {
		b = append(b, ',')
	}
	b = append(b, ',')
	msg, hasMsg := receivedOrArrived(e)
	if hasMsg {
		b = strconv.AppendUint(b, uint64(msg.From), 10)
		b = append(b, ',')
		b = appendMsgID(b, msg)
		b = append(b, ',')
		b = strconv.AppendUint(b, msg.Clock, 10)
	} else {
		b = append(b, ",,"...)
	}
	return append(b, '\n')
}

func receivedOrArrived(e *core.Entry) (core.Message, bool) {
	switch {
	case e.Arrival:
		return e.Msg, true
	case e.Fault.Kind != 0:
		return core.Message{}, false
	case e.Event.Kind == core.KindRecv:
		return e.Event.Msg, true
	}
	return core.Message{}, false
}
