package core

import (
	"strconv"
	"strings"
	"time"
)

// The lines of a machine's log file, log_<id>.txt: a header naming the
// run, then one line per event. The live driver writes them as it runs and
// 'lamport export --format log' rebuilds them from the store, so both come
// from here.

// LogTimeLayout is RFC 3339 with microseconds, as the log files use.
const LogTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// LogHeader is what the first line of a machine's log file names.
type LogHeader struct {
	RunID   string
	Seed    uint64
	Machine MachineID
	// Rate is the machine's drawn tick rate, before Speed.
	Rate   int
	Params Params
	// Speed is the live run's time-lapse factor; 0 leaves it out.
	Speed float64
	// Options are the run's options; those of logHeaderOptions are named.
	Options map[string]string
}

// logHeaderOptions are the run options a log file's header names, in this
// order: the parameters fixed when the run starts. Options added later
// (restarts, refused connections, recovery notes) are left out, so the
// header written at the start is the one the finished run's metadata gives.
var logHeaderOptions = []string{
	"duration", "latency", "delay", "drop", "dup", "spike", "partition", "clog", "crash", "crashes",
	"restart", "swarm", "secret", "sweep", "variant",
}

// Append appends the header line with its newline: a comment naming the
// run, its seed, the machine, its tick rate, every model parameter of
// ParamTable and the run's options, e.g.
//
//	# lamport run 20261128-130416-b928ea seed 7 machine 2 rate 5 tick/s actions 10 min-rate 1 max-rate 6 speed 20 duration 1m0s
func (h LogHeader) Append(dst []byte) []byte {
	dst = append(dst, "# lamport run "...)
	dst = append(dst, h.RunID...)
	dst = append(dst, " seed "...)
	dst = strconv.AppendUint(dst, h.Seed, 10)
	dst = append(dst, " machine "...)
	dst = strconv.AppendUint(dst, uint64(h.Machine), 10)
	dst = append(dst, " rate "...)
	dst = strconv.AppendInt(dst, int64(h.Rate), 10)
	dst = append(dst, " tick/s"...)
	for _, d := range ParamTable {
		dst = append(dst, ' ')
		dst = append(dst, d.Name...)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(d.Get(h.Params)), 10)
	}
	if h.Speed > 0 {
		dst = append(dst, " speed "...)
		dst = strconv.AppendFloat(dst, h.Speed, 'g', -1, 64)
	}
	for _, k := range logHeaderOptions {
		v, ok := h.Options[k]
		if !ok {
			continue
		}
		dst = append(dst, ' ')
		dst = append(dst, k...)
		dst = append(dst, ' ')
		if v == "" || strings.ContainsAny(v, " \t\n\"") {
			dst = strconv.AppendQuote(dst, v)
		} else {
			dst = append(dst, v...)
		}
	}
	return append(dst, '\n')
}

// AppendLogLine appends one log file line (with its newline) for ev, which
// machine self did at wall time at: the time, the event's details as
// AppendDetails writes them, and its index.
func AppendLogLine(dst []byte, at time.Time, self MachineID, ev Event) []byte {
	dst = at.UTC().AppendFormat(dst, LogTimeLayout)
	dst = append(dst, ' ')
	dst = ev.AppendDetails(dst, self)
	dst = append(dst, " event="...)
	dst = strconv.AppendUint(dst, ev.Index, 10)
	return append(dst, '\n')
}
