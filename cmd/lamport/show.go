package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/export"
	"lamport/record"
)

type viewFlags struct {
	runRef
	machine  uint32
	from, to uint64
	arrivals bool
}

func (v *viewFlags) register(e *env, name, usageLine, about string) *pflag.FlagSet {
	fs := newFlagSet(e, name, usageLine, about)
	v.runRef.register(fs)
	fs.Uint32Var(&v.machine, "machine", 0, "only this machine's entries")
	fs.Uint64Var(&v.from, "from", 0, "first event index to include (1-based, per machine)")
	fs.Uint64Var(&v.to, "to", 0, "last event index to include")
	fs.BoolVar(&v.arrivals, "arrivals", false, "also include message arrivals (inputs), not only events")
	return fs
}

func (v *viewFlags) filter() (export.Filter, error) {
	if v.to != 0 && v.from > v.to {
		return export.Filter{}, usageErrorf("--from %d is after --to %d", v.from, v.to)
	}
	return export.Filter{Machine: core.MachineID(v.machine), From: v.from, To: v.to, Arrivals: v.arrivals}, nil
}

func showCommand(e *env, args []string) error {
	var v viewFlags
	fs := v.register(e, "show", "show RUN|latest [--machine N] [--from I] [--to J]",
		"Print a run's events, one per line, merged across machines by time:\n"+
			"machine, event index, seconds since the run started, kind, clock after the event,\n"+
			"queue length, and the peer, message id and message clock of sends and receives.\n"+
			"Injected faults (lost and duplicated messages, crashes, restarts) are shown\n"+
			"between the events, without an index, unless --from or --to narrows the events.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return streamRun(e, fs, &v, showFormat)
}

// showFormat writes a run as show prints it.
var showFormat = export.Format{
	Lines: func(record.RunMeta, core.MachineID) ([]byte, export.LineFunc) {
		return nil, func(b []byte, m core.MachineID, _ time.Time, e *core.Entry) []byte { return appendShowLine(b, m, e) }
	},
}

// appendShowLine appends entry e of machine m as one line of 'lamport
// show'.
func appendShowLine(b []byte, m core.MachineID, e *core.Entry) []byte {
	b = append(b, 'm')
	b = strconv.AppendUint(b, uint64(m), 10)
	if !e.IsTick() {
		b = append(b, "      "...)
	} else {
		b = append(b, " #"...)
		b = append(b, padLeft(strconv.FormatUint(e.Event.Index, 10), 5)...)
	}
	b = fmt.Appendf(b, " %12.6fs ", e.At.Seconds())
	if e.Arrival {
		msg := e.Msg
		return fmt.Appendf(b, "arrival  from=%d msg=%s msg_clock=%d\n", msg.From, msg.ID(), msg.Clock)
	}
	if e.Fault.Kind != 0 {
		b = e.AppendFaultDetails(b)
		return append(b, '\n')
	}
	b = e.Event.AppendDetails(b, m)
	return append(b, '\n')
}

func padLeft(s string, n int) string {
	for len(s) < n {
		s = " " + s
	}
	return s
}
