package main

import (
	"fmt"
	"io"

	"lamport/report"
)

func reportCommand(e *env, args []string) error {
	var v viewFlags // only its runRef: a report covers the whole run
	var asJSON, allCausality bool
	var htmlPath, window string
	fs := newFlagSet(e, "report", "report RUN|latest|--seed N [--json | --html FILE [--window A-B]] [--causality] [--store S]",
		"The numbers of a run, computed in one streaming pass over the store. Per machine: tick\n"+
			"rate, events by kind, final clock; clock jumps (clock after an event minus before it:\n"+
			"count > 1, mean, p50, p90, p99, max, histogram); gaps (skipped clock values); queue at\n"+
			"tick (the messages waiting when a tick came, before a receive takes one: mean, p99,\n"+
			"max), the share of time the queue was non-empty, and what was left in it at the end;\n"+
			"drift (least-squares clock units per second; vs fastest: this machine's clock rate\n"+
			"minus the fastest machine's, the one with the highest drawn tick rate, negative =\n"+
			"falling behind; and the fastest machine's clock minus this one's at each event: max\n"+
			"and mean lag); messages sent, arrived and received per pair. Run-wide: events,\n"+
			"duration, messages still queued and in flight at the end. In a live run at --speed S,\n"+
			"per second means per second of the model's time (wall seconds x S), so the figures\n"+
			"compare with the drawn tick rates.\n"+
			"What Lamport clocks cannot tell: of all pairs of events on different machines, how many\n"+
			"are ordered by happened-before, how many are concurrent, and how many share a Lamport\n"+
			"clock (counted in causal order beside the main pass, for runs of up to "+fmt.Sprint(report.CausalityDefaultMachines)+" machines\n"+
			"unless --causality; 'lamport why' explains one pair).\n"+
			"RUN is a run id, a unique prefix of one, or 'latest'.\n\n"+
			"--html FILE writes one self-contained page instead (no scripts, no network): the\n"+
			"metadata, these numbers as tables, and plots of clock, lag behind the fastest machine\n"+
			"and queue at tick against time (downsampled to a fixed number of time buckets, so the\n"+
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
	fs.BoolVar(&allCausality, "causality", false, fmt.Sprintf("count what Lamport clocks cannot tell for runs of more than %d machines too (up to %d; slower)", report.CausalityDefaultMachines, report.CausalityMaxMachines))
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
	if allCausality {
		opts.CausalityMachines = report.CausalityMaxMachines
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
	a, err := report.AnalyzeWithCausality(st, meta.ID, opts.CausalityMachines)
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	return writeResult(e.stdout, "report", asJSON, a, func(w io.Writer) error { return report.WriteText(w, a) })
}
