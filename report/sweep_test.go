package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"lamport/report"
)

func TestSpreadOfKnownValues(t *testing.T) {
	// 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, so the
	// sample variance is 32/7.
	s := report.SpreadOf([]float64{4, 2, 5, 4, 9, 4, 7, 5})
	if s.Mean != 5 || s.Min != 2 || s.Max != 9 {
		t.Errorf("mean/min/max = %v/%v/%v, want 5/2/9", s.Mean, s.Min, s.Max)
	}
	if want := math.Sqrt(32.0 / 7); math.Abs(s.SD-want) > 1e-12 {
		t.Errorf("sd = %v, want %v", s.SD, want)
	}
	if one := report.SpreadOf([]float64{3.5}); one != (report.Spread{Mean: 3.5, Min: 3.5, Max: 3.5}) {
		t.Errorf("one value: %+v", one)
	}
	if none := report.SpreadOf(nil); none != (report.Spread{}) {
		t.Errorf("no values: %+v", none)
	}
}

func TestFiguresOfWeightsByEvents(t *testing.T) {
	a := report.Analysis{Run: "r", Seed: 9, Events: 400, Machines: []report.MachineAnalysis{
		{ID: 1, Events: 300, FinalClock: 300, Jumps: report.JumpStats{Mean: 1, Max: 1},
			QueueAtTick: report.QueueStats{Mean: 0.1, Max: 2}, Drift: report.DriftStats{Slope: 5}},
		{ID: 2, Events: 100, FinalClock: 300, Jumps: report.JumpStats{Mean: 3, Max: 9},
			QueueAtTick: report.QueueStats{Mean: 0.5, Max: 4}, Drift: report.DriftStats{Slope: 4, SlopeVsFastest: -1, MaxLag: 7}},
	}}
	f := report.FiguresOf(a)
	// Jumps sum to final clocks: (300 + 300) / 400 events.
	if f.MeanJump != 1.5 {
		t.Errorf("mean jump %v, want 1.5", f.MeanJump)
	}
	if want := (0.1*300 + 0.5*100) / 400; math.Abs(f.MeanQueueAtTick-want) > 1e-12 {
		t.Errorf("mean queue at tick %v, want %v", f.MeanQueueAtTick, want)
	}
	if f.MaxJump != 9 || f.MaxQueueAtTick != 4 || f.MaxLag != 7 || f.Drift != -1 || f.ClockRate != 4.5 || f.Events != 400 || f.Seed != 9 {
		t.Errorf("figures %+v", f)
	}
}

func sweepFixture() report.Sweep {
	runs := func(seed uint64, jumps ...float64) []report.RunFigures {
		var out []report.RunFigures
		for i, j := range jumps {
			out = append(out, report.RunFigures{Seed: seed + uint64(i), Events: 100, MeanJump: j, MaxJump: 2 * j, Drift: -j / 10})
		}
		return out
	}
	return report.Sweep{ID: "sweep-x", Mode: "sim", Variants: []report.Variant{
		report.NewVariant("max-rate=6", []report.Setting{{Key: "max-rate", Value: "6"}}, runs(7, 1, 2, 3)),
		report.NewVariant(`actions=4 "odd, name"`, []report.Setting{{Key: "actions", Value: "4"}}, runs(7, 1.5, 1.5, 1.5)),
	}}
}

func TestSweepMarkdownShowsMeanAndRange(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteSweepMarkdown(&b, sweepFixture()); err != nil {
		t.Fatal(err)
	}
	table, notes, _ := strings.Cut(b.String(), "\n\n")
	lines := strings.Split(table, "\n")
	if len(lines) != 4 {
		t.Fatalf("want header, alignment and 2 rows, got\n%s", b.String())
	}
	for _, want := range []string{"| mean queue at tick | max queue at tick |", "| worst vs fastest (clock/s) |"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header lacks %q: %s", want, lines[0])
		}
	}
	for _, want := range []string{"- mean/max queue at tick: the messages waiting", "- worst vs fastest: the lowest vs fastest of a run's machines; vs fastest: this machine's clock rate"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "per-second figure") {
		t.Errorf("a sim sweep's notes explain --speed:\n%s", notes)
	}
	cols := len(strings.Split(lines[0], "|"))
	for _, l := range lines {
		if len(strings.Split(l, "|")) != cols {
			t.Errorf("row %q has a different number of cells than the header", l)
		}
	}
	if !strings.Contains(lines[2], "| 2.000 [1.000, 3.000] |") {
		t.Errorf("first variant's mean jump not as mean [min, max]: %s", lines[2])
	}
	if !strings.Contains(lines[3], "| 1.500 |") || strings.Contains(lines[3], "[1.500") {
		t.Errorf("a figure that every seed agrees on should be its value alone: %s", lines[3])
	}
}

func TestSweepCSVRoundTrips(t *testing.T) {
	s := sweepFixture()
	var b bytes.Buffer
	if err := report.WriteSweepCSV(&b, s); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, b.String())
	}
	if len(records) != 3 {
		t.Fatalf("want a header and 2 rows, got %d", len(records))
	}
	header := records[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, header)
		return -1
	}
	for i, v := range s.Variants {
		row := records[i+1]
		if row[col("sweep")] != "sweep-x" || row[col("variant")] != v.Name || row[col("seeds")] != "7 8 9" {
			t.Errorf("row %d: %v", i, row)
		}
		for _, c := range []struct {
			name string
			want float64
		}{{"mean_jump_mean", v.MeanJump.Mean}, {"mean_jump_min", v.MeanJump.Min}, {"mean_jump_max", v.MeanJump.Max},
			{"mean_jump_sd", v.MeanJump.SD}, {"max_jump_max", v.MaxJump.Max}, {"drift_min", v.Drift.Min}} {
			got, err := strconv.ParseFloat(row[col(c.name)], 64)
			if err != nil || math.Abs(got-c.want) > 1e-9 {
				t.Errorf("%s %s = %q, want %v", v.Name, c.name, row[col(c.name)], c.want)
			}
		}
	}
	// Each variant sets one key: the other's column is empty.
	if records[1][col("max-rate")] != "6" || records[1][col("actions")] != "" || records[2][col("actions")] != "4" {
		t.Errorf("setting columns: %v / %v", records[1], records[2])
	}
}

func TestSweepHTMLIsWellFormedWithAChartPerFigure(t *testing.T) {
	s := sweepFixture()
	var b bytes.Buffer
	if err := report.WriteSweepHTML(&b, s); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") || strings.Contains(strings.ReplaceAll(page, "http://www.w3.org/2000/svg", ""), "http") {
		t.Error("the page has a script or a link out; it must be self-contained")
	}
	dec := xml.NewDecoder(strings.NewReader(page))
	dec.Strict = true
	dec.AutoClose = nil
	dec.Entity = map[string]string{}
	var svg string               // id of the <svg> being read
	bars := map[string]int{}     // rect.bar per chart
	whiskers := map[string]int{} // path.whisker per chart
	rows := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well-formed XML: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) string {
			for _, a := range el.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		switch el.Name.Local {
		case "svg":
			svg = attr("id")
		case "rect":
			if attr("class") == "bar" {
				bars[svg]++
			}
		case "path":
			if attr("class") == "whisker" {
				whiskers[svg]++
			}
		case "tr":
			rows++
		}
	}
	if rows != 1+len(s.Variants) {
		t.Errorf("table has %d rows, want a header and %d variants", rows, len(s.Variants))
	}
	for _, id := range []string{"sweep-events", "sweep-mean-jump", "sweep-max-jump", "sweep-mean-queue-at-tick", "sweep-max-queue-at-tick", "sweep-clock-rate", "sweep-max-lag"} {
		// Events and mean jump are above 0 in every variant: one bar each.
		if id == "sweep-events" || id == "sweep-mean-jump" || id == "sweep-max-jump" {
			if bars[id] != len(s.Variants) || whiskers[id] != len(s.Variants) {
				t.Errorf("chart %s: %d bars and %d whiskers, want %d of each", id, bars[id], whiskers[id], len(s.Variants))
			}
		}
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("no chart %s", id)
		}
	}
}

// The sweep's queue figures are named for the queue length they hold, in
// JSON and in CSV alike.
func TestSweepQueueFiguresSayAtTick(t *testing.T) {
	s := sweepFixture()
	j, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteSweepCSV(&b, s); err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(b.String(), "\n")
	for _, key := range []string{`"mean_queue_at_tick":`, `"max_queue_at_tick":`} {
		if !bytes.Contains(j, []byte(key)) {
			t.Errorf("sweep JSON lacks %s", key)
		}
	}
	if bytes.Contains(j, []byte(`"mean_queue":`)) || bytes.Contains(j, []byte(`"max_queue":`)) {
		t.Errorf("sweep JSON still has the ambiguous queue names:\n%s", j)
	}
	for _, col := range []string{",mean_queue_at_tick_mean,", ",max_queue_at_tick_max,"} {
		if !strings.Contains(header, col) {
			t.Errorf("sweep CSV header lacks %s: %s", col, header)
		}
	}
}
