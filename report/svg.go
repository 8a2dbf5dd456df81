package report

// Small SVG chart primitives for self-contained HTML pages: a line chart, a
// grouped bar chart with optional whiskers, a fixed palette and the page
// skeleton. They write plain SVG 1.1 markup that is also well-formed XML
// (every element closed, every text and attribute escaped), use no
// JavaScript and fetch nothing, and give the same bytes for the same input.
//
// Layout is fixed: a title line, a legend (wrapped onto more lines when the
// series do not fit one), the plot area with a light grid at the ticks, tick
// labels, and the axis labels below and to the left of the plot. Text widths
// are estimated from the character count (no font metrics are available
// without a browser), so keep names and labels short.

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// palette is the fixed series palette: distinct hues that stay readable as
// thin lines on white, starting with blue, red, green.
var palette = [...]string{
	"#1f77b4", // blue
	"#d62728", // red
	"#2ca02c", // green
	"#ff7f0e", // orange
	"#9467bd", // purple
	"#8c564b", // brown
	"#e377c2", // pink
	"#17becf", // cyan
	"#7f7f7f", // grey
	"#bcbd22", // olive
}

// Colour returns the i-th colour of a fixed palette of ten, as "#rrggbb";
// i wraps around (negative i counts from the end). The HTML report gives
// machine id N the colour Colour(N-1) in every plot.
func Colour(i int) string {
	n := len(palette)
	return palette[((i%n)+n)%n]
}

// point is one (X, Y) value of a Series.
type point struct{ X, Y float64 }

// series is one named line of a lineChart.
type series struct {
	// Name is the series' legend entry and its polyline's data-series
	// attribute.
	Name string
	// Colour is a CSS colour; "" means Colour(i) for the chart's i-th
	// series.
	Colour string
	// Points are drawn in order, joined by straight lines. Points with a
	// NaN or infinite coordinate are skipped.
	Points []point
}

// valueRange fixes an axis to [Min, Max] instead of the data's extent (which is
// then widened to nice tick values).
type valueRange struct{ Min, Max float64 }

// lineChart is a chart of several named series of (x, y) points. WriteSVG
// draws one <polyline class="series"> per series with at least one point
// (plus a <circle class="marker"> per point when Markers is set), in the
// series' colour.
type lineChart struct {
	// ID is the <svg> element's id attribute; "" leaves it out.
	ID string
	// Title is drawn above the legend; XLabel and YLabel name the axes,
	// with their units, e.g. "time (s)".
	Title, XLabel, YLabel string
	// Width and Height are the chart's size in pixels; 0 means 900 by 320.
	Width, Height int
	Series        []series
	// X and Y fix an axis' range; nil fits it to the data. YFromZero
	// widens a fitted Y axis to include 0.
	X, Y      *valueRange
	YFromZero bool
	// Markers draws a dot at every point, for series with few points.
	Markers bool
	// Lines are 1.5 pixels wide. Nested draws earlier series wider (each
	// one wider than the next by up to 1.5, at most 7.5 in all), so that series
	// which coincide all stay visible as nested bands of colour.
	Nested bool
}

// bar is one bar of a barGroup.
type bar struct {
	Value float64
	// When HasRange is set, a whisker is drawn from Lo to Hi (for example
	// the minimum and maximum across seeds around a mean Value).
	Lo, Hi   float64
	HasRange bool
}

// barGroup is one labelled group of bars on the x axis: Bars[i] belongs to
// the chart's i-th series. A group may have fewer bars than there are
// series; the missing ones are not drawn.
type barGroup struct {
	Label string
	Bars  []bar
}

// barChart is a grouped bar chart: along the x axis one group per entry of
// Groups, within a group one bar per series, coloured by series, with a
// legend of Series. WriteSVG draws one <rect class="bar"> per bar drawn
// (bars at 0, or at or below 0 on a log axis, are not drawn) and one
// <path class="whisker"> per bar with a range.
type barChart struct {
	// ID, Title, XLabel, YLabel, Width and Height are as in lineChart.
	ID                    string
	Title, XLabel, YLabel string
	Width, Height         int
	// Series names the bars of each group, in order, for the legend.
	Series []string
	// Colours optionally gives each series' colour; a missing or ""
	// entry means Colour(i).
	Colours []string
	Groups  []barGroup
	// LogY draws the y axis in powers of ten, for long-tailed counts.
	LogY bool
	// Y fixes the y range (on a log axis, Min must be positive); nil fits
	// it to the data, always including 0 on a linear axis.
	Y *valueRange
}

// chart geometry shared by both charts.
const (
	defaultChartWidth  = 900
	defaultChartHeight = 320
	chartFontSize      = 12
	charWidth          = 6.8 // estimated mean width of a 12px sans-serif character
	legendSwatch       = 12
)

// frame is a chart's plot area within its SVG, and the data ranges mapped
// onto it.
type frame struct {
	width, height          float64
	left, top, right, bott float64 // plot area edges
	x0, x1, y0, y1         float64 // data range
	logY                   bool
}

func (f *frame) px(x float64) float64 {
	if f.x1 == f.x0 {
		return f.left
	}
	return f.left + (x-f.x0)/(f.x1-f.x0)*(f.right-f.left)
}

func (f *frame) py(y float64) float64 {
	lo, hi := f.y0, f.y1
	if f.logY {
		y, lo, hi = math.Log10(y), math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		return f.bott
	}
	return f.bott - (y-lo)/(hi-lo)*(f.bott-f.top)
}

// svgWriter writes markup, keeping the first error.
type svgWriter struct {
	w   *bufio.Writer
	err error
}

func newSVGWriter(w io.Writer) *svgWriter {
	if bw, ok := w.(*bufio.Writer); ok {
		return &svgWriter{w: bw}
	}
	return &svgWriter{w: bufio.NewWriter(w)}
}

func (s *svgWriter) printf(format string, args ...any) {
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, format, args...)
	}
}

func (s *svgWriter) str(v string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(v)
	}
}

func (s *svgWriter) flush() error {
	if s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

// esc escapes s for XML and HTML text and attribute values (&, <, >, ' and
// ").
func esc(s string) string { return html.EscapeString(s) }

// num formats a coordinate with at most one decimal, without a trailing
// ".0", so the markup stays small and stable.
func num(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// niceTicks returns about n (at least 2) evenly spaced round tick values
// (steps of 1, 2 or 5 times a power of ten) whose first is <= lo and whose
// last is >= hi, to within a billionth of a step: the axis then runs from
// the first tick to the last. A
// range with lo == hi is widened around it; NaN or infinite bounds give
// the ticks of [0, 1].
func niceTicks(lo, hi float64, n int) []float64 {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = 0, 1
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo == hi {
		d := math.Max(math.Abs(lo)*0.1, 1)
		lo, hi = lo-d, hi+d
		if lo < 0 && lo+d >= 0 {
			lo = 0 // keep a non-negative value's axis non-negative
		}
	}
	n = max(n, 2)
	step := niceStep((hi - lo) / float64(n))
	first := math.Floor(lo/step+1e-9) * step
	last := math.Ceil(hi/step-1e-9) * step
	var ticks []float64
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, v)
		if v >= last-step*1e-9 || i > 1000 {
			break
		}
	}
	return ticks
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel formats tick v of a sequence with the given step: as few
// decimals as the step needs.
func tickLabel(v, step float64) string {
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strconv.FormatFloat(0, 'f', dec, 64)
	}
	return s
}

// legendEntry is one series' swatch and name.
type legendEntry struct{ name, colour string }

// legendLayout places entries in rows within width, starting at x0, and
// returns each entry's position and the number of rows.
func legendLayout(entries []legendEntry, x0, width float64) (xs []float64, rows []int, nrows int) {
	x, row := x0, 0
	for _, e := range entries {
		w := legendSwatch + 6 + float64(len([]rune(e.name)))*charWidth + 18
		if x > x0 && x+w > x0+width {
			x, row = x0, row+1
		}
		xs = append(xs, x)
		rows = append(rows, row)
		x += w
	}
	if len(entries) > 0 {
		nrows = row + 1
	}
	return xs, rows, nrows
}

// open writes the <svg> start tag, the title and the legend, and returns
// the frame with its plot area placed; the caller sets the data ranges.
func (s *svgWriter) open(id, title string, width, height int, legend []legendEntry, yTickWidth float64) *frame {
	if width <= 0 {
		width = defaultChartWidth
	}
	if height <= 0 {
		height = defaultChartHeight
	}
	f := &frame{width: float64(width), height: float64(height)}
	f.left = math.Max(70, 30+yTickWidth)
	f.right = f.width - 16
	xs, rows, nrows := legendLayout(legend, f.left, f.right-f.left)
	top := 8.0
	if title != "" {
		top += 18
	}
	legendTop := top
	top += float64(nrows) * 18
	f.top = top + 10
	f.bott = f.height - 44

	idAttr := ""
	if id != "" {
		idAttr = ` id="` + esc(id) + `"`
	}
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg"%s class="chart" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="%d">`+"\n",
		idAttr, width, height, width, height, chartFontSize)
	s.printf(`<rect class="background" x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	if title != "" {
		s.printf(`<text class="title" x="%s" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", num(f.left), esc(title))
	}
	for i, e := range legend {
		y := legendTop + float64(rows[i])*18
		s.printf(`<g class="legend-entry" data-series="%s"><rect x="%s" y="%s" width="%d" height="%d" fill="%s"/><text x="%s" y="%s">%s</text></g>`+"\n",
			esc(e.name), num(xs[i]), num(y+2), legendSwatch, legendSwatch, esc(e.colour), num(xs[i]+legendSwatch+6), num(y+12), esc(e.name))
	}
	return f
}

// axes draws the grid, the tick labels, the plot frame and the axis labels.
// xTicks or yTicks may carry their own labels.
func (s *svgWriter) axes(f *frame, xTicks []float64, xLabels []string, yTicks []float64, yLabels []string, xLabel, yLabel string) {
	s.str(`<g class="grid" stroke="#e4e4e4" stroke-width="1">` + "\n")
	for _, y := range yTicks {
		p := num(f.py(y))
		s.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(f.left), p, num(f.right), p)
	}
	for _, x := range xTicks {
		p := num(f.px(x))
		s.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", p, num(f.top), p, num(f.bott))
	}
	s.str("</g>\n")
	s.printf(`<rect class="plot-area" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#888888"/>`+"\n",
		num(f.left), num(f.top), num(f.right-f.left), num(f.bott-f.top))
	if len(xTicks) > 0 {
		s.str(`<g class="x-ticks" text-anchor="middle" fill="#333333">` + "\n")
		for i, x := range xTicks {
			s.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(f.px(x)), num(f.bott+16), esc(xLabels[i]))
		}
		s.str("</g>\n")
	}
	s.str(`<g class="y-ticks" text-anchor="end" fill="#333333">` + "\n")
	for i, y := range yTicks {
		s.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(f.left-6), num(f.py(y)+4), esc(yLabels[i]))
	}
	s.str("</g>\n")
	s.printf(`<text class="axis-label x-label" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n",
		num((f.left+f.right)/2), num(f.height-8), esc(xLabel))
	cy := (f.top + f.bott) / 2
	s.printf(`<text class="axis-label y-label" x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)">%s</text>`+"\n",
		num(cy), num(cy), esc(yLabel))
}

// labelsFor formats ticks with the decimals their step needs.
func labelsFor(ticks []float64) []string {
	step := 0.0
	if len(ticks) > 1 {
		step = ticks[1] - ticks[0]
	}
	out := make([]string, len(ticks))
	for i, v := range ticks {
		out[i] = tickLabel(v, step)
	}
	return out
}

// maxLabelWidth is the estimated width of the widest label.
func maxLabelWidth(labels []string) float64 {
	w := 0
	for _, l := range labels {
		w = max(w, len([]rune(l)))
	}
	return float64(w) * charWidth
}

func finite(p point) bool {
	return !math.IsNaN(p.X) && !math.IsNaN(p.Y) && !math.IsInf(p.X, 0) && !math.IsInf(p.Y, 0)
}

// WriteSVG writes the chart as one <svg> element.
func (c lineChart) WriteSVG(w io.Writer) error {
	s := newSVGWriter(w)
	// The data extent.
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, se := range c.Series {
		for _, p := range se.Points {
			if !finite(p) {
				continue
			}
			xlo, xhi = math.Min(xlo, p.X), math.Max(xhi, p.X)
			ylo, yhi = math.Min(ylo, p.Y), math.Max(yhi, p.Y)
		}
	}
	if xlo > xhi { // no points
		xlo, xhi, ylo, yhi = 0, 1, 0, 1
	}
	if c.YFromZero {
		ylo, yhi = math.Min(ylo, 0), math.Max(yhi, 0)
	}
	xTicks, yTicks := axisTicks(xlo, xhi, c.X, 10), axisTicks(ylo, yhi, c.Y, 6)
	yLabels := labelsFor(yTicks)

	legend := make([]legendEntry, len(c.Series))
	for i, se := range c.Series {
		legend[i] = legendEntry{se.Name, cmpColour(se.Colour, i)}
	}
	f := s.open(c.ID, c.Title, c.Width, c.Height, legend, maxLabelWidth(yLabels))
	f.x0, f.x1 = xTicks[0], xTicks[len(xTicks)-1]
	f.y0, f.y1 = yTicks[0], yTicks[len(yTicks)-1]
	if c.X != nil {
		f.x0, f.x1 = c.X.Min, c.X.Max
	}
	if c.Y != nil {
		f.y0, f.y1 = c.Y.Min, c.Y.Max
	}
	s.axes(f, xTicks, labelsFor(xTicks), yTicks, yLabels, c.XLabel, c.YLabel)

	for i, se := range c.Series {
		col := esc(cmpColour(se.Colour, i))
		lineWidth := 1.5
		if n := len(c.Series); c.Nested && n > 1 {
			lineWidth += float64(n-1-i) * math.Min(1.5, 6/float64(n-1))
		}
		var pts strings.Builder
		n := 0
		for _, p := range se.Points {
			if !finite(p) {
				continue
			}
			if n > 0 {
				pts.WriteByte(' ')
			}
			pts.WriteString(num(f.px(p.X)))
			pts.WriteByte(',')
			pts.WriteString(num(f.py(p.Y)))
			n++
		}
		if n == 0 {
			continue
		}
		s.printf(`<polyline class="series" data-series="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" points="%s"/>`+"\n",
			esc(se.Name), col, num(lineWidth), pts.String())
		if c.Markers || n == 1 {
			for _, p := range se.Points {
				if finite(p) {
					s.printf(`<circle class="marker" data-series="%s" cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", esc(se.Name), num(f.px(p.X)), num(f.py(p.Y)), col)
				}
			}
		}
	}
	s.str("</svg>\n")
	return s.flush()
}

// axisTicks is the ticks of a fitted axis, or those within a fixed range.
func axisTicks(lo, hi float64, fixed *valueRange, n int) []float64 {
	if fixed == nil {
		return niceTicks(lo, hi, n)
	}
	var in []float64
	for _, t := range niceTicks(fixed.Min, fixed.Max, n) {
		if t >= math.Min(fixed.Min, fixed.Max)-1e-9 && t <= math.Max(fixed.Min, fixed.Max)+1e-9 {
			in = append(in, t)
		}
	}
	if len(in) == 0 {
		in = []float64{fixed.Min, fixed.Max}
	}
	return in
}

func cmpColour(c string, i int) string {
	if c == "" {
		return Colour(i)
	}
	return c
}

// logTicks returns the powers of ten from the largest one <= lo up to the
// smallest one >= hi (lo > 0).
func logTicks(lo, hi float64) []float64 {
	a, b := math.Floor(math.Log10(lo)+1e-9), math.Ceil(math.Log10(hi)-1e-9)
	if b <= a {
		b = a + 1
	}
	var out []float64
	for k := a; k <= b && len(out) < 40; k++ {
		out = append(out, math.Pow(10, k))
	}
	return out
}

// WriteSVG writes the chart as one <svg> element.
func (c barChart) WriteSVG(w io.Writer) error {
	s := newSVGWriter(w)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	minPos := math.Inf(1)
	for _, g := range c.Groups {
		for _, b := range g.Bars {
			vals := []float64{b.Value}
			if b.HasRange {
				vals = append(vals, b.Lo, b.Hi)
			}
			for _, v := range vals {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				ylo, yhi = math.Min(ylo, v), math.Max(yhi, v)
				if v > 0 {
					minPos = math.Min(minPos, v)
				}
			}
		}
	}
	var yTicks []float64
	var y0, y1 float64
	switch {
	case c.LogY:
		if math.IsInf(minPos, 1) {
			minPos, yhi = 1, 10
		}
		lo, hi := minPos, yhi
		if c.Y != nil && c.Y.Min > 0 {
			lo, hi = c.Y.Min, c.Y.Max
		}
		yTicks = logTicks(lo, hi)
		// Half a decade below the smallest value, so that the smallest
		// bar still shows.
		y0, y1 = math.Min(yTicks[0], lo/math.Sqrt(10)), yTicks[len(yTicks)-1]
		if c.Y != nil && c.Y.Min > 0 {
			y0, y1 = c.Y.Min, c.Y.Max
		}
		for len(yTicks) > 0 && yTicks[0] < y0*(1-1e-9) {
			yTicks = yTicks[1:]
		}
	default:
		if ylo > yhi {
			ylo, yhi = 0, 1
		}
		yTicks = axisTicks(math.Min(ylo, 0), math.Max(yhi, 0), c.Y, 6)
		y0, y1 = yTicks[0], yTicks[len(yTicks)-1]
		if c.Y != nil {
			y0, y1 = c.Y.Min, c.Y.Max
		}
	}
	yLabels := labelsFor(yTicks)
	if c.LogY {
		for i, v := range yTicks {
			yLabels[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}

	colours := make([]string, len(c.Series))
	legend := make([]legendEntry, len(c.Series))
	for i, name := range c.Series {
		col := ""
		if i < len(c.Colours) {
			col = c.Colours[i]
		}
		colours[i] = cmpColour(col, i)
		legend[i] = legendEntry{name, colours[i]}
	}
	f := s.open(c.ID, c.Title, c.Width, c.Height, legend, maxLabelWidth(yLabels))
	f.logY, f.y0, f.y1 = c.LogY, y0, y1
	// Groups sit at x = 0.5, 1.5, ...; the axis runs 0 to len(Groups).
	f.x0, f.x1 = 0, float64(max(len(c.Groups), 1))
	xTicks := make([]float64, len(c.Groups))
	xLabels := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		xTicks[i], xLabels[i] = float64(i)+0.5, g.Label
	}
	// Grid lines between groups read better than through them: draw the
	// x grid by hand and give axes no x ticks, then place the labels.
	s.axes(f, nil, nil, yTicks, yLabels, c.XLabel, c.YLabel)
	s.str(`<g class="x-ticks" text-anchor="middle" fill="#333333">` + "\n")
	for i := range xTicks {
		s.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(f.px(xTicks[i])), num(f.bott+16), esc(xLabels[i]))
	}
	s.str("</g>\n")

	base := f.bott
	if !c.LogY {
		base = f.py(math.Max(math.Min(0, y1), y0))
	}
	nSeries := max(len(c.Series), 1)
	groupW := (f.right - f.left) / float64(max(len(c.Groups), 1))
	barW := groupW * 0.8 / float64(nSeries)
	for gi, g := range c.Groups {
		for si, b := range g.Bars {
			if si >= len(c.Series) {
				break
			}
			x := f.left + float64(gi)*groupW + groupW*0.1 + float64(si)*barW
			label := c.Series[si] + ", " + g.Label + ": " + strconv.FormatFloat(b.Value, 'g', -1, 64)
			if !(c.LogY && b.Value <= 0) && b.Value != 0 && !math.IsNaN(b.Value) && !math.IsInf(b.Value, 0) {
				top := f.py(b.Value)
				y, h := math.Min(top, base), math.Abs(base-top)
				s.printf(`<rect class="bar" data-series="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
					esc(c.Series[si]), num(x+0.5), num(y), num(math.Max(barW-1, 1)), num(h), esc(colours[si]), esc(label))
			}
			if b.HasRange && !(c.LogY && (b.Lo <= 0 || b.Hi <= 0)) {
				cx := num(x + barW/2)
				lo, hi := num(f.py(b.Lo)), num(f.py(b.Hi))
				l, r := num(x+barW/2-math.Min(4, barW/3)), num(x+barW/2+math.Min(4, barW/3))
				s.printf(`<path class="whisker" data-series="%s" d="M%s %sV%sM%s %sH%sM%s %sH%s" stroke="#222222" stroke-width="1.2" fill="none"/>`+"\n",
					esc(c.Series[si]), cx, lo, hi, l, lo, r, l, hi, r)
			}
		}
	}
	s.str("</svg>\n")
	return s.flush()
}

// pageCSS is the report page's whole style sheet. It holds no '<' or '&',
// so the page stays well-formed XML.
const pageCSS = `body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eee; }
th { text-align: right; font-weight: 600; background: #f6f6f6; }
td { text-align: right; font-variant-numeric: tabular-nums; }
table.meta th, table.meta td { text-align: left; }
td.swatch { text-align: left; white-space: nowrap; }
span.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: baseline; }
figure { margin: 18px 0 26px; }
figcaption { font-size: 13px; color: #444; margin-top: 4px; max-width: 900px; }
div.scroll { overflow-x: auto; }
svg.chart { display: block; max-width: none; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
p.note { font-size: 13px; color: #444; }
p.summary { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; white-space: pre-wrap; }
`

// writeHTMLHead writes the start of a self-contained HTML page, up to and
// including the opening <body> tag: doctype, character set, title and the
// inline style sheet for tables, figures and charts. The markup is also
// well-formed XML, so a page of writeHTMLHead, charts and tables, and
// writeHTMLFoot parses with encoding/xml; keep it so by closing every
// element and escaping text with Esc.
func writeHTMLHead(w io.Writer, title string) error {
	_, err := fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		esc(title), pageCSS)
	return err
}

// writeHTMLFoot closes what writeHTMLHead opened.
func writeHTMLFoot(w io.Writer) error {
	_, err := io.WriteString(w, "</body>\n</html>\n")
	return err
}
