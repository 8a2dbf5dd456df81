package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"lamport/internal/textfmt"
)

// WriteSweepMarkdown writes one markdown table row per variant, each
// figure as "mean [min, max]" across the variant's seeds (the mean alone
// when every seed gave the same value), then, after a blank line, a list
// of what the figures that are easy to misread mean.
func WriteSweepMarkdown(w io.Writer, s Sweep) error {
	pw := &textfmt.Writer{W: w}
	header := []string{"variant", "runs"}
	align := []string{"---", "---:"}
	for _, fig := range sweepFigures {
		header = append(header, fig.title)
		align = append(align, "---:")
	}
	pw.Printf("| %s |\n| %s |\n", strings.Join(header, " | "), strings.Join(align, " | "))
	for i := range s.Variants {
		v := &s.Variants[i]
		row := []string{strings.ReplaceAll(v.Name, "|", `\|`), strconv.Itoa(len(v.Runs))}
		for _, fig := range sweepFigures {
			row = append(row, fig.spread(v).format(fig.digits))
		}
		pw.Printf("| %s |\n", strings.Join(row, " | "))
	}
	pw.Printf("\n")
	for _, note := range sweepNotes(s) {
		pw.Printf("- %s\n", note)
	}
	return pw.Err
}

func (s Spread) format(digits int) string {
	mean := textFloat(s.Mean, digits)
	lo, hi := textFloat(s.Min, digits), textFloat(s.Max, digits)
	if lo == hi {
		return mean
	}
	return mean + " [" + lo + ", " + hi + "]"
}

// WriteSweepCSV writes one row per variant for spreadsheets: the sweep id,
// the variant's name, one column per swept key (empty where a variant does
// not set it), the runs and their seeds, then mean, min, max and sample
// standard deviation of every figure.
func WriteSweepCSV(w io.Writer, s Sweep) error {
	var keys []string
	for _, v := range s.Variants {
		for _, set := range v.Settings {
			if !slices.Contains(keys, set.Key) {
				keys = append(keys, set.Key)
			}
		}
	}
	cw := csv.NewWriter(w)
	header := append([]string{"sweep", "variant"}, keys...)
	header = append(header, "runs", "seeds")
	for _, fig := range sweepFigures {
		header = append(header, fig.column+"_mean", fig.column+"_min", fig.column+"_max", fig.column+"_sd")
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write sweep csv: %w", err)
	}
	for i := range s.Variants {
		v := &s.Variants[i]
		row := []string{s.ID, v.Name}
		for _, k := range keys {
			row = append(row, v.setting(k))
		}
		seeds := make([]string, len(v.Runs))
		for j, r := range v.Runs {
			seeds[j] = textUint(r.Seed)
		}
		row = append(row, strconv.Itoa(len(v.Runs)), strings.Join(seeds, " "))
		for _, fig := range sweepFigures {
			sp := fig.spread(v)
			for _, x := range []float64{sp.Mean, sp.Min, sp.Max, sp.SD} {
				row = append(row, strconv.FormatFloat(x, 'g', 10, 64))
			}
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write sweep csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write sweep csv: %w", err)
	}
	return nil
}

func (v *Variant) setting(key string) string {
	for _, s := range v.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
