package live

import (
	"strconv"
	"time"

	"lamport/core"
)

// LogTimeLayout is RFC 3339 with microseconds, as the log files use.
const LogTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// AppendLogLine appends one log_<id>.txt line (with its newline) for ev,
// which machine self did at wall time at. The export command rebuilds the
// same lines from the store, so both must come from here.
func AppendLogLine(dst []byte, at time.Time, self core.MachineID, ev core.Event) []byte {
	dst = at.UTC().AppendFormat(dst, LogTimeLayout)
	dst = append(dst, ' ')
	dst = ev.AppendDetails(dst, self)
	dst = append(dst, " event="...)
	dst = strconv.AppendUint(dst, ev.Index, 10)
	return append(dst, '\n')
}
