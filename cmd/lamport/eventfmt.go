package main

import (
	"strconv"
	"time"

	"lamport/core"
	"lamport/live"
	"lamport/record"
)

// The three export encodings of one timeline item. Each appends one line.

func appendJSONL(b []byte, it *timelineItem) []byte {
	e := &it.entry
	b = append(b, `{"machine":`...)
	b = strconv.AppendUint(b, uint64(it.machine), 10)
	if e.Arrival {
		b = append(b, `,"kind":"arrival","time_ns":`...)
		b = strconv.AppendInt(b, int64(e.At), 10)
		b = append(b, `,"time":"`...)
		b = appendLogTime(b, it.wall)
		b = append(b, '"')
		b = appendJSONMsg(b, e.Msg)
		return append(b, "}\n"...)
	}
	if e.Fault.Kind != 0 {
		return appendJSONFault(b, it)
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
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = append(b, `,"tick":`...)
	b = strconv.AppendUint(b, ev.Tick, 10)
	b = append(b, `,"time":"`...)
	b = appendLogTime(b, it.wall)
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
			m := ev.Message(it.machine, i)
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = appendMsgID(b, m)
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
func appendJSONFault(b []byte, it *timelineItem) []byte {
	e := &it.entry
	f := e.Fault
	b = append(b, `,"kind":"`...)
	b = append(b, f.Kind.String()...)
	b = append(b, `","time_ns":`...)
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = append(b, `,"time":"`...)
	b = appendLogTime(b, it.wall)
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

// csvHeader's queue is the queue length when the tick came (before a
// receive took its message), queue_left the messages left after the event.
const csvHeader = "machine,index,tick,kind,clock,queue,queue_left,time_ns,time,die,to,msgs,from,msg,msg_clock\n"

// appendCSV writes a row of csvHeader's columns; lists are space-separated
// so no field needs quoting.
func appendCSV(b []byte, it *timelineItem) []byte {
	e, ev := it.entry, it.entry.Event
	b = strconv.AppendUint(b, uint64(it.machine), 10)
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
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = append(b, ',')
	b = appendLogTime(b, it.wall)
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
			m := ev.Message(it.machine, i)
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendMsgID(b, m)
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

func receivedOrArrived(e core.Entry) (core.Message, bool) {
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

// appendLog writes the log_<id>.txt line of an event; with prefix, the
// machine id leads so lines of several machines can share one stream.
// Arrivals are not in the log files; as an extra they read "arrival".
func appendLog(b []byte, it *timelineItem, prefix bool) []byte {
	if prefix {
		b = append(b, 'm')
		b = strconv.AppendUint(b, uint64(it.machine), 10)
		b = append(b, ' ')
	}
	if it.entry.Arrival {
		b = appendLogTime(b, it.wall)
		m := it.entry.Msg
		b = append(b, " arrival  from="...)
		b = strconv.AppendUint(b, uint64(m.From), 10)
		b = append(b, " msg="...)
		b = appendMsgID(b, m)
		b = append(b, " msg_clock="...)
		b = strconv.AppendUint(b, m.Clock, 10)
		return append(b, '\n')
	}
	if it.entry.Fault.Kind != 0 {
		b = appendLogTime(b, it.wall)
		b = append(b, ' ')
		b = it.entry.AppendFaultDetails(b)
		return append(b, '\n')
	}
	return live.AppendLogLine(b, it.wall, it.machine, it.entry.Event)
}

// appendMsgID appends m's name, "<sender>:<seq>", as core.Message.ID
// spells it, without building the string.
func appendMsgID(b []byte, m core.Message) []byte {
	b = strconv.AppendUint(b, uint64(m.From), 10)
	b = append(b, ':')
	return strconv.AppendUint(b, m.Seq, 10)
}

// appendLogTime appends t in UTC as live.LogTimeLayout formats it, by hand:
// exports print a time on every line, and time.Format was the largest cost
// of a JSON line.
func appendLogTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, live.LogTimeLayout)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendDigits appends v, which is >= 0, as exactly n decimal digits.
func appendDigits(b []byte, v, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; n > 0; i, n = i-1, n-1 {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendLogHeaders appends the header line of machine's log file, or with
// machine 0 every machine's, each prefixed with m<id> as appendLog
// prefixes the lines.
func appendLogHeaders(b []byte, meta record.RunMeta, machine core.MachineID) []byte {
	for _, m := range meta.Machines {
		switch {
		case machine == m.ID:
			return live.AppendLogHeader(b, meta, m)
		case machine == 0:
			b = append(b, 'm')
			b = strconv.AppendUint(b, uint64(m.ID), 10)
			b = append(b, ' ')
			b = live.AppendLogHeader(b, meta, m)
		}
	}
	return b
}
