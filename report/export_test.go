package report

// The SVG kit is the report's own; its tests, in package report_test,
// reach it through these names.
type (
	LineChart = lineChart
	BarChart  = barChart
	BarGroup  = barGroup
	Bar       = bar
	Series    = series
	Point     = point
	Range     = valueRange
)

var (
	Esc           = esc
	NiceTicks     = niceTicks
	WriteHTMLHead = writeHTMLHead
	WriteHTMLFoot = writeHTMLFoot
)
