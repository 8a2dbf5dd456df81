package record

import (
	"strconv"

	"lamport/core"
)

// AppendFaultDetails appends a fault entry's text, as show and the log
// export print it: its kind padded like core's event kinds, then its
// fields as key=value, e.g. "lost     to=3 msg=1:9 msg_clock=44
// reason=partition" or "restart  missed=50 clock=reset".
func AppendFaultDetails(b []byte, e *Entry) []byte {
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

func appendMsgText(b []byte, m core.Message) []byte {
	b = append(b, " msg="...)
	b = append(b, m.ID()...)
	b = append(b, " msg_clock="...)
	return strconv.AppendUint(b, m.Clock, 10)
}
