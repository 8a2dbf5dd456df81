package main

import (
	"fmt"
	"io"
	"path/filepath"

	"lamport/record"
	"lamport/replay"
)

type diffOptions struct {
	store, storeB string
	json          bool
	context       int
}

func diffCommand(e *env, args []string) error {
	var o diffOptions
	fs := newFlagSet(e, "diff", "diff RUN_A RUN_B [--store S] [--store-b S2] [--json] [--context N]",
		"Compare two recorded runs machine by machine, aligning events by index (arrivals and\n"+
			"times are not compared, so a live run and its sim counterpart can be identical).\n"+
			"Prints \"identical\" or the first difference with the events before it, then per machine\n"+
			"the events of each run, how many differ, the final clocks and the largest clock\n"+
			"difference, and each run's clock jumps and queue lengths.\n"+
			"RUN is a run id, a unique prefix of one, or 'latest'. Exit 0 identical, 1 different.")
	fs.StringVar(&o.store, "store", "lamport.db", "bbolt store to read (RUN_A's, and RUN_B's unless --store-b)")
	fs.StringVar(&o.storeB, "store-b", "", "bbolt store of RUN_B (default: --store)")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	fs.IntVar(&o.context, "context", replay.DefaultDiffContext, "events to show before the first difference")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("diff needs two runs, RUN_A RUN_B (an id, a unique prefix, or 'latest'), got %d arguments", fs.NArg())
	}
	if o.context < 0 {
		return usageErrorf("--context must not be negative, got %d", o.context)
	}
	if o.storeB == "" {
		o.storeB = o.store
	}

	stA, err := openStore(o.store, true)
	if err != nil {
		return err
	}
	defer stA.Close()
	stB := stA
	if !sameFile(o.store, o.storeB) {
		if stB, err = openStore(o.storeB, true); err != nil {
			return err
		}
		defer stB.Close()
	}
	metaA, err := resolveRun(stA, "RUN_A", fs.Arg(0))
	if err != nil {
		return err
	}
	metaB, err := resolveRun(stB, "RUN_B", fs.Arg(1))
	if err != nil {
		return err
	}

	opt := replay.DiffOptions{Context: o.context}
	if o.context == 0 {
		opt.Context = -1 // none; DiffOptions reads 0 as the default
	}
	res, err := replay.Diff(stA, stB, metaA.ID, metaB.ID, opt)
	if err != nil {
		return err
	}
	if err := writeResult(e.stdout, "diff", o.json, res, func(w io.Writer) error { return replay.WriteDiffReport(w, res) }); err != nil {
		return err
	}
	if !res.Identical() {
		return errDifferent
	}
	return nil
}

// resolveRun resolves a run reference, naming the store and which
// argument it was in the error.
func resolveRun(st *record.Store, which, ref string) (record.RunMeta, error) {
	m, err := st.Resolve(ref)
	if err != nil {
		return m, fmt.Errorf("%s: store %s: %w", which, st.Path(), err)
	}
	return m, nil
}

// sameFile reports whether two store paths name the same file, so it is
// opened once.
func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
