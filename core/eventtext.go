package core

import (
	"strconv"
	"strings"
)

// The one text form of an event's details, shared by log files, show,
// replay traces and divergence reports, so they read alike.

// AppendDetails appends what the event did: its kind, the clock after
// it, the queue length when the tick came (queue=, before a receive takes
// its message; a receive adds left=, the messages left after it) and, for a
// send or receive, the messages involved.
func (e Event) AppendDetails(dst []byte, self MachineID) []byte {
	dst = append(dst, padRight(e.Kind.String(), 8)...)
	dst = append(dst, " clock="...)
	dst = strconv.AppendUint(dst, e.Clock, 10)
	dst = append(dst, " queue="...)
	dst = strconv.AppendInt(dst, int64(e.QueueAtTick()), 10)
	if e.Kind == KindRecv {
		dst = append(dst, " left="...)
		dst = strconv.AppendInt(dst, int64(e.Queue), 10)
	}
	switch e.Kind {
	case KindSend:
		dst = append(dst, " to="...)
		for i, to := range e.To {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(to), 10)
		}
		dst = append(dst, " msgs="...)
		for i, m := range e.Sent(self) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, m.ID()...)
		}
	case KindRecv:
		dst = append(dst, " from="...)
		dst = strconv.AppendUint(dst, uint64(e.Msg.From), 10)
		dst = append(dst, " msg="...)
		dst = append(dst, e.Msg.ID()...)
		dst = append(dst, " msg_clock="...)
		dst = strconv.AppendUint(dst, e.Msg.Clock, 10)
	case KindInternal:
		// An internal event involves no message.
	}
	return dst
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// AppendFaultDetails appends the fault entry's text, as show and the log
// export print it: its kind padded like core's event kinds, then its
// fields as key=value, e.g. "lost     to=3 msg=1:9 msg_clock=44
// reason=partition" or "restart  missed=50 clock=reset".
func (e *Entry) AppendFaultDetails(b []byte) []byte {
	f := &e.Fault
	kind := f.Kind.String()
	b = append(b, kind...)
	for i := len(kind); i < 8; i++ {
		b = append(b, ' ')
	}
	b = append(b, ' ')
	switch f.Kind {
	case FaultLost, FaultDup:
		b = append(b, "to="...)
		b = strconv.AppendUint(b, uint64(f.To), 10)
		b = appendMsgText(b, e.Msg)
		if f.Kind == FaultLost {
			b = append(b, " reason="...)
			b = append(b, f.Reason.String()...)
		}
	case FaultCrash:
		b = append(b, "queue_lost="...)
		b = strconv.AppendInt(b, int64(f.QueueLost), 10)
	case FaultRestart:
		b = append(b, "missed="...)
		b = strconv.AppendUint(b, f.Missed, 10)
		if f.ResetClock {
			b = append(b, " clock=reset"...)
		} else {
			b = append(b, " clock=kept"...)
		}
		if f.SeqSkip > 0 {
			b = append(b, " seq_skip="...)
			b = strconv.AppendUint(b, f.SeqSkip, 10)
		}
	}
	return b
}

func appendMsgText(b []byte, m Message) []byte {
	b = append(b, " msg="...)
	b = append(b, m.ID()...)
	b = append(b, " msg_clock="...)
	return strconv.AppendUint(b, m.Clock, 10)
}
