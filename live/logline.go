package live

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"lamport/core"
	"lamport/record"
)

// LogTimeLayout is RFC 3339 with microseconds, as the log files use.
const LogTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// LogPath is where machine id's log file of run runID goes under dir: one
// directory per run, so a run never overwrites another's logs.
func LogPath(dir, runID string, id core.MachineID) string {
	return filepath.Join(dir, runID, "log_"+strconv.FormatUint(uint64(id), 10)+".txt")
}

// logHeaderOptions are the run options a log file's header names, in this
// order: the parameters fixed when the run starts. Options added later
// (restarts, refused connections, recovery notes) are left out, so the
// header written at the start is the one the finished run's metadata gives.
var logHeaderOptions = []string{
	"duration", "latency", "delay", "drop", "dup", "spike", "partition", "clog", "crash", "crashes",
	"restart", "swarm", "secret", "sweep", "variant",
}

// AppendLogHeader appends the first line of machine m's log file, with its
// newline: a comment naming the run, its seed, the machine, its tick rate
// and the run's parameters, e.g.
//
//	# lamport run 20261128-130416-b928ea seed 7 machine 2 rate 5 tick/s actions 10 min-rate 1 max-rate 6 speed 20 duration 1m0s
//
// The export command rebuilds it from the store, so both come from here.
func AppendLogHeader(dst []byte, meta record.RunMeta, m record.MachineMeta) []byte {
	dst = append(dst, "# lamport run "...)
	dst = append(dst, meta.ID...)
	dst = append(dst, " seed "...)
	dst = strconv.AppendUint(dst, meta.Seed, 10)
	dst = append(dst, " machine "...)
	dst = strconv.AppendUint(dst, uint64(m.ID), 10)
	dst = append(dst, " rate "...)
	dst = strconv.AppendInt(dst, int64(m.Rate), 10)
	dst = append(dst, " tick/s actions "...)
	dst = strconv.AppendInt(dst, int64(meta.Params.Actions), 10)
	dst = append(dst, " min-rate "...)
	dst = strconv.AppendInt(dst, int64(meta.Params.MinRate), 10)
	dst = append(dst, " max-rate "...)
	dst = strconv.AppendInt(dst, int64(meta.Params.MaxRate), 10)
	if meta.Speed > 0 {
		dst = append(dst, " speed "...)
		dst = strconv.AppendFloat(dst, meta.Speed, 'g', -1, 64)
	}
	for _, k := range logHeaderOptions {
		v, ok := meta.Options[k]
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
