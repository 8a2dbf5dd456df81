package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"lamport/internal/textfmt"
)

// WriteText writes a as compact text for people: a header line with the
// run-wide numbers, a per-machine table in two parts (events and queues;
// clock jumps, gaps and drift), each with the definitions that are easy to
// misread, one line per machine with its histogram of jumps, and the
// messages per pair.
func WriteText(w io.Writer, a Analysis) error {
	pw := &textfmt.Writer{W: w}
	pw.Printf("%s\n", textHeader(a))
	if line := faultLine(a); line != "" {
		pw.Printf("%s\n", line)
	}
	if len(a.Machines) == 0 {
		return pw.Err
	}
	if note := perSecondNote(a.Speed); note != "" {
		pw.Printf("%s\n", note)
	}

	pw.Printf("events and queues (%s):\n", queueAtTickNote)
	pw.Table(machineRows(&a))

	pw.Printf("clock jumps, gaps and drift (clock units; fastest machine %d):\n", a.Fastest)
	pw.Table(jumpRows(&a))
	pw.Printf("  %s\n", vsFastestNote)

	pw.Printf("jump histogram per machine (jump size: events):\n")
	for _, m := range a.Machines {
		var b strings.Builder
		for _, h := range m.Jumps.Histogram {
			b.WriteString("  ")
			b.WriteString(h.label())
			b.WriteString(": ")
			b.WriteString(textUint(h.Count))
		}
		pw.Printf("  machine %d:%s\n", m.ID, b.String())
	}

	if len(a.Pairs) > 0 {
		pw.Printf("messages per pair:\n")
		pw.Table(pairRows(&a))
	}
	if line := causalityLine(&a); line != "" {
		pw.Printf("%s\n", line)
	}
	if len(a.Clocks) > 0 {
		pw.Printf("%s:\n", clockTitle(&a))
		pw.Table(clockRows(&a))
	}
	return pw.Err
}

// clockTitle heads the table of the machines' wall clocks.
func clockTitle(a *Analysis) string {
	return "wall clocks against machine " + textUint(uint64(a.ClockReference)) +
		"'s, measured as the machines connected (the run's times are on its clock)"
}

// clockRows are the cells of the table of wall clocks, header first: each
// machine's offset to the reference and the bound the true offset lies
// within, in milliseconds.
func clockRows(a *Analysis) [][]string {
	rows := [][]string{{"machine", "offset (ms)", "± bound (ms)", "from"}}
	for _, c := range a.Clocks {
		note := "measured"
		switch {
		case c.ID == a.ClockReference:
			note = "reference"
		case !c.Measured:
			note = "same process as the reference"
		}
		rows = append(rows, []string{textUint(uint64(c.ID)), textSignedMillis(c.Offset), textMillis(c.Bound), note})
	}
	return rows
}

func textMillis(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

func textSignedMillis(d time.Duration) string {
	if d > 0 {
		return "+" + textMillis(d)
	}
	return textMillis(d)
}

// machineRows, jumpRows and pairRows are the cells of the report's tables,
// header first, shared by the text and the HTML report so the two always
// say the same.
func machineRows(a *Analysis) [][]string {
	rows := [][]string{{"machine", "drawn rate/s", "events/s", "events", "send", "recv", "internal", "final clock",
		"queue at tick: mean", "p99", "max", "non-empty (% of time)", "left at end"}}
	for _, m := range a.Machines {
		rows = append(rows, []string{textUint(uint64(m.ID)), strconv.Itoa(m.Rate), textFloat(m.MeasuredRate, 2), textUint(m.Events),
			textUint(m.Sends), textUint(m.Recvs), textUint(m.Internals), textUint(m.FinalClock),
			textFloat(m.QueueAtTick.Mean, 3), textUint(m.QueueAtTick.P99), textUint(m.QueueAtTick.Max),
			textFloat(100*m.QueueNonEmptyShare, 1) + "%", textUint(m.QueuedAtEnd)})
	}
	return rows
}

func jumpRows(a *Analysis) [][]string {
	rows := [][]string{{"machine", "jumps>1", "mean", "p50", "p90", "p99", "max", "gaps", "max gap",
		"clock/s", "vs fastest", "max lag", "mean lag"}}
	for _, m := range a.Machines {
		rows = append(rows, []string{textUint(uint64(m.ID)), textUint(m.Jumps.OverOne), textFloat(m.Jumps.Mean, 3),
			textUint(m.Jumps.P50), textUint(m.Jumps.P90), textUint(m.Jumps.P99), textUint(m.Jumps.Max), textUint(m.Gaps.Total), textUint(m.Gaps.Max),
			textFloat(m.Drift.Slope, 3), textSigned(m.Drift.SlopeVsFastest, 3), strconv.FormatInt(m.Drift.MaxLag, 10), textFloat(m.Drift.MeanLag, 1)})
	}
	return rows
}

func pairRows(a *Analysis) [][]string {
	rows := [][]string{{"from", "to", "sent", "arrived", "received"}}
	for _, p := range a.Pairs {
		rows = append(rows, []string{textUint(uint64(p.From)), textUint(uint64(p.To)), textUint(p.Sent), textUint(p.Arrived), textUint(p.Received)})
	}
	return rows
}

func (h Bucket) label() string {
	if h.Lo == h.Hi {
		return textUint(h.Lo)
	}
	return textUint(h.Lo) + "-" + textUint(h.Hi)
}

func textUint(v uint64) string { return strconv.FormatUint(v, 10) }

// textFloat writes v with prec decimals, and a value that rounds to zero
// without a sign: "-0.000" reads as a bug.
func textFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		return s[1:]
	}
	return s
}

// textSigned writes v with its sign, and 0 without one.
func textSigned(v float64, prec int) string {
	s := textFloat(v, prec)
	if v > 0 && s != textFloat(0, prec) {
		return "+" + s
	}
	if strings.Trim(s, "-0.") == "" {
		return textFloat(0, prec)
	}
	return s
}

// textRate is a machine's ticks per second, times the run's speed when it is
// not 1.
func textRate(r int, speed float64) string {
	if speed == 0 || speed == 1 {
		return strconv.Itoa(r)
	}
	return strconv.Itoa(r) + "x" + strconv.FormatFloat(speed, 'g', -1, 64)
}
