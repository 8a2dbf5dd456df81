package replay

import (
	"fmt"
	"io"
	"strconv"
)

// WriteReport writes a replay's result for people: "identical" with the
// counts, or the first divergence with its context and a per-machine tally.
func WriteReport(w io.Writer, r Result) error {
	pw := &errWriter{w: w}
	if r.Identical() {
		pw.printf("identical: %d machines, %s events, %s arrivals\n", r.Machines, Thousands(r.Events), Thousands(r.Arrivals))
		if r.Unverified > 0 {
			noun := "messages"
			if r.Unverified == 1 {
				noun = "message"
			}
			pw.printf("%s %s came from the unrecorded tail of a machine whose process died: checked against what the sender could have sent, then taken as recorded\n", Thousands(r.Unverified), noun)
		}
		pw.printf("trace hash %s\n", r.Hash)
		return pw.err
	}
	d := r.First
	if d.Index == 0 {
		// Not an event: the machine's tick rate, drawn before its first.
		pw.printf("diverged: first at machine %d, before its first event", d.Machine)
	} else {
		pw.printf("diverged: first at machine %d, event %d", d.Machine, d.Index)
	}
	if d.Tick != 0 {
		pw.printf(" (tick %d)", d.Tick)
	}
	pw.printf(", %.6fs into the run\n", d.At.Seconds())
	pw.printf("  %s\n", d.Reason)
	if d.Recorded != nil {
		pw.printf("  recorded: %s\n", d.Recorded.AppendDetails(nil, d.Machine))
		pw.printf("  replayed: %s\n", d.Replayed.AppendDetails(nil, d.Machine))
	}
	if len(d.Recent) > 0 {
		pw.printf("  recorded before it on machine %d:\n", d.Machine)
		for _, ev := range d.Recent {
			pw.printf("    #%-6d %s\n", ev.Index, ev.AppendDetails(nil, d.Machine))
		}
	}
	if d.Message != nil {
		pw.printf("  message involved: %s from machine %d, clock %d\n", d.Message.ID(), d.Message.From, d.Message.Clock)
	}
	pw.printf("events that diverged:\n")
	for _, m := range r.PerMachine {
		pw.printf("  machine %d: %s of %s\n", m.ID, Thousands(m.Diverged), Thousands(m.Events))
	}
	return pw.err
}

// Thousands writes n with a space between groups of three digits: 1 214.
func Thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// errWriter keeps the first write error so formatting code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (p *errWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
