package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"lamport/core"
	"lamport/internal/textfmt"
	"lamport/record"
)

// HTMLOptions shape WriteHTML's page.
type HTMLOptions struct {
	// Window selects the events of the space-time diagram; the zero Window
	// is the run's first DefaultWindowEvents events.
	Window Window
	// Buckets is the number of time buckets of the clock, drift and queue
	// plots, at most MaxBuckets; 0 means DefaultBuckets.
	Buckets int
	// CausalityMachines is the most machines for which the page shows the
	// causality figures; 0 means CausalityDefaultMachines.
	CausalityMachines int
}

// The ids of the page's plots, stable for tests and links
// (report.html#plot-clock).
const (
	PlotClock     = "plot-clock"
	PlotDrift     = "plot-drift"
	PlotQueue     = "plot-queue"
	PlotJumps     = "plot-jumps"
	PlotSpaceTime = "plot-spacetime"
)

// WriteHTML writes run runID of st as one self-contained HTML page: the
// run's metadata, the numbers of WriteText as tables, and five inline SVG
// plots (ids PlotClock, PlotDrift, PlotQueue, PlotJumps, PlotSpaceTime).
// The page has no script and refers to nothing outside itself; it is also
// well-formed XML. The same run and options give the same bytes.
//
// It reads the run twice inside one read transaction: once for Analyze's
// numbers, once for the plots' time series, which are downsampled to
// opts.Buckets time buckets as they are read (see docs/REPORT.md), so
// memory and the page's size do not grow with the run's length. Errors
// are Analyze's, ErrBadWindow for a bad opts.Window, or the writer's.
func WriteHTML(w io.Writer, st *record.Store, runID string, opts HTMLOptions) error {
	if err := opts.Window.Validate(); err != nil {
		return err
	}
	buckets := opts.Buckets
	switch {
	case buckets == 0:
		buckets = DefaultBuckets
	case buckets < 1 || buckets > MaxBuckets:
		return fmt.Errorf("html report: %d buckets: want 1 to %d", buckets, MaxBuckets)
	}
	var a Analysis
	var rs runSeries
	var meta record.RunMeta
	causal := goCausality(st, runID, opts.CausalityMachines)
	err := st.View(runID, func(r *record.Reader) error {
		var err error
		meta = r.Meta()
		if a, err = analyze(r); err != nil {
			return err
		}
		rs, err = gatherSeries(r, a.Duration, buckets, a.Fastest, opts.Window)
		return err
	})
	c := <-causal
	a.Causality, a.CausalityNote = c.figures, c.note
	if err != nil {
		return fmt.Errorf("html report of run %s: %w", runID, err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	p := &page{w: bw, a: a, meta: meta, rs: rs}
	p.write()
	if p.err == nil {
		p.err = bw.Flush()
	}
	if p.err != nil {
		return fmt.Errorf("write html report: %w", p.err)
	}
	return nil
}

// page writes the HTML report, keeping the first error.
type page struct {
	w    *bufio.Writer
	err  error
	a    Analysis
	meta record.RunMeta
	rs   runSeries
}

func (p *page) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *page) do(err error) {
	if p.err == nil {
		p.err = err
	}
}

// machineColour is machine id's colour in every plot and table.
func machineColour(id core.MachineID) string { return Colour(int(id) - 1) }

// timeUnit picks the time axis' unit for a run of duration d.
func timeUnit(d time.Duration) (name string, seconds float64) {
	switch {
	case d > 5*time.Hour:
		return "h", 3600
	case d > 5*time.Minute:
		return "min", 60
	}
	return "s", 1
}

func (p *page) write() {
	a := &p.a
	p.do(writeHTMLHead(p.w, "lamport report "+a.Run))
	p.printf("<h1>Run %s</h1>\n", esc(a.Run))
	p.printf("<p class=\"summary\">%s</p>\n", esc(textHeader(*a)))
	if line := faultLine(*a); line != "" {
		p.printf("<p class=\"summary\">%s</p>\n", esc(line))
	}
	p.metaTable()
	if len(a.Machines) == 0 {
		p.printf("<p class=\"note\">The run has no machines, so there is nothing to plot.</p>\n")
		p.do(writeHTMLFoot(p.w))
		return
	}
	p.printf("<h2>Plots</h2>\n")
	p.plots()
	p.printf("<h2>Numbers</h2>\n")
	p.numbers()
	p.do(writeHTMLFoot(p.w))
}

// messages is "1 message", "2 messages".
func messages(n int) string {
	if n == 1 {
		return "1 message"
	}
	return strconv.Itoa(n) + " messages"
}

// faultLine is WriteText's line about injected faults, "" when the run
// had none.
func faultLine(a Analysis) string {
	if a.Lost == 0 && a.Duplicated == 0 && a.Crashes == 0 {
		return ""
	}
	crashes := "crashes"
	if a.Crashes == 1 {
		crashes = "crash"
	}
	return fmt.Sprintf("faults: %s messages lost, %s duplicated, %s %s losing %s queued messages",
		textfmt.Thousands(a.Lost), textfmt.Thousands(a.Duplicated), textfmt.Thousands(a.Crashes), crashes, textfmt.Thousands(a.QueueLost))
}

// textHeader is WriteText's first line.
func textHeader(a Analysis) string {
	return fmt.Sprintf("run %s  %s  seed %d  %s  %d machines  %s  %s events  %s messages sent  %s still queued  %s in flight",
		a.Run, a.Mode, a.Seed, a.Status, len(a.Machines), a.Duration.Round(time.Millisecond),
		textfmt.Thousands(a.Events), textfmt.Thousands(a.Sent), textfmt.Thousands(a.Queued), textfmt.Thousands(a.InFlight))
}

func (p *page) metaTable() {
	m, a := p.meta, &p.a
	rows := [][2]string{
		{"run", m.ID}, {"mode", m.Mode}, {"seed", textUint(m.Seed)}, {"status", string(m.Status)},
		{"started", formatTime(m.Started)}, {"ended", formatTime(m.Ended)}, {"duration", a.Duration.Round(time.Millisecond).String()},
		{"speed", strconv.FormatFloat(m.Speed, 'g', -1, 64)},
		{"actions", strconv.Itoa(m.Params.Actions)},
		{"tick rates drawn from", fmt.Sprintf("%d to %d per second", m.Params.MinRate, m.Params.MaxRate)},
		{"fastest machine", fmt.Sprintf("m%d (the reference of every lag)", a.Fastest)},
		{"tool", m.Tool}, {"fingerprint", m.Fingerprint},
	}
	keys := make([]string, 0, len(m.Options))
	for k := range m.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	opts := make([]string, len(keys))
	for i, k := range keys {
		opts[i] = k + "=" + m.Options[k]
	}
	rows = append(rows, [2]string{"options", strings.Join(opts, "  ")})
	var cells [][2]string
	for _, r := range rows {
		if r[1] != "" {
			cells = append(cells, [2]string{esc(r[0]), esc(r[1])})
		}
	}
	var ms strings.Builder
	for i, mm := range a.Machines {
		if i > 0 {
			ms.WriteString(" &#160; ")
		}
		rate := textRate(mm.Rate, a.Speed)
		fmt.Fprintf(&ms, "%s m%d (%s %s)", swatch(mm.ID), mm.ID, esc(rate), ticksPerSecond(rate))
	}
	// Two fields a row, to keep the page's top short; the machines last,
	// across the whole row.
	p.printf("<table class=\"meta\">\n")
	for i := 0; i < len(cells); i += 2 {
		p.printf("<tr><th>%s</th><td>%s</td>", cells[i][0], cells[i][1])
		if i+1 < len(cells) {
			p.printf("<th>%s</th><td>%s</td>", cells[i+1][0], cells[i+1][1])
		}
		p.printf("</tr>\n")
	}
	p.printf("<tr><th>machines</th><td colspan=\"3\">%s</td></tr>\n</table>\n", ms.String())
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
}

func swatch(id core.MachineID) string {
	return `<span class="swatch" style="background: ` + machineColour(id) + `"></span>`
}

// seriesName is a machine's legend entry.
func (p *page) seriesName(id core.MachineID) string { return "m" + strconv.FormatUint(uint64(id), 10) }

func (p *page) plots() {
	a, rs := &p.a, &p.rs
	unit, perUnit := timeUnit(a.Duration)
	xLabel := "time since the run's start (" + unit + ")"
	scale := func(pts []point) []point {
		out := make([]point, len(pts))
		for i, pt := range pts {
			out[i] = point{pt.X / perUnit, pt.Y}
		}
		return out
	}
	xr := &valueRange{0, max(a.Duration.Seconds(), rs.Width.Seconds()) / perUnit}
	var clock, lag, queue []series
	for _, ms := range rs.Machines {
		name, col := p.seriesName(ms.ID), machineColour(ms.ID)
		clock = append(clock, series{Name: name, Colour: col, Points: scale(ms.Clock)})
		lag = append(lag, series{Name: name, Colour: col, Points: scale(ms.Lag)})
		queue = append(queue, series{Name: name, Colour: col, Points: scale(ms.Queue)})
	}
	bucket := rs.Width.Round(time.Millisecond)
	if bucket == 0 {
		bucket = rs.Width
	}
	bucketNote := fmt.Sprintf("The run is cut into %d time buckets of %v each", rs.Buckets, bucket)

	p.figure(lineChart{ID: PlotClock, Title: "Lamport clock", XLabel: xLabel, YLabel: "clock (units)", Series: clock, X: xr, YFromZero: true, Nested: true},
		bucketNote+"; each line is a machine's Lamport clock at the end of every bucket. "+
			"A line's slope is how fast its clock runs. Messages pull a slow machine up to the clocks of faster ones, in jumps, so the lines stay close together "+
			"(earlier machines are drawn wider, so every colour shows where lines coincide); the lag plot below magnifies the differences.")
	p.figure(lineChart{ID: PlotDrift, Title: fmt.Sprintf("Lag behind the fastest machine (m%d)", a.Fastest), XLabel: xLabel, YLabel: "lag (clock units)", Series: lag, X: xr, YFromZero: true},
		bucketNote+fmt.Sprintf("; each point is a machine's mean lag over its events in a bucket: m%d's clock minus the machine's own "+
			"at each event, the lag whose mean and maximum over the whole run the tables give. Buckets without an event of the machine have no point. "+
			"Above 0 the machine is behind the fastest; a line that climbs is falling further behind; below 0 it is ahead.", a.Fastest))
	p.figure(lineChart{ID: PlotQueue, Title: "Queue length at each tick (messages waiting, before a receive)", XLabel: xLabel,
		YLabel: "queue at tick (messages waiting)", Series: queue, X: xr, YFromZero: true},
		bucketNote+"; each point is a machine's mean queue length at its ticks in a bucket: the messages waiting when the tick came, "+
			"before a receive takes one (0 at a send or internal event, which happen only on an empty queue), as in the tables' queue at tick columns, "+
			"which give the mean, p99 and maximum. Buckets without an event of the machine have no point. "+
			"A line that keeps climbing belongs to a machine that cannot keep up with what it is sent.")
	p.figure(p.jumpChart(), "How many events moved each machine's clock by how much (log scale): a send or internal event moves it by 1, "+
		"a receive of a message from a machine ahead moves it further. Buckets as in the jump histogram table: 1, 2, 3-4, 5-8, ...")

	var sb strings.Builder
	sp, err := writeSpaceTime(&sb, PlotSpaceTime, rs.Window, p.machineIDs())
	p.do(err)
	p.printf("<figure>\n<div class=\"scroll\">\n%s</div>\n<figcaption>%s</figcaption>\n</figure>\n", sb.String(), esc(p.windowCaption(sp)))
}

func (p *page) machineIDs() []core.MachineID {
	ids := make([]core.MachineID, len(p.rs.Machines))
	for i, ms := range p.rs.Machines {
		ids[i] = ms.ID
	}
	return ids
}

// windowCaption explains the space-time diagram's window.
func (p *page) windowCaption(sp spaceTime) string {
	win := p.rs.Window
	var b strings.Builder
	if win.Window.ByTime() {
		fmt.Fprintf(&b, "The events between %v and %v after the run's start (the end excluded): %s of the run's %s events",
			win.Window.From, win.Window.To, textfmt.Thousands(win.Selected), textfmt.Thousands(win.Total))
	} else {
		fmt.Fprintf(&b, "Events %d to %d of the run's %s, numbered in time order across all machines as 'lamport show' lists them",
			win.Window.First, win.Window.Last, textfmt.Thousands(win.Total))
		if win.Window.Last > win.Total {
			fmt.Fprintf(&b, " (the run has only %s)", textfmt.Thousands(win.Total))
		}
	}
	if n := uint64(len(win.Events)); n < win.Selected {
		fmt.Fprintf(&b, "; only the first %d are drawn", n)
	}
	fmt.Fprintf(&b, ". Each line is a machine, each dot an event labelled with the clock after it; "+
		"%s sent and received in the window are arrows from the send to the receive (the receive is when the message leaves the queue), "+
		"and %s with one end outside the window are dashed stubs. Choose another window with --window (positions 100-160, or times 10s-20s).",
		messages(sp.Full), messages(sp.Stubs))
	if sp.Lost > 0 {
		fmt.Fprintf(&b, " Of the stubs, %s lost by injected faults (dotted, reason in the tooltip).", messages(sp.Lost))
	}
	return b.String()
}

func (p *page) figure(c interface{ WriteSVG(io.Writer) error }, caption string) {
	p.printf("<figure>\n")
	p.do(c.WriteSVG(p.w))
	p.printf("<figcaption>%s</figcaption>\n</figure>\n", esc(caption))
}

// histogramBuckets lists every bucket any machine has, ascending.
func histogramBuckets(ms []MachineAnalysis) []Bucket {
	var all []Bucket
	for _, m := range ms {
		for _, h := range m.Jumps.Histogram {
			all = append(all, Bucket{Lo: h.Lo, Hi: h.Hi})
		}
	}
	slices.SortFunc(all, func(x, y Bucket) int {
		switch {
		case x.Lo < y.Lo:
			return -1
		case x.Lo > y.Lo:
			return 1
		}
		return 0
	})
	return slices.Compact(all)
}

// histogramCount is machine m's count in bucket b, 0 when it has none.
func histogramCount(m MachineAnalysis, b Bucket) uint64 {
	for _, h := range m.Jumps.Histogram {
		if h.Lo == b.Lo {
			return h.Count
		}
	}
	return 0
}

func (p *page) jumpChart() barChart {
	a := &p.a
	c := barChart{ID: PlotJumps, Title: "Clock jump sizes", XLabel: "jump (clock units)", YLabel: "events (log scale)", LogY: true}
	for _, m := range a.Machines {
		c.Series = append(c.Series, p.seriesName(m.ID))
		c.Colours = append(c.Colours, machineColour(m.ID))
	}
	for _, b := range histogramBuckets(a.Machines) {
		g := barGroup{Label: b.label()}
		for _, m := range a.Machines {
			g.Bars = append(g.Bars, bar{Value: float64(histogramCount(m, b))})
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}

// numbers writes WriteText's tables as HTML tables, cell for cell.
func (p *page) numbers() {
	a := &p.a
	if note := perSecondNote(a.Speed); note != "" {
		p.printf("<p class=\"note\">%s.</p>\n", esc(note))
	}
	p.printf("<h3>Events and queues</h3>\n<p class=\"note\">%s.</p>\n", esc(queueAtTickNote))
	p.table("machines", machineRows(a), true)

	p.printf("<h3>Clock jumps, gaps and drift (clock units; fastest machine %d)</h3>\n<p class=\"note\">%s.</p>\n", a.Fastest, esc(vsFastestNote))
	p.table("jumps", jumpRows(a), true)

	if len(a.Clocks) > 0 {
		p.printf("<h3>Wall clocks</h3>\n<p class=\"note\">%s.</p>\n", esc(clockTitle(a)))
		p.table("clocks", clockRows(a), true)
	}

	p.printf("<h3>Jump histogram (events per jump size)</h3>\n")
	buckets := histogramBuckets(a.Machines)
	rows := [][]string{{"machine"}}
	for _, b := range buckets {
		rows[0] = append(rows[0], b.label())
	}
	for _, m := range a.Machines {
		row := []string{textUint(uint64(m.ID))}
		for _, b := range buckets {
			if n := histogramCount(m, b); n > 0 {
				row = append(row, textUint(n))
			} else {
				row = append(row, "")
			}
		}
		rows = append(rows, row)
	}
	p.table("histogram", rows, true)

	if len(a.Pairs) > 0 {
		p.printf("<h3>Messages per pair</h3>\n")
		p.table("pairs", pairRows(a), false)
	}
	p.causality()
}

// causality writes the causality figures: a table, and what they mean.
func (p *page) causality() {
	a := &p.a
	if a.Causality == nil && a.CausalityNote == "" {
		return
	}
	p.printf("<h3 id=\"causality\">What Lamport clocks cannot tell</h3>\n")
	if a.Causality == nil {
		p.printf("<p class=\"note\">Not computed: %s.</p>\n", esc(a.CausalityNote))
		return
	}
	p.table("causality", causalityRows(a.Causality), false)
	p.printf("<p class=\"note\">%s</p>\n", esc("Every pair of events on different machines is either ordered by happened-before "+
		"(a chain of program order and messages leads from one to the other) or concurrent. Lamport clocks order "+
		"every pair (or tie), concurrent ones too, so a smaller clock does not mean an event happened first. "+
		"'lamport why RUN A B' shows which for two events, and the chain that proves an order."))
}

// table writes rows as a table whose first row is the header; with
// swatches, each row's first cell (a machine id) gets its colour.
func (p *page) table(class string, rows [][]string, swatches bool) {
	p.printf("<table class=\"%s\">\n<tr>", class)
	for _, h := range rows[0] {
		p.printf("<th>%s</th>", esc(h))
	}
	p.printf("</tr>\n")
	for _, row := range rows[1:] {
		p.printf("<tr>")
		for i, cell := range row {
			if i == 0 && swatches {
				id, _ := strconv.ParseUint(cell, 10, 32)
				p.printf("<td class=\"swatch\">%s%s</td>", swatch(core.MachineID(id)), esc(cell))
				continue
			}
			p.printf("<td>%s</td>", esc(cell))
		}
		p.printf("</tr>\n")
	}
	p.printf("</table>\n")
}

// ticksPerSecond is the unit after a rate: "1 tick/s", "2 ticks/s".
func ticksPerSecond(rate string) string {
	if rate == "1" {
		return "tick/s"
	}
	return "ticks/s"
}
