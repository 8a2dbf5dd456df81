package main

import (
	"fmt"
	"io"

	"lamport/report"
)

func reportCommand(e *env, args []string) error {
	var v viewFlags // only its runRef: a report covers the whole run
	var asJSON bool
	var htmlPath, window string
	fs := newFlagSet(e, "report", "report RUN|latest|--seed N [--json | --html FILE [--window A-B]] [--store S]",
		"The numbers of a run, computed in one streaming pass over the store. Per machine: tick\n"+
			"rate, events by kind, final clock; clock jumps (clock after an event minus before it:\n"+
			"count > 1, mean, p50, p90, p99, max, histogram); gaps (skipped clock values); queue\n"+
			"length (mean, p99, max, share of time non-empty); drift (least-squares clock units per\n"+
			"second of real time, against the fastest machine's, and the fastest machine's clock\n"+
			"minus this one's at each event: max and mean lag); messages sent, arrived and received\n"+
			"per pair. Run-wide: events, duration, messages still queued and in flight at the end.\n"+
			"RUN is a run id, a unique prefix of one, or 'latest'.\n\n"+
			"--html FILE writes one self-contained page instead (no scripts, no network): the\n"+
			"metadata, these numbers as tables, and plots of clock, lag behind the fastest machine\n"+
			"and queue length against time (downsampled to a fixed number of time buckets, so the\n"+
			"page stays small for any run), a jump histogram, and a space-time diagram of a window\n"+
			"of the run. The file is written whole or not at all; FILE '-' is stdout.\n"+
			"--window picks the diagram's events: FIRST-LAST positions in the run's timeline (all\n"+
			"machines' events in time order, as 'lamport show' lists them, from 1, both ends\n"+
			"included; at most 300), or FROM-TO times since the run's start as Go durations\n"+
			"(10s-20s: FROM included, TO not; the first 300 events drawn). Default: events 1-60.\n"+
			"See docs/REPORT.md.")
	v.runRef.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print the analysis as JSON")
	fs.StringVar(&htmlPath, "html", "", "write the report as an HTML page to `FILE` ('-': stdout)")
	fs.StringVar(&window, "window", "", "the space-time diagram's events: positions `A-B` (100-160) or times (10s-20s)")
	var lf logFlags
	lf.registerVerbose(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := lf.apply(e); err != nil {
		return err
	}
	var opts report.HTMLOptions
	switch {
	case asJSON && htmlPath != "":
		return usageErrorf("report: --json and --html are alternatives: choose one")
	case fs.Changed("html") && htmlPath == "":
		return usageErrorf("report: --html needs a file name, or '-' for stdout")
	case fs.Changed("window") && htmlPath == "":
		return usageErrorf("report: --window chooses the space-time diagram of --html; give --html FILE too")
	case fs.Changed("window"):
		w, err := report.ParseWindow(window)
		if err != nil {
			return usageErrorf("report: --window: %v", err)
		}
		opts.Window = w
	}
	st, meta, _, err := v.open(fs)
	if err != nil {
		return err
	}
	defer st.Close()
	if htmlPath != "" {
		return writeOutputFile(e, htmlPath, "the report's page", func(w io.Writer) error {
			if err := report.WriteHTML(w, st, meta.ID, opts); err != nil {
				return fmt.Errorf("store %s: %w", st.Path(), err)
			}
			return nil
		})
	}
	a, err := report.Analyze(st, meta.ID)
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	return writeResult(e.stdout, "report", asJSON, a, func(w io.Writer) error { return report.WriteText(w, a) })
}
