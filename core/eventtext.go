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
func (ev Event) AppendDetails(dst []byte, self MachineID) []byte {
	dst = append(dst, padRight(ev.Kind.String(), 8)...)
	dst = append(dst, " clock="...)
	dst = strconv.AppendUint(dst, ev.Clock, 10)
	dst = append(dst, " queue="...)
	dst = strconv.AppendInt(dst, int64(ev.QueueAtTick()), 10)
	if ev.Kind == KindRecv {
		dst = append(dst, " left="...)
		dst = strconv.AppendInt(dst, int64(ev.Queue), 10)
	}
	switch ev.Kind {
	case KindSend:
		dst = append(dst, " to="...)
		for i, to := range ev.To {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(to), 10)
		}
		dst = append(dst, " msgs="...)
		for i, m := range ev.Sent(self) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, m.ID()...)
		}
	case KindRecv:
		dst = append(dst, " from="...)
		dst = strconv.AppendUint(dst, uint64(ev.Msg.From), 10)
		dst = append(dst, " msg="...)
		dst = append(dst, ev.Msg.ID()...)
		dst = append(dst, " msg_clock="...)
		dst = strconv.AppendUint(dst, ev.Msg.Clock, 10)
	}
	return dst
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}
