package replay

import (
	"io"

	"lamport/internal/textfmt"
)

// WriteReport writes a replay's result for people: "identical" with the
// counts, or the first divergence with its context and a per-machine tally.
func WriteReport(w io.Writer, r Result) error {
	pw := &textfmt.Writer{W: w}
	if r.Identical() {
		pw.Printf("identical: %d machines, %s events, %s arrivals\n", r.Machines, textfmt.Thousands(r.Events), textfmt.Thousands(r.Arrivals))
		if r.Unverified > 0 {
			noun := "messages"
			if r.Unverified == 1 {
				noun = "message"
			}
			pw.Printf("%s %s came from the unrecorded tail of a machine whose process died: checked against what the sender could have sent, then taken as recorded\n", textfmt.Thousands(r.Unverified), noun)
		}
		pw.Printf("trace hash %s\n", r.Hash)
		return pw.Err
	}
	d := r.First
	if d.Index == 0 {
		// Not an event: the machine's tick rate, drawn before its first.
		pw.Printf("diverged: first at machine %d, before its first event", d.Machine)
	} else {
		pw.Printf("diverged: first at machine %d, event %d", d.Machine, d.Index)
	}
	if d.Tick != 0 {
		pw.Printf(" (tick %d)", d.Tick)
	}
	pw.Printf(", %.6fs into the run\n", d.At.Seconds())
	pw.Printf("  %s\n", d.Reason)
	if d.Recorded != nil {
		pw.Printf("  recorded: %s\n", d.Recorded.AppendDetails(nil, d.Machine))
		pw.Printf("  replayed: %s\n", d.Replayed.AppendDetails(nil, d.Machine))
	}
	if len(d.Recent) > 0 {
		pw.Printf("  recorded before it on machine %d:\n", d.Machine)
		for _, ev := range d.Recent {
			pw.Printf("    #%-6d %s\n", ev.Index, ev.AppendDetails(nil, d.Machine))
		}
	}
	if d.Message != nil {
		pw.Printf("  message involved: %s from machine %d, clock %d\n", d.Message.ID(), d.Message.From, d.Message.Clock)
	}
	pw.Printf("events that diverged:\n")
	for _, m := range r.PerMachine {
		pw.Printf("  machine %d: %s of %s\n", m.ID, textfmt.Thousands(m.Diverged), textfmt.Thousands(m.Events))
	}
	return pw.Err
}
