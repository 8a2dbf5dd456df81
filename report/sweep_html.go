package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"lamport/internal/textfmt"
)

// WriteSweepHTML writes a sweep as one self-contained page: the table of
// WriteSweepMarkdown, then one bar chart per figure with the variants side
// by side, each bar the mean across seeds with a whisker from the lowest to
// the highest seed. Like the run report it needs no network and no
// JavaScript, and it is well-formed XML.
func WriteSweepHTML(w io.Writer, s Sweep) error {
	pw := &textfmt.Writer{W: w}
	if err := writeHTMLHead(w, "lamport sweep "+s.ID); err != nil {
		return fmt.Errorf("write sweep html: %w", err)
	}
	runs := 0
	for _, v := range s.Variants {
		runs += len(v.Runs)
	}
	var seeds []string
	if len(s.Variants) > 0 {
		for _, r := range s.Variants[0].Runs {
			seeds = append(seeds, textUint(r.Seed))
		}
	}
	pw.Printf("<h1>Sweep %s</h1>\n<p class=\"note\">%d variants, %d runs of %s each, mode %s, seeds %s (the same for every variant). "+
		"Each figure is the mean across the variant's seeds, with [min, max]. lamport ls --sweep %s lists the runs.</p>\n",
		esc(s.ID), len(s.Variants), runs, s.Duration, esc(s.Mode), esc(strings.Join(seeds, ", ")), esc(s.ID))

	labels := sweepLabels(s.Variants)
	pw.Printf("<table id=\"sweep-table\">\n<tr><th style=\"text-align: left\">label</th><th style=\"text-align: left\">variant</th><th>runs</th>")
	for _, fig := range sweepFigures {
		pw.Printf("<th>%s</th>", esc(fig.title))
	}
	pw.Printf("</tr>\n")
	for i := range s.Variants {
		v := &s.Variants[i]
		// The name keeps to one line and takes the width it needs; each
		// figure puts its [min, max] under the mean in a smaller font, so
		// the table fits a 1280-pixel window.
		pw.Printf("<tr><td style=\"text-align: left\">%s</td><td style=\"text-align: left; white-space: nowrap\">%s</td><td>%d</td>", esc(labels[i]), esc(v.Name), len(v.Runs))
		for _, fig := range sweepFigures {
			mean, spread, ranged := strings.Cut(fig.spread(v).format(fig.digits), " [")
			if !ranged {
				pw.Printf("<td style=\"white-space: nowrap\">%s</td>", esc(mean))
				continue
			}
			pw.Printf("<td style=\"white-space: nowrap\">%s<br/><span style=\"font-size: 11px; color: #555\">[%s</span></td>", esc(mean), esc(spread))
		}
		pw.Printf("</tr>\n")
	}
	pw.Printf("</table>\n")
	for _, note := range sweepNotes(s) {
		pw.Printf("<p class=\"note\">%s.</p>\n", esc(note))
	}
	if pw.Err != nil {
		return fmt.Errorf("write sweep html: %w", pw.Err)
	}

	// Two charts to a row on a wide screen: the variants side by side in
	// each, the figures side by side across.
	pw.Printf("<div style=\"display: flex; flex-wrap: wrap; gap: 8px 24px\">\n")
	for _, fig := range sweepFigures {
		chart := barChart{
			ID:     "sweep-" + strings.ReplaceAll(fig.column, "_", "-"),
			Title:  fig.title + " (mean across seeds, min to max)",
			XLabel: "variant",
			YLabel: fig.title,
			Series: []string{"mean across seeds"},
			Width:  sweepChartWidth,
			Height: 280,
		}
		for i := range s.Variants {
			sp := fig.spread(&s.Variants[i])
			chart.Groups = append(chart.Groups, barGroup{Label: labels[i], Bars: []bar{{Value: sp.Mean, Lo: sp.Min, Hi: sp.Max, HasRange: true}}})
		}
		pw.Printf("<figure>\n")
		if pw.Err == nil {
			pw.Err = chart.WriteSVG(w)
		}
		pw.Printf("</figure>\n")
	}
	pw.Printf("</div>\n")
	if pw.Err == nil {
		pw.Err = writeHTMLFoot(w)
	}
	if pw.Err != nil {
		return fmt.Errorf("write sweep html: %w", pw.Err)
	}
	return nil
}

// sweepChartWidth fits two charts side by side in the page's 1000 pixels.
const sweepChartWidth = 470

// sweepLabels names the variants on a chart's x axis: their settings when
// they all fit under their bars, else V1, V2, ... as the table's first
// column says.
func sweepLabels(variants []Variant) []string {
	labels := make([]string, len(variants))
	widest := 0
	for i, v := range variants {
		parts := make([]string, len(v.Settings))
		for j, s := range v.Settings {
			parts[j] = s.Key + "=" + s.Value
		}
		labels[i] = strings.Join(parts, " ")
		if labels[i] == "" {
			labels[i] = v.Name
		}
		widest = max(widest, len(labels[i]))
	}
	if len(variants) > 0 && float64(widest)*charWidth > 0.8*float64(sweepChartWidth-120)/float64(len(variants)) {
		for i := range labels {
			labels[i] = "V" + strconv.Itoa(i+1)
		}
	}
	return labels
}
