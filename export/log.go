package export

import (
	"strconv"
	"time"

	"lamport/core"
	"lamport/record"
)

// appendLog writes the log_<id>.txt line of an event; with prefix, the
// machine id leads so lines of several machines can share one stream.
// Arrivals are not in the log files; as an extra they read "arrival".
func appendLog(b []byte, m core.MachineID, wall time.Time, e *core.Entry, prefix bool) []byte {
	if prefix {
		b = append(b, 'm')
		b = strconv.AppendUint(b, uint64(m), 10)
		b = append(b, ' ')
	}
	if e.Arrival {
		b = appendLogTime(b, wall)
		msg := e.Msg
		b = append(b, " arrival  from="...)
		b = strconv.AppendUint(b, uint64(msg.From), 10)
		b = append(b, " msg="...)
		b = appendMsgID(b, msg)
		b = append(b, " msg_clock="...)
		b = strconv.AppendUint(b, msg.Clock, 10)
		return append(b, '\n')
	}
	if e.Fault.Kind != 0 {
		b = appendLogTime(b, wall)
		b = append(b, ' ')
		b = e.AppendFaultDetails(b)
		return append(b, '\n')
	}
	return core.AppendLogLine(b, wall, m, e.Event)
}

// appendLogHeaders appends the header line of machine's log file, or with
// machine 0 every machine's, each prefixed with m<id> as appendLog
// prefixes the lines.
func appendLogHeaders(b []byte, meta record.RunMeta, machine core.MachineID) []byte {
	for _, m := range meta.Machines {
		switch {
		case machine == m.ID:
			return meta.LogHeader(m).Append(b)
		case machine == 0:
			b = append(b, 'm')
			b = strconv.AppendUint(b, uint64(m.ID), 10)
			b = append(b, ' ')
			b = meta.LogHeader(m).Append(b)
		}
	}
	return b
}
