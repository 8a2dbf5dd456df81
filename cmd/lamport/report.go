package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"lamport/report"
)

// reportOptions are report's flags.
type reportOptions struct {
	v            viewFlags // only its runRef: a report covers the whole run
	asJSON       bool
	allCausality bool
	htmlPath     string
	window       string
	lf           logFlags
	// html are the page's options, from the flags.
	html report.HTMLOptions
}

func (o *reportOptions) flags(e *env) *pflag.FlagSet {
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
	o.v.runRef.register(fs)
	fs.BoolVar(&o.asJSON, "json", false, "print the analysis as JSON")
	fs.StringVar(&o.htmlPath, "html", "", "write the report as an HTML page to `FILE` ('-': stdout)")
	fs.BoolVar(&o.allCausality, "causality", false, fmt.Sprintf("count what Lamport clocks cannot tell for runs of more than %d machines too (up to %d; slower)", report.CausalityDefaultMachines, report.CausalityMaxMachines))
	fs.StringVar(&o.window, "window", "", "the space-time diagram's events: positions `A-B` (100-160) or times (10s-20s)")
	o.lf.registerVerbose(fs)
	return fs
}

func (o *reportOptions) validate(e *env, fs *pflag.FlagSet) error {
	if err := o.lf.apply(e); err != nil {
		return err
	}
	switch {
	case o.asJSON && o.htmlPath != "":
		return usageErrorf("report: --json and --html are alternatives: choose one")
	case fs.Changed("html") && o.htmlPath == "":
		return usageErrorf("report: --html needs a file name, or '-' for stdout")
	case fs.Changed("window") && o.htmlPath == "":
		return usageErrorf("report: --window chooses the space-time diagram of --html; give --html FILE too")
	case fs.Changed("window"):
		w, err := report.ParseWindow(o.window)
		if err != nil {
			return usageErrorf("report: --window: %v", err)
		}
		o.html.Window = w
	}
	if o.allCausality {
		o.html.CausalityMachines = report.CausalityMaxMachines
	}
	return nil
}

func (o *reportOptions) run(e *env, fs *pflag.FlagSet) error {
	st, meta, _, err := o.v.open(fs)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.htmlPath != "" {
		return writeOutputFile(e, o.htmlPath, "the report's page", func(w io.Writer) error {
			if err := report.WriteHTML(w, st, meta.ID, o.html); err != nil {
				return fmt.Errorf("store %s: %w", st.Path(), err)
			}
			return nil
		})
	}
	a, err := report.AnalyzeWithCausality(st, meta.ID, o.html.CausalityMachines)
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	return writeResult(e.stdout, "report", o.asJSON, a, func(w io.Writer) error { return report.WriteText(w, a) })
}
