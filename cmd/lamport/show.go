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

// showOptions are show's flags.
type showOptions struct{ v viewFlags }

func (o *showOptions) flags(e *env) *pflag.FlagSet {
	return o.v.register(e, "show", "show RUN|latest [--machine N] [--from I] [--to J]",
		"Print a run's events, one per line, merged across machines by time:\n"+
			"machine, event index, seconds since the run started, kind, clock after the event,\n"+
			"queue length, and the peer, message id and message clock of sends and receives.\n"+
			"Injected faults (lost and duplicated messages, crashes, restarts) are shown\n"+
			"between the events, without an index, unless --from or --to narrows the events.")
}

func (o *showOptions) validate(e *env, fs *pflag.FlagSet) error {
	_, err := o.v.filter()
	return err
}

func (o *showOptions) run(e *env, fs *pflag.FlagSet) error {
	return streamRun(e, fs, &o.v, showFormat)
}

// showFormat writes a run as show prints it.
var showFormat = export.Format{
	Lines: func(record.RunMeta, core.MachineID) ([]byte, export.LineFunc) {
		return nil, func(b []byte, te *record.TimedEntry) []byte {
			return appendShowLine(b, te.Machine, te.RunAt, &te.Entry)
		}
	},
}

// appendShowLine appends entry e of machine m, at at on the run's time
// axis, as one line of 'lamport show'.
func appendShowLine(b []byte, m core.MachineID, at time.Duration, e *core.Entry) []byte {
	b = append(b, 'm')
	b = strconv.AppendUint(b, uint64(m), 10)
	if !e.IsTick() {
		b = append(b, "      "...)
	} else {
		b = append(b, " #"...)
		b = append(b, padLeft(strconv.FormatUint(e.Event.Index, 10), 5)...)
	}
	b = fmt.Appendf(b, " %12.6fs ", at.Seconds())
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
