package main

import (
	"bufio"
	"encoding/json"
	"fmt"

	"lamport/report"
)

func reportCommand(e *env, args []string) error {
	var v viewFlags // only its runRef: a report covers the whole run
	var asJSON bool
	fs := newFlagSet(e, "report", "report RUN|latest|--seed N [--json] [--store S]",
		"The numbers of a run, computed in one streaming pass over the store. Per machine: tick\n"+
			"rate, events by kind, final clock; clock jumps (clock after an event minus before it:\n"+
			"count > 1, mean, p50, p90, p99, max, histogram); gaps (skipped clock values); queue\n"+
			"length (mean, p99, max, share of time non-empty); drift (least-squares clock units per\n"+
			"second of real time, against the fastest machine's, and the fastest machine's clock\n"+
			"minus this one's at each event: max and mean lag); messages sent, arrived and received\n"+
			"per pair. Run-wide: events, duration, messages still queued and in flight at the end.\n"+
			"RUN is a run id, a unique prefix of one, or 'latest'.")
	v.runRef.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print the analysis as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, meta, _, err := v.open(fs)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := report.Analyze(st, meta.ID)
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	out := bufio.NewWriter(e.stdout)
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(a)
	} else {
		err = report.WriteText(out, a)
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
