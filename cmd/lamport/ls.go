package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/record"
)

// lsRun is one row of 'lamport ls --json'.
type lsRun struct {
	ID       string      `json:"id"`
	Seed     uint64      `json:"seed"`
	Mode     string      `json:"mode"`
	Status   string      `json:"status"`
	Started  string      `json:"started"`
	Events   uint64      `json:"events"`
	Machines []lsMachine `json:"machines"`
	// Sweep and Variant tie a run to the 'lamport sweep' that made it.
	Sweep   string `json:"sweep,omitempty"`
	Variant string `json:"variant,omitempty"`
	// Options are the run's recorded settings beyond its parameters: its
	// duration, latency, faults, and what tools noted about it.
	Options map[string]string `json:"options,omitempty"`
	// machineCount is the table's MACHINES cell: "3", or "1/3" for a store
	// that holds part of a run.
	machineCount string
}

type lsMachine struct {
	ID   core.MachineID `json:"id"`
	Rate int            `json:"rate"`
}

// lsOptions are ls's flags.
type lsOptions struct {
	store  string
	asJSON bool
	limit  int
	sweep  string
}

func (o *lsOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "ls", "ls [--json]", "List the runs in the store, newest first.")
	fs.StringVar(&o.store, "store", "lamport.db", "bbolt store to read")
	fs.BoolVar(&o.asJSON, "json", false, "print a JSON array instead of a table")
	fs.IntVar(&o.limit, "limit", 0, "show at most this many runs (0: all)")
	fs.StringVar(&o.sweep, "sweep", "", "only the runs of this sweep id (or a unique prefix of one), with their variants")
	return fs
}

func (o *lsOptions) validate(e *env, fs *pflag.FlagSet) error {
	if o.limit < 0 {
		return usageErrorf("--limit must be 0 (all) or more, got %d", o.limit)
	}
	if fs.NArg() > 0 {
		return usageErrorf("ls takes no arguments, got %q", fs.Args())
	}
	return nil
}

func (o *lsOptions) run(e *env, fs *pflag.FlagSet) error {
	st, err := openStore(o.store, true)
	if err != nil {
		return err
	}
	defer st.Close()
	metas, err := st.Runs()
	if err != nil {
		return fmt.Errorf("store %s: %w", o.store, err)
	}
	if o.sweep != "" {
		id, err := resolveSweep(metas, o.sweep)
		if err != nil {
			return fmt.Errorf("store %s: %w", o.store, err)
		}
		metas = slices.DeleteFunc(metas, func(m record.RunMeta) bool { return m.Options["sweep"] != id })
	}
	if o.limit > 0 && len(metas) > o.limit {
		metas = metas[:o.limit]
	}
	rows := make([]lsRun, 0, len(metas))
	for _, m := range metas {
		stats, err := st.Stats(m.ID)
		if err != nil {
			return fmt.Errorf("store %s run %s: %w", o.store, m.ID, err)
		}
		row := lsRun{ID: m.ID, Seed: m.Seed, Mode: m.Mode, Status: string(m.Status), Started: m.Started.UTC().Format(time.RFC3339), Machines: []lsMachine{},
			Sweep: m.Options["sweep"], Variant: m.Options["variant"], Options: m.Options}
		for _, s := range stats {
			row.Events += s.Events
		}
		for _, mm := range m.Machines {
			row.Machines = append(row.Machines, lsMachine{ID: mm.ID, Rate: mm.Rate})
		}
		row.machineCount = fmt.Sprint(len(m.Machines))
		if m.Partial() {
			row.machineCount += "/" + fmt.Sprint(len(m.Config))
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && !o.asJSON {
		_, err := fmt.Fprintf(e.stdout, "no runs in store %s\n", o.store)
		return err
	}
	if o.asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	variant := func(r lsRun) string { return "" }
	header := "ID\tMODE\tSEED\tMACHINES\tEVENTS\tSTATUS\tSTARTED"
	if o.sweep != "" {
		variant = func(r lsRun) string { return "\t" + r.Variant }
		header += "\tVARIANT"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s%s\n", r.ID, r.Mode, r.Seed, r.machineCount, r.Events, r.Status, r.Started, variant(r))
	}
	return tw.Flush()
}

// resolveSweep finds the one sweep id among the runs that equals ref or
// starts with it.
func resolveSweep(metas []record.RunMeta, ref string) (string, error) {
	var found []string
	for _, m := range metas {
		id := m.Options["sweep"]
		if id == ref {
			return id, nil
		}
		if id != "" && strings.HasPrefix(id, ref) && !slices.Contains(found, id) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return "", usageErrorf("no sweep %q (lamport ls --json lists each run's sweep)", ref)
	case 1:
		return found[0], nil
	}
	return "", usageErrorf("sweep %q is ambiguous: %d sweeps start with it", ref, len(found))
}
