package report_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lamport/report"
)

// node is an element of a parsed XML document.
type node struct {
	name     string // local name
	attr     map[string]string
	children []*node
	text     string // character data directly inside, concatenated
}

// parseXML parses doc with encoding/xml in strict mode, failing the test
// on any error: the report's pages and charts promise well-formed XML.
// HTML's named entities are not XML, so none are declared.
func parseXML(t testing.TB, doc []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	root := &node{name: "#document"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text += string(tok)
		}
	}
	if len(stack) != 1 {
		t.Fatalf("%d elements left open", len(stack)-1)
	}
	return root
}

// all returns n's descendants (not n) that match, in document order.
func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		for _, c := range x.children {
			if match(c) {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

// classed matches elements named name whose class attribute has class.
func classed(name, class string) func(*node) bool {
	return func(n *node) bool {
		return n.name == name && slices.Contains(strings.Fields(n.attr["class"]), class)
	}
}

// byID returns the one element with the id, or fails.
func (n *node) byID(t testing.TB, id string) *node {
	t.Helper()
	found := n.all(func(x *node) bool { return x.attr["id"] == id })
	if len(found) != 1 {
		t.Fatalf("%d elements with id %q, want 1", len(found), id)
	}
	return found[0]
}

// allText is the text of n and its descendants.
func (n *node) allText() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(x *node) {
		b.WriteString(x.text)
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// texts returns the text of each <text> element under n with the class.
func (n *node) texts(class string) []string {
	var out []string
	for _, e := range n.all(classed("text", class)) {
		out = append(out, e.allText())
	}
	return out
}

// polylinePoints parses a polyline's points attribute.
func polylinePoints(t testing.TB, p *node) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, f := range strings.Fields(p.attr["points"]) {
		xs, ys, ok := strings.Cut(f, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("bad point %q in %q", f, p.attr["points"])
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

func svgOf(t testing.TB, c interface{ WriteSVG(io.Writer) error }) (*node, string) {
	t.Helper()
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	doc := parseXML(t, b.Bytes())
	if len(doc.children) != 1 || doc.children[0].name != "svg" {
		t.Fatalf("want one <svg> element, got %d top-level elements", len(doc.children))
	}
	return doc.children[0], b.String()
}

func TestColourIsAFixedPaletteOfTen(t *testing.T) {
	hex := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	seen := map[string]bool{}
	for i := range 10 {
		c := report.Colour(i)
		if !hex.MatchString(c) || seen[c] {
			t.Errorf("Colour(%d) = %q: want a new #rrggbb", i, c)
		}
		seen[c] = true
		if report.Colour(i+10) != c || report.Colour(i-10) != c {
			t.Errorf("Colour(%d) does not wrap around every 10", i)
		}
	}
	if report.Colour(0) != "#1f77b4" || report.Colour(-1) != report.Colour(9) {
		t.Errorf("palette moved: Colour(0) = %s, Colour(-1) = %s", report.Colour(0), report.Colour(-1))
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 300, 6, []float64{0, 50, 100, 150, 200, 250, 300}},
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 60, 10, []float64{0, 10, 20, 30, 40, 50, 60}},
		{-1, 3, 6, []float64{-1, 0, 1, 2, 3}},
		{-1, 3, 10, []float64{-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3}},
		{0, 21894, 6, []float64{0, 5000, 10000, 15000, 20000, 25000}},
		{3, 3, 4, []float64{2, 2.5, 3, 3.5, 4}},
		{0, 0, 4, []float64{0, 0.5, 1}},
		{math.NaN(), 1, 2, []float64{0, 0.5, 1}},
	} {
		got := report.NiceTicks(c.lo, c.hi, c.n)
		if len(got) != len(c.want) {
			t.Errorf("NiceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("NiceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
				break
			}
		}
	}
	// Properties on random ranges: the ticks cover the range, are evenly
	// spaced by 1, 2 or 5 times a power of ten, and are not too many.
	seed := uint64(1)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed))
	for range 2000 {
		lo := (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(10)-3))
		hi := lo + r.Float64()*math.Pow(10, float64(r.IntN(10)-3))
		n := 2 + r.IntN(10)
		ticks := report.NiceTicks(lo, hi, n)
		step := ticks[1] - ticks[0]
		if len(ticks) < 2 || ticks[0] > lo+step*1e-9 || ticks[len(ticks)-1] < hi-step*1e-9 || len(ticks) > 3*n+2 {
			t.Fatalf("NiceTicks(%v, %v, %d) = %v", lo, hi, n, ticks)
		}
		mant := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
		if !slices.ContainsFunc([]float64{1, 2, 5, 10}, func(m float64) bool { return math.Abs(m-mant) < 1e-4 }) {
			t.Fatalf("NiceTicks(%v, %v, %d): step %v is not 1, 2 or 5 times a power of ten", lo, hi, n, step)
		}
		for i := 1; i < len(ticks); i++ {
			if math.Abs(ticks[i]-ticks[i-1]-step) > step*1e-4 {
				t.Fatalf("NiceTicks(%v, %v, %d) = %v: uneven", lo, hi, n, ticks)
			}
		}
	}
}

func TestLineChartMarkup(t *testing.T) {
	c := report.LineChart{
		ID: "chart-1", Title: `Clocks & "queues" <1>`, XLabel: "time (s)", YLabel: "clock (units)",
		Series: []report.Series{
			{Name: "m1", Points: []report.Point{{0, 0}, {1, 5}, {2, 10}}},
			{Name: "<m&2>", Colour: "#123456", Points: []report.Point{{0, 1}, {math.NaN(), 3}, {2, 4}}},
			{Name: "empty"},
			{Name: "single", Points: []report.Point{{1, 2}}},
		},
	}
	svg, raw := svgOf(t, c)
	if svg.attr["id"] != "chart-1" {
		t.Errorf("svg id %q", svg.attr["id"])
	}
	if got := svg.texts("title"); len(got) != 1 || got[0] != c.Title {
		t.Errorf("title %q, want %q", got, c.Title)
	}
	lines := svg.all(classed("polyline", "series"))
	want := []struct {
		name, colour string
		points       int
	}{{"m1", report.Colour(0), 3}, {"<m&2>", "#123456", 2}, {"single", report.Colour(3), 1}}
	if len(lines) != len(want) {
		t.Fatalf("%d polylines, want %d (a series without points draws none)", len(lines), len(want))
	}
	for i, w := range want {
		l := lines[i]
		if l.attr["data-series"] != w.name || l.attr["stroke"] != w.colour || len(polylinePoints(t, l)) != w.points {
			t.Errorf("polyline %d: series %q stroke %s points %q; want %q %s with %d points", i, l.attr["data-series"], l.attr["stroke"], l.attr["points"], w.name, w.colour, w.points)
		}
	}
	// A lone point is drawn as a marker too, or it would be invisible.
	if m := svg.all(classed("circle", "marker")); len(m) != 1 || m[0].attr["data-series"] != "single" {
		t.Errorf("markers %v, want one for the single-point series", len(m))
	}
	var legend []string
	for _, e := range svg.all(classed("g", "legend-entry")) {
		legend = append(legend, e.allText())
	}
	if !slices.Equal(legend, []string{"m1", "<m&2>", "empty", "single"}) {
		t.Errorf("legend %q", legend)
	}
	if x, y := svg.texts("x-label"), svg.texts("y-label"); len(x) != 1 || x[0] != "time (s)" || len(y) != 1 || y[0] != "clock (units)" {
		t.Errorf("axis labels %q %q", x, y)
	}
	// Points within the plot area; y grows downwards.
	area := svg.all(classed("rect", "plot-area"))[0]
	ax, _ := strconv.ParseFloat(area.attr["x"], 64)
	ay, _ := strconv.ParseFloat(area.attr["y"], 64)
	aw, _ := strconv.ParseFloat(area.attr["width"], 64)
	ah, _ := strconv.ParseFloat(area.attr["height"], 64)
	pts := polylinePoints(t, lines[0])
	for _, p := range pts {
		if p[0] < ax-0.1 || p[0] > ax+aw+0.1 || p[1] < ay-0.1 || p[1] > ay+ah+0.1 {
			t.Errorf("point %v outside the plot area %v %v %v %v", p, ax, ay, aw, ah)
		}
	}
	if !(pts[0][0] < pts[1][0] && pts[0][1] > pts[1][1]) {
		t.Errorf("points %v: want x to the right and y upwards", pts)
	}
	// Tick labels: the fitted y axis runs 0..10.
	if got := svg.texts("y-ticks"); len(got) != 0 {
		t.Errorf("tick labels are plain texts in a g.y-ticks, got classed texts %q", got)
	}
	yTicks := svg.all(classed("g", "y-ticks"))[0]
	var labels []string
	for _, tx := range yTicks.children {
		labels = append(labels, tx.allText())
	}
	if labels[0] != "0" || labels[len(labels)-1] != "10" {
		t.Errorf("y tick labels %q, want 0 to 10", labels)
	}
	if strings.Contains(raw, "<script") || strings.Count(raw, "http://") != 1 {
		t.Errorf("chart markup has a script or a reference besides the SVG namespace")
	}
	// Same input, same bytes.
	_, again := svgOf(t, c)
	if again != raw {
		t.Error("the same chart twice gave different markup")
	}
}

func TestLineChartNestedWidthsAndFixedRange(t *testing.T) {
	c := report.LineChart{Nested: true, X: &report.Range{Min: 0, Max: 100}, Y: &report.Range{Min: 0, Max: 50},
		Series: []report.Series{{Name: "a", Points: []report.Point{{0, 0}, {200, 10}}}, {Name: "b", Points: []report.Point{{0, 0}, {1, 1}}}, {Name: "c", Points: []report.Point{{0, 0}, {1, 1}}}}}
	svg, _ := svgOf(t, c)
	lines := svg.all(classed("polyline", "series"))
	var widths []float64
	for _, l := range lines {
		w, _ := strconv.ParseFloat(l.attr["stroke-width"], 64)
		widths = append(widths, w)
	}
	if len(widths) != 3 || !(widths[0] > widths[1] && widths[1] > widths[2] && widths[2] == 1.5) {
		t.Errorf("nested widths %v, want decreasing to 1.5", widths)
	}
	xt := svg.all(classed("g", "x-ticks"))[0].children
	if first, last := xt[0].allText(), xt[len(xt)-1].allText(); first != "0" || last != "100" {
		t.Errorf("fixed x range: tick labels %s..%s, want 0..100", first, last)
	}
}

func TestBarChartMarkup(t *testing.T) {
	c := report.BarChart{
		ID: "bars", Title: "Mean clock", XLabel: "variant", YLabel: "clock (units)",
		Series: []string{"a", "b"}, Colours: []string{"", "#abcdef"},
		Groups: []report.BarGroup{
			{Label: "x", Bars: []report.Bar{{Value: 10, Lo: 8, Hi: 12, HasRange: true}, {Value: 5}}},
			{Label: "y", Bars: []report.Bar{{Value: 0}, {Value: 7, Lo: 6, Hi: 9, HasRange: true}}},
			{Label: "z", Bars: []report.Bar{{Value: 3}}},
		},
	}
	svg, _ := svgOf(t, c)
	bars := svg.all(classed("rect", "bar"))
	var got []string
	for _, b := range bars {
		got = append(got, b.attr["data-series"]+" "+b.attr["fill"]+" "+b.allText())
	}
	want := []string{"a " + report.Colour(0) + " a, x: 10", "b #abcdef b, x: 5", "b #abcdef b, y: 7", "a " + report.Colour(0) + " a, z: 3"}
	if !slices.Equal(got, want) {
		t.Errorf("bars\n%q, want\n%q", got, want)
	}
	if w := svg.all(classed("path", "whisker")); len(w) != 2 {
		t.Errorf("%d whiskers, want 2", len(w))
	}
	// Taller values, taller bars.
	h := func(b *node) float64 { v, _ := strconv.ParseFloat(b.attr["height"], 64); return v }
	if !(h(bars[0]) > h(bars[2]) && h(bars[2]) > h(bars[1]) && h(bars[1]) > h(bars[3])) {
		t.Errorf("bar heights %v %v %v %v do not follow 10 > 7 > 5 > 3", h(bars[0]), h(bars[2]), h(bars[1]), h(bars[3]))
	}
	var groups []string
	for _, tx := range svg.all(classed("g", "x-ticks"))[0].children {
		groups = append(groups, tx.allText())
	}
	if !slices.Equal(groups, []string{"x", "y", "z"}) {
		t.Errorf("group labels %q", groups)
	}
}

func TestBarChartLogAxis(t *testing.T) {
	c := report.BarChart{LogY: true, Series: []string{"m1"},
		Groups: []report.BarGroup{{Label: "1", Bars: []report.Bar{{Value: 300}}}, {Label: "2", Bars: []report.Bar{{Value: 1}}}, {Label: "3-4", Bars: []report.Bar{{Value: 0}}}}}
	svg, _ := svgOf(t, c)
	var labels []string
	for _, tx := range svg.all(classed("g", "y-ticks"))[0].children {
		labels = append(labels, tx.allText())
	}
	if !slices.Equal(labels, []string{"1", "10", "100", "1000"}) {
		t.Errorf("log tick labels %q, want 1 10 100 1000", labels)
	}
	bars := svg.all(classed("rect", "bar"))
	if len(bars) != 2 {
		t.Fatalf("%d bars, want 2 (0 draws none on a log axis)", len(bars))
	}
	if h, _ := strconv.ParseFloat(bars[1].attr["height"], 64); h < 5 {
		t.Errorf("a count of 1 is %v pixels tall: the log axis must start below 1", h)
	}
}

func TestHTMLHeadAndFootAreOneWellFormedPage(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTMLHead(&b, `run <a&b>`); err != nil {
		t.Fatal(err)
	}
	if err := (report.LineChart{ID: "c"}).WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTMLFoot(&b); err != nil {
		t.Fatal(err)
	}
	doc := parseXML(t, b.Bytes())
	titles := doc.all(func(n *node) bool { return n.name == "title" })
	if len(titles) != 1 || titles[0].text != "run <a&b>" {
		t.Errorf("page title %v", titles)
	}
	if len(doc.all(func(n *node) bool { return n.name == "style" })) != 1 || doc.byID(t, "c").name != "svg" {
		t.Error("want one inline style sheet and the chart")
	}
	if !strings.HasPrefix(b.String(), "<!DOCTYPE html>") || strings.Contains(b.String(), "https://") {
		t.Errorf("page start %.40q", b.String())
	}
}
