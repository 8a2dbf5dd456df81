// Package textfmt is the one home of the small pieces of text formatting
// that the reports of several packages share (replay's verdicts and diffs,
// report's tables, the CLI's summaries), so that a number or a table reads
// the same wherever it is printed.
package textfmt

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Thousands writes n with a space between groups of three digits: 82 800.
func Thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Writer keeps the first write error, so formatting code stays linear:
// write everything, then return Err.
type Writer struct {
	W   io.Writer
	Err error
}

// Printf writes unless an earlier write failed.
func (p *Writer) Printf(format string, args ...any) {
	if p.Err == nil {
		_, p.Err = fmt.Fprintf(p.W, format, args...)
	}
}

// Table writes rows with every column right-aligned to its widest cell,
// two spaces apart and indented by two, with no trailing spaces.
func (p *Writer) Table(rows [][]string) {
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
		p.Printf("%s\n", strings.TrimRight(b.String(), " "))
	}
}
