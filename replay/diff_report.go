package replay

import (
	"io"
	"strconv"

	"lamport/internal/textfmt"
)

// WriteDiffReport writes a diff for people. The first line is the verdict:
// "identical: N machines, N events" or "different: first at machine M,
// event I" followed by what differs, the two versions and the events just
// before it. Then the two runs, a table of machines side by side, notes on
// machines and events only one run has, and each run's clock jumps and
// queue lengths. Nothing in it depends on when the runs were recorded, so
// the same two runs always give the same report.
func WriteDiffReport(w io.Writer, r DiffResult) error {
	pw := &textfmt.Writer{W: w}
	switch {
	case r.Identical():
		pw.Printf("identical: %d machines, %s events\n", len(r.Machines), textfmt.Thousands(r.A.Events))
	case r.First != nil:
		f := r.First
		pw.Printf("different: first at machine %d, event %d\n", f.Machine, f.Index)
		pw.Printf("  %s\n", f.Reason)
		pw.Printf("  A: %s\n", diffEventText(f.A))
		pw.Printf("  B: %s\n", diffEventText(f.B))
		if len(f.Before) > 0 {
			pw.Printf("  before it on machine %d, the same in A and B:\n", f.Machine)
			for _, ev := range f.Before {
				pw.Printf("    #%-6d %s\n", ev.Index, ev.Details)
			}
		}
	default:
		// Only a machine without events that one run lacks differs.
		for _, m := range r.Machines {
			if !m.InA || !m.InB {
				pw.Printf("different: machine %d is %s\n", m.ID, onlyIn(m))
				break
			}
		}
	}
	pw.Printf("run A: %s\n", runLine(r.A))
	pw.Printf("run B: %s\n", runLine(r.B))

	rows := [][]string{{"machine", "events A", "events B", "differing", "final clock A", "final clock B", "max |diff|"}}
	for _, m := range r.Machines {
		row := []string{strconv.FormatUint(uint64(m.ID), 10), "-", "-", textfmt.Thousands(m.Differing), "-", "-", "-"}
		if m.InA {
			row[1], row[4] = textfmt.Thousands(m.EventsA), textfmt.Thousands(m.FinalClockA)
		}
		if m.InB {
			row[2], row[5] = textfmt.Thousands(m.EventsB), textfmt.Thousands(m.FinalClockB)
		}
		if m.InA && m.InB {
			row[6] = textfmt.Thousands(m.MaxClockDiff)
		}
		rows = append(rows, row)
	}
	rows = append(rows, []string{"all", textfmt.Thousands(r.A.Events), textfmt.Thousands(r.B.Events), textfmt.Thousands(r.Differing), "", "", textfmt.Thousands(r.MaxClockDiff)})
	pw.Table(rows)
	for _, m := range r.Machines {
		switch {
		case !m.InA || !m.InB:
			pw.Printf("  machine %d: %s\n", m.ID, onlyIn(m))
		case m.EventsA > m.EventsB:
			pw.Printf("  machine %d: A has %s more events\n", m.ID, textfmt.Thousands(m.EventsA-m.EventsB))
		case m.EventsB > m.EventsA:
			pw.Printf("  machine %d: B has %s more events\n", m.ID, textfmt.Thousands(m.EventsB-m.EventsA))
		}
	}
	pw.Printf("clock jumps and queue lengths:\n")
	pw.Printf("  A: %s\n", jumpsLine(r.A))
	pw.Printf("  B: %s\n", jumpsLine(r.B))
	return pw.Err
}

func diffEventText(ev *DiffEvent) string {
	if ev == nil {
		return "(no such event)"
	}
	return ev.Details
}

func onlyIn(m MachineDiff) string {
	side, events := "A", m.EventsA
	if m.InB {
		side, events = "B", m.EventsB
	}
	return "only in " + side + " (" + textfmt.Thousands(events) + " events)"
}

func runLine(s RunSummary) string {
	return s.Run + " (" + s.Mode + ", seed " + strconv.FormatUint(s.Seed, 10) + ", " + s.Status + ", " +
		strconv.Itoa(s.Machines) + " machines)"
}

func jumpsLine(s RunSummary) string {
	return "jumps > 1: " + textfmt.Thousands(s.JumpsOverOne) + " of " + textfmt.Thousands(s.Events) + " events, mean jump " +
		strconv.FormatFloat(s.MeanJump, 'f', 2, 64) + ", max " + textfmt.Thousands(s.MaxJump) +
		"; queue at tick mean " + strconv.FormatFloat(s.MeanQueueAtTick, 'f', 2, 64) + ", max " + strconv.Itoa(s.MaxQueueAtTick)
}
