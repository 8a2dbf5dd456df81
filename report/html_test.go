package report_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
	"lamport/report"
)

func writeHTML(t testing.TB, st *record.Store, runID string, opts report.HTMLOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteHTML(&b, st, runID, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// htmlSim records a sim run for the HTML tests: machines machines, seed 7,
// for d.
func htmlSim(t testing.TB, st *record.Store, id string, machines int, d time.Duration) {
	t.Helper()
	analysisSim(t, st, id, machines, core.DefaultParams(7), d, replay.DefaultLatency)
}

var plotIDs = []string{report.PlotClock, report.PlotDrift, report.PlotQueue, report.PlotJumps, report.PlotSpaceTime}

// The page is one file: no script, no style sheet, image or font from
// elsewhere, no link anywhere; the only URL is the SVG namespace name.
func TestHTMLReportIsSelfContained(t *testing.T) {
	st := analysisStore(t)
	htmlSim(t, st, "sim", 3, time.Minute)
	page := writeHTML(t, st, "sim", report.HTMLOptions{})
	doc := parseXML(t, page) // every element closed, every text escaped
	lower := strings.ToLower(string(page))
	if n, svgs := strings.Count(lower, `xmlns="http://www.w3.org/2000/svg"`), len(doc.all(func(n *node) bool { return n.name == "svg" })); n != svgs || svgs != len(plotIDs) {
		t.Errorf("%d SVG namespace declarations, %d <svg> elements, want %d of each", n, svgs, len(plotIDs))
	}
	rest := strings.ReplaceAll(lower, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"http:", "https:", "<script", "javascript:", "url(", "@import", "<link", "<img", "<iframe", " src=", " href=", "onload", "onclick"} {
		if strings.Contains(rest, bad) {
			i := strings.Index(rest, bad)
			t.Errorf("page contains %q: ...%s...", bad, rest[max(i-60, 0):min(i+60, len(rest))])
		}
	}
	if !strings.HasPrefix(string(page), "<!DOCTYPE html>\n<html") {
		t.Errorf("page starts %.40q", page)
	}
}

func TestHTMLReportPlots(t *testing.T) {
	st := analysisStore(t)
	htmlSim(t, st, "sim", 4, 2*time.Minute)
	a := mustAnalyze(t, st, "sim")
	doc := parseXML(t, writeHTML(t, st, "sim", report.HTMLOptions{}))
	for _, id := range plotIDs {
		if svg := doc.byID(t, id); svg.name != "svg" {
			t.Errorf("#%s is a <%s>, want an <svg>", id, svg.name)
		}
	}
	units := map[string]string{report.PlotClock: "clock (units)", report.PlotDrift: "lag (clock units)", report.PlotQueue: "queue at tick (messages waiting)"}
	for _, id := range []string{report.PlotClock, report.PlotDrift, report.PlotQueue} {
		svg := doc.byID(t, id)
		lines := svg.all(classed("polyline", "series"))
		if len(lines) != len(a.Machines) {
			t.Fatalf("#%s: %d lines, want one per machine (%d)", id, len(lines), len(a.Machines))
		}
		var legend []string
		for _, e := range svg.all(classed("g", "legend-entry")) {
			legend = append(legend, e.attr["data-series"])
			if sw := e.all(func(n *node) bool { return n.name == "rect" }); len(sw) != 1 || sw[0].attr["fill"] != report.Colour(len(legend)-1) {
				t.Errorf("#%s legend entry %d: swatch %v", id, len(legend), sw)
			}
		}
		for i, m := range a.Machines {
			name := "m" + strconv.Itoa(int(m.ID))
			if l := lines[i]; l.attr["data-series"] != name || l.attr["stroke"] != report.Colour(int(m.ID)-1) {
				t.Errorf("#%s line %d: series %q colour %s, want %s %s", id, i, l.attr["data-series"], l.attr["stroke"], name, report.Colour(int(m.ID)-1))
			}
			if i >= len(legend) || legend[i] != name {
				t.Errorf("#%s legend %q lacks %s", id, legend, name)
			}
		}
		if x, y := svg.texts("x-label"), svg.texts("y-label"); len(x) != 1 || x[0] != "time since the run's start (s)" || len(y) != 1 || y[0] != units[id] {
			t.Errorf("#%s axis labels %q %q", id, x, y)
		}
		if ticks := svg.all(classed("g", "y-ticks")); len(ticks) != 1 || len(ticks[0].children) < 2 {
			t.Errorf("#%s: no y tick labels", id)
		}
	}
	// The clock has a point per bucket and the start; the fastest
	// machine's lag is 0 throughout, a flat line.
	for _, l := range doc.byID(t, report.PlotClock).all(classed("polyline", "series")) {
		if n := len(polylinePoints(t, l)); n != report.DefaultBuckets+1 {
			t.Errorf("clock of %s: %d points, want %d", l.attr["data-series"], n, report.DefaultBuckets+1)
		}
	}
	flat := doc.byID(t, report.PlotDrift).all(classed("polyline", "series"))[a.Fastest-1]
	pts := polylinePoints(t, flat)
	for _, p := range pts {
		if p[1] != pts[0][1] {
			t.Fatalf("the fastest machine's lag line is not flat: %v", flat.attr["points"])
		}
	}
	// The jump histogram: a bar per machine and non-empty bucket, with its
	// count.
	jumps := doc.byID(t, report.PlotJumps)
	var bars, want []string
	for _, b := range jumps.all(classed("rect", "bar")) {
		bars = append(bars, b.attr["fill"]+" "+b.allText())
	}
	var lo []uint64
	for _, m := range a.Machines {
		for _, h := range m.Jumps.Histogram {
			lo = append(lo, h.Lo)
		}
	}
	slices.Sort(lo)
	for _, l := range slices.Compact(lo) {
		for _, m := range a.Machines {
			for _, h := range m.Jumps.Histogram {
				if h.Lo == l {
					label := strconv.FormatUint(h.Lo, 10)
					if h.Hi != h.Lo {
						label += "-" + strconv.FormatUint(h.Hi, 10)
					}
					want = append(want, fmt.Sprintf("%s m%d, %s: %d", report.Colour(int(m.ID)-1), m.ID, label, h.Count))
				}
			}
		}
	}
	if !slices.Equal(bars, want) {
		t.Errorf("jump bars\n%q, want\n%q", bars, want)
	}
	if got := jumps.all(classed("g", "legend-entry")); len(got) != len(a.Machines) {
		t.Errorf("jump legend has %d entries", len(got))
	}
	if x, y := jumps.texts("x-label"), jumps.texts("y-label"); x[0] != "jump (clock units)" || y[0] != "events (log scale)" {
		t.Errorf("jump axis labels %q %q", x, y)
	}
	// Space-time: a lane per machine, labelled in its colour.
	for i, l := range doc.byID(t, report.PlotSpaceTime).all(classed("text", "lane-label")) {
		if l.allText() != "m"+strconv.Itoa(i+1) || l.attr["fill"] != report.Colour(i) {
			t.Errorf("lane label %d: %q in %s", i, l.allText(), l.attr["fill"])
		}
	}
}

// The page's tables hold WriteText's numbers, cell for cell.
func TestHTMLReportHasTheTextNumbers(t *testing.T) {
	st := analysisStore(t)
	htmlSim(t, st, "sim", 3, 5*time.Minute)
	a := mustAnalyze(t, st, "sim")
	var text bytes.Buffer
	if err := report.WriteText(&text, a); err != nil {
		t.Fatal(err)
	}
	doc := parseXML(t, writeHTML(t, st, "sim", report.HTMLOptions{}))
	rows := map[string]bool{}
	for _, tr := range doc.all(func(n *node) bool { return n.name == "tr" }) {
		var cells []string
		for _, c := range tr.children {
			cells = append(cells, c.allText())
		}
		rows[strings.Join(strings.Fields(strings.Join(cells, " ")), " ")] = true
	}
	lines := strings.Split(strings.TrimRight(text.String(), "\n"), "\n")
	if p := doc.all(classed("p", "summary")); len(p) != 1 || p[0].allText() != lines[0] {
		t.Errorf("summary %v, want WriteText's first line %q", p, lines[0])
	}
	checked := 0
	for _, l := range lines[1:] {
		if strings.Contains(l, ":") { // section titles and histogram lines
			continue
		}
		checked++
		if f := strings.Join(strings.Fields(l), " "); !rows[f] {
			t.Errorf("no table row %q", f)
		}
	}
	if checked < 2+2*len(a.Machines) {
		t.Fatalf("checked only %d lines of\n%s", checked, text.String())
	}
	// The histogram as a table: a column per bucket.
	hist := doc.all(classed("table", "histogram"))[0]
	head := hist.children[0].children
	for i, m := range a.Machines {
		row := hist.children[i+1].children
		for _, h := range m.Jumps.Histogram {
			col := slices.IndexFunc(head, func(c *node) bool { return strings.HasPrefix(c.allText(), strconv.FormatUint(h.Lo, 10)) })
			if col < 0 || row[col].allText() != strconv.FormatUint(h.Count, 10) {
				t.Errorf("machine %d bucket %d: histogram cell %d, want %d", m.ID, h.Lo, col, h.Count)
			}
		}
	}
}

// tlEvent is an event of the run's timeline, found independently of the
// report: every machine's log read with Store.Scan and sorted.
type tlEvent struct {
	machine core.MachineID
	at      time.Duration
	ev      core.Event
}

func timelineOf(t testing.TB, st *record.Store, runID string) []tlEvent {
	t.Helper()
	meta, err := st.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	var all []tlEvent
	for _, mm := range meta.Machines {
		off := mm.StartWall.Sub(meta.Started)
		if err := st.Scan(runID, mm.ID, func(e core.Entry) error {
			if !e.Arrival {
				ev := e.Event
				ev.To = slices.Clone(ev.To)
				all = append(all, tlEvent{mm.ID, off + e.At, ev})
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortStableFunc(all, func(x, y tlEvent) int { return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.machine, y.machine)) })
	return all
}

// checkSpaceTime checks the diagram against the recorded run: one lane per
// machine, a dot and a clock label per event of the window in timeline
// order, an arrow per message sent and received in the window, and a stub
// per message with one end in it. It returns the arrows and stubs.
func checkSpaceTime(t *testing.T, st *record.Store, runID string, w report.Window, doc *node) (full, stubs int) {
	t.Helper()
	meta, err := st.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	all := timelineOf(t, st, runID)
	var sel []tlEvent
	switch {
	case w.ByTime():
		for _, e := range all {
			if e.at >= w.From && e.at < w.To && len(sel) < report.MaxWindowEvents {
				sel = append(sel, e)
			}
		}
	default:
		first, last := w.First, w.Last
		if w == (report.Window{}) {
			first, last = 1, report.DefaultWindowEvents
		}
		sel = all[min(first-1, uint64(len(all))):min(last, uint64(len(all)))]
	}
	type key struct {
		from core.MachineID
		seq  uint64
	}
	sent, recvd := map[key]core.MachineID{}, map[key]bool{}
	var want []string
	var clocks []string
	for _, e := range sel {
		want = append(want, fmt.Sprintf("%d %s", e.machine, e.ev.Kind))
		clocks = append(clocks, strconv.FormatUint(e.ev.Clock, 10))
		for i, m := range e.ev.Sent(e.machine) {
			sent[key{m.From, m.Seq}] = e.ev.To[i]
		}
		if e.ev.Kind == core.KindRecv {
			recvd[key{e.ev.Msg.From, e.ev.Msg.Seq}] = true
		}
	}
	var wantFull []string
	for k := range sent {
		if recvd[k] {
			full++
			wantFull = append(wantFull, fmt.Sprintf("%d:%d", k.from, k.seq))
		} else {
			stubs++
		}
	}
	for k := range recvd {
		if _, ok := sent[k]; !ok {
			stubs++
		}
	}

	svg := doc.byID(t, report.PlotSpaceTime)
	lanes := svg.all(classed("line", "lane"))
	if len(lanes) != len(meta.Machines) {
		t.Errorf("window %v: %d lanes, want one per machine (%d)", w, len(lanes), len(meta.Machines))
	}
	for i, l := range lanes {
		id := meta.Machines[min(i, len(meta.Machines)-1)].ID
		if l.attr["data-machine"] != strconv.Itoa(int(id)) || l.attr["stroke"] != report.Colour(int(id)-1) {
			t.Errorf("lane %d: machine %s colour %s", i, l.attr["data-machine"], l.attr["stroke"])
		}
	}
	var got []string
	for _, d := range svg.all(classed("circle", "event")) {
		got = append(got, d.attr["data-machine"]+" "+d.attr["data-kind"])
	}
	if !slices.Equal(got, want) {
		t.Errorf("window %v: %d dots, want %d (one per event, in timeline order):\n got %q\nwant %q", w, len(got), len(want), got, want)
	}
	if gotClocks := svg.texts("clock"); !slices.Equal(gotClocks, clocks) {
		t.Errorf("window %v: clock labels %q, want %q", w, gotClocks, clocks)
	}
	var gotFull []string
	for _, m := range svg.all(classed("path", "msg")) {
		gotFull = append(gotFull, m.attr["data-msg"])
	}
	slices.Sort(gotFull)
	slices.Sort(wantFull)
	if !slices.Equal(gotFull, wantFull) {
		t.Errorf("window %v: arrows for messages %q, want %q", w, gotFull, wantFull)
	}
	if n := len(svg.all(classed("path", "stub"))); n != stubs {
		t.Errorf("window %v: %d stubs, want %d", w, n, stubs)
	}
	return full, stubs
}

func TestSpaceTimeDiagramMatchesTheRecording(t *testing.T) {
	st := analysisStore(t)
	htmlSim(t, st, "sim", 3, 2*time.Minute)
	total := len(timelineOf(t, st, "sim"))
	for _, spec := range []string{"", "200-260", "1-1", "10s-20s", "1m-1m1s", "0-1h", fmt.Sprint(total-5, "-", total+20), fmt.Sprint(total+1, "-", total+10)} {
		t.Run(spec, func(t *testing.T) {
			var w report.Window
			if spec != "" {
				var err error
				if w, err = report.ParseWindow(spec); err != nil {
					t.Fatal(err)
				}
			}
			page := writeHTML(t, st, "sim", report.HTMLOptions{Window: w})
			doc := parseXML(t, page)
			full, stubs := checkSpaceTime(t, st, "sim", w, doc)
			if spec == "" || spec == "200-260" || spec == "10s-20s" {
				if full == 0 {
					t.Errorf("window %q has no whole message: a weak check", spec)
				}
			}
			if spec == "0-1h" && !strings.Contains(string(page), fmt.Sprintf("only the first %d are drawn", report.MaxWindowEvents)) {
				t.Errorf("the truncated window does not say so")
			}
			t.Logf("window %q: %d arrows, %d stubs", spec, full, stubs)
		})
	}
}

// The hand-built run of the analysis tests, whole in the default window:
// 16 events; messages 1:1, 1:2 and 2:1 sent and received (arrows); 2:2
// queued at the end and 2:3 in flight (stubs from their sends).
func TestSpaceTimeOfTheHandBuiltRun(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "hand", true)
	doc := parseXML(t, writeHTML(t, st, "hand", report.HTMLOptions{}))
	if full, stubs := checkSpaceTime(t, st, "hand", report.Window{}, doc); full != 3 || stubs != 2 {
		t.Errorf("%d arrows and %d stubs, want 3 and 2", full, stubs)
	}
	svg := doc.byID(t, report.PlotSpaceTime)
	var stubs []string
	for _, s := range svg.all(classed("path", "stub")) {
		stubs = append(stubs, s.attr["data-msg"])
	}
	if !slices.Equal(stubs, []string{"2:2", "2:3"}) {
		t.Errorf("stubs %q, want 2:2 and 2:3", stubs)
	}
}

func TestHTMLReportIsDeterministic(t *testing.T) {
	st, other := analysisStore(t), analysisStore(t)
	htmlSim(t, st, "sim", 3, time.Minute)
	htmlSim(t, other, "sim", 3, time.Minute)
	for _, opts := range []report.HTMLOptions{{}, {Window: report.Window{From: 5 * time.Second, To: 9 * time.Second}, Buckets: 37}} {
		first := writeHTML(t, st, "sim", opts)
		if again := writeHTML(t, st, "sim", opts); !bytes.Equal(first, again) {
			t.Errorf("%+v: the same run twice gave different pages", opts)
		}
		if copy := writeHTML(t, other, "sim", opts); !bytes.Equal(first, copy) {
			t.Errorf("%+v: the same run recorded in another store gave a different page", opts)
		}
	}
}

// The page's size is fixed by the buckets and the window, not by the run:
// an hour of five machines (82 800 events) makes about as big a page as two
// minutes of them.
func TestHTMLReportOfAnHourIsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("records a one-hour simulation")
	}
	st := analysisStore(t)
	htmlSim(t, st, "short", 5, 2*time.Minute)
	htmlSim(t, st, "hour", 5, time.Hour)
	short, hour := writeHTML(t, st, "short", report.HTMLOptions{}), writeHTML(t, st, "hour", report.HTMLOptions{})
	parseXML(t, hour)
	if a := mustAnalyze(t, st, "hour"); a.Events < 80_000 {
		t.Fatalf("the hour has %d events", a.Events)
	}
	t.Logf("page of 2 minutes: %d bytes; of an hour: %d bytes", len(short), len(hour))
	if len(hour) > 1_500_000 || float64(len(hour)) > 1.5*float64(len(short)) {
		t.Errorf("the hour's page is %d bytes (2 minutes: %d); want well under 1.5 MB and about the same", len(hour), len(short))
	}
}

func TestParseWindow(t *testing.T) {
	for _, c := range []struct {
		in   string
		want report.Window
	}{
		{"100-160", report.Window{First: 100, Last: 160}},
		{" 1 - 1 ", report.Window{First: 1, Last: 1}},
		{"1-300", report.Window{First: 1, Last: report.MaxWindowEvents}},
		{"10s-20s", report.Window{From: 10 * time.Second, To: 20 * time.Second}},
		{"1m-1m30s", report.Window{From: time.Minute, To: 90 * time.Second}},
		{"0-2.5s", report.Window{From: 0, To: 2500 * time.Millisecond}},
		{"500ms-1", report.Window{}}, // "1" without a unit is not a duration
	} {
		got, err := report.ParseWindow(c.in)
		if c.want == (report.Window{}) {
			if err == nil {
				t.Errorf("ParseWindow(%q) = %+v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseWindow(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if back, err := report.ParseWindow(got.String()); err != nil || back != got {
			t.Errorf("ParseWindow(%q.String() = %q) = %+v, %v", c.in, got.String(), back, err)
		}
	}
	for _, bad := range []string{"", "-", "5", "abc", "10-5", "0-5", "1-301", "5s-1s", "5s-5s", "-1s-2s", "1x-2s", "1s-", "-5", "10s-20", "1-2-3"} {
		w, err := report.ParseWindow(bad)
		if !errors.Is(err, report.ErrBadWindow) || !strings.Contains(err.Error(), "FROM-TO") {
			t.Errorf("ParseWindow(%q) = %+v, %v; want ErrBadWindow with the syntax", bad, w, err)
		}
	}
	if (report.Window{}).String() != "1-60" {
		t.Errorf("default window %q", report.Window{}.String())
	}
}

func TestWriteHTMLRefusesWhatItCannotDraw(t *testing.T) {
	st := analysisStore(t)
	handBuiltRun(t, st, "hand", true)
	var b bytes.Buffer
	if err := report.WriteHTML(&b, st, "nope", report.HTMLOptions{}); !errors.Is(err, record.ErrNotFound) {
		t.Errorf("unknown run: %v", err)
	}
	for _, w := range []report.Window{{First: 0, Last: 5}, {First: 5, Last: 4}, {First: 1, Last: 1000}, {From: 2 * time.Second, To: time.Second}, {First: 1, Last: 2, To: time.Second}} {
		if err := report.WriteHTML(&b, st, "hand", report.HTMLOptions{Window: w}); !errors.Is(err, report.ErrBadWindow) {
			t.Errorf("window %+v: %v, want ErrBadWindow", w, err)
		}
	}
	for _, n := range []int{-1, report.MaxBuckets + 1} {
		if err := report.WriteHTML(&b, st, "hand", report.HTMLOptions{Buckets: n}); err == nil {
			t.Errorf("%d buckets: no error", n)
		}
	}
	if b.Len() != 0 {
		t.Errorf("refused reports wrote %d bytes", b.Len())
	}
}

// Numbers in the page come out of the analysis, not the run's text: a
// run id with markup in it stays text.
func TestHTMLReportEscapesRunData(t *testing.T) {
	st := analysisStore(t)
	buildRun(t, st, `<b>&"x"`, true, map[core.MachineID]int{1: 2, 2: 1}, nil, map[core.MachineID][]core.Entry{1: handLog1, 2: handLog2})
	page := writeHTML(t, st, `<b>&"x"`, report.HTMLOptions{})
	doc := parseXML(t, page)
	if h1 := doc.all(func(n *node) bool { return n.name == "h1" }); len(h1) != 1 || h1[0].allText() != `Run <b>&"x"` {
		t.Errorf("heading %v", h1)
	}
	if regexp.MustCompile(`<b>`).Match(page) {
		t.Error("the run id's markup reached the page unescaped")
	}
}

func BenchmarkWriteHTML5Machines1Hour(b *testing.B) {
	st := analysisStore(b)
	res := analysisSim(b, st, "hour", 5, core.DefaultParams(7), time.Hour, replay.DefaultLatency)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		var page bytes.Buffer
		if err := report.WriteHTML(&page, st, "hour", report.HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
		size = page.Len()
	}
	b.ReportMetric(float64(res.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(size), "page-bytes")
}

// TestSpaceTimeMarksLostMessages: a message a fault lost is drawn as lost,
// with its reason, never as "received outside the window".
func TestSpaceTimeMarksLostMessages(t *testing.T) {
	st := analysisStore(t)
	_, err := replay.RecordSim(st, replay.SimRun{RunID: "lossy", Config: core.RingConfig(3, "sim", 0), Started: time.Unix(0, 0).UTC(),
		Spec: replay.SimSpec{Params: core.DefaultParams(7), Duration: 20 * time.Second, Latency: mustParseLatency(t), Faults: core.Faults{Drop: 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	page := string(writeHTML(t, st, "lossy", report.HTMLOptions{Window: report.Window{First: 1, Last: 60}}))
	lost := regexp.MustCompile(`class="stub lost" data-msg="([0-9]+:[0-9]+)"[^>]*><title>[^<]*lost \(drop\)</title>`).FindAllStringSubmatch(page, -1)
	if len(lost) == 0 {
		t.Fatal("no message of the window is drawn as lost with half of them dropped")
	}
	for _, m := range lost {
		if strings.Count(page, `data-msg="`+m[1]+`"`) != 1 {
			t.Errorf("lost message %s is drawn more than once", m[1])
		}
	}
	if !strings.Contains(page, "lost by injected faults") {
		t.Error("the caption does not count the lost messages")
	}
}

func mustParseLatency(t *testing.T) core.Latency {
	t.Helper()
	l, err := core.ParseLatency("exp:1ms")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
