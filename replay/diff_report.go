package replay

import (
	"io"
	"strconv"
	"strings"
)

// WriteDiffReport writes a diff for people. The first line is the verdict:
// "identical: N machines, N events" or "different: first at machine M,
// event I" followed by what differs, the two versions and the events just
// before it. Then the two runs, a table of machines side by side, notes on
// machines and events only one run has, and each run's clock jumps and
// queue lengths. Nothing in it depends on when the runs were recorded, so
// the same two runs always give the same report.
func WriteDiffReport(w io.Writer, r DiffResult) error {
	pw := &errWriter{w: w}
	switch {
	case r.Identical():
		pw.printf("identical: %d machines, %s events\n", len(r.Machines), Thousands(r.A.Events))
	case r.First != nil:
		f := r.First
		pw.printf("different: first at machine %d, event %d\n", f.Machine, f.Index)
		pw.printf("  %s\n", f.Reason)
		pw.printf("  A: %s\n", diffEventText(f.A))
		pw.printf("  B: %s\n", diffEventText(f.B))
		if len(f.Before) > 0 {
			pw.printf("  before it on machine %d, the same in A and B:\n", f.Machine)
			for _, ev := range f.Before {
				pw.printf("    #%-6d %s\n", ev.Index, ev.Details)
			}
		}
	default:
		// Only a machine without events that one run lacks differs.
		for _, m := range r.Machines {
			if !m.InA || !m.InB {
				pw.printf("different: machine %d is %s\n", m.ID, onlyIn(m))
				break
			}
		}
	}
	pw.printf("run A: %s\n", runLine(r.A))
	pw.printf("run B: %s\n", runLine(r.B))

	rows := [][]string{{"machine", "events A", "events B", "differing", "final clock A", "final clock B", "max |diff|"}}
	for _, m := range r.Machines {
		row := []string{strconv.FormatUint(uint64(m.ID), 10), "-", "-", Thousands(m.Differing), "-", "-", "-"}
		if m.InA {
			row[1], row[4] = Thousands(m.EventsA), Thousands(m.FinalClockA)
		}
		if m.InB {
			row[2], row[5] = Thousands(m.EventsB), Thousands(m.FinalClockB)
		}
		if m.InA && m.InB {
			row[6] = Thousands(m.MaxClockDiff)
		}
		rows = append(rows, row)
	}
	rows = append(rows, []string{"all", Thousands(r.A.Events), Thousands(r.B.Events), Thousands(r.Differing), "", "", Thousands(r.MaxClockDiff)})
	writeTable(pw, rows)
	for _, m := range r.Machines {
		switch {
		case !m.InA || !m.InB:
			pw.printf("  machine %d: %s\n", m.ID, onlyIn(m))
		case m.EventsA > m.EventsB:
			pw.printf("  machine %d: A has %s more events\n", m.ID, Thousands(m.EventsA-m.EventsB))
		case m.EventsB > m.EventsA:
			pw.printf("  machine %d: B has %s more events\n", m.ID, Thousands(m.EventsB-m.EventsA))
		}
	}
	pw.printf("clock jumps and queue lengths:\n")
	pw.printf("  A: %s\n", jumpsLine(r.A))
	pw.printf("  B: %s\n", jumpsLine(r.B))
	return pw.err
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
	return "only in " + side + " (" + Thousands(events) + " events)"
}

func runLine(s RunSummary) string {
	return s.Run + " (" + s.Mode + ", seed " + strconv.FormatUint(s.Seed, 10) + ", " + s.Status + ", " +
		strconv.Itoa(s.Machines) + " machines)"
}

func jumpsLine(s RunSummary) string {
	return "jumps > 1: " + Thousands(s.JumpsOverOne) + " of " + Thousands(s.Events) + " events, mean jump " +
		strconv.FormatFloat(s.MeanJump, 'f', 2, 64) + ", max " + Thousands(s.MaxJump) +
		"; queue at tick mean " + strconv.FormatFloat(s.MeanQueueAtTick, 'f', 2, 64) + ", max " + strconv.Itoa(s.MaxQueueAtTick)
}

// writeTable writes rows with every column right-aligned to its widest
// cell, two spaces apart and indented by two.
func writeTable(pw *errWriter, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		b.Reset()
		for i, cell := range row {
			b.WriteString("  ")
			b.WriteString(strings.Repeat(" ", widths[i]-len(cell)))
			b.WriteString(cell)
		}
		pw.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
}
