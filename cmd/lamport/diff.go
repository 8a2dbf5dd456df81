package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/pflag"

	"lamport/record"
	"lamport/replay"
)

// diffOptions are diff's flags, and the two runs they and the arguments
// name.
type diffOptions struct {
	store, storeB string
	seed, seedB   uint64
	json          bool
	context       int
	refs          [2]diffRef
}

func (o *diffOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "diff", "diff RUN_A RUN_B | --seed N [RUN_B | --seed-b M] [--store S] [--store-b S2] [--json] [--context N]",
		"Compare two recorded runs machine by machine, aligning events by index (arrivals and\n"+
			"times are not compared, so a live run and its sim counterpart can be identical).\n"+
			"Prints \"identical\" or the first difference with the events before it, then per machine\n"+
			"the events of each run, how many differ, the final clocks and the largest clock\n"+
			"difference, and each run's clock jumps and queue lengths.\n"+
			"RUN is a run id, a unique prefix of one, or 'latest'. --seed N names RUN_A as the latest\n"+
			"run with seed N (as in show and replay), and --seed-b M names RUN_B the same way, in\n"+
			"--store-b. When both name the same seed in the same store, RUN_B is the run with that\n"+
			"seed before RUN_A: 'diff --seed 7 --seed-b 7' compares the two latest runs of seed 7\n"+
			"(say a live run and its sim). Exit 0 identical, 1 different.")
	fs.StringVar(&o.store, "store", "lamport.db", "bbolt store to read (RUN_A's, and RUN_B's unless --store-b)")
	fs.StringVar(&o.storeB, "store-b", "", "bbolt store of RUN_B (default: --store)")
	fs.Uint64Var(&o.seed, "seed", 0, "RUN_A is the latest run recorded with this seed")
	fs.Uint64Var(&o.seedB, "seed-b", 0, "RUN_B is the latest run recorded with this seed (in --store-b)")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	fs.IntVar(&o.context, "context", replay.DefaultDiffContext, "events to show before the first difference")
	return fs
}

func (o *diffOptions) validate(e *env, fs *pflag.FlagSet) error {
	var err error
	if o.refs, err = o.runRefs(fs); err != nil {
		return err
	}
	if o.context < 0 {
		return usageErrorf("--context must not be negative, got %d", o.context)
	}
	if o.storeB == "" {
		o.storeB = o.store
	}
	return nil
}

func (o *diffOptions) run(e *env, fs *pflag.FlagSet) error {
	refs := o.refs
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
	metaA, err := refs[0].resolve(stA, "RUN_A", "")
	if err != nil {
		return err
	}
	// The same seed twice in one store would name one run twice; RUN_B is
	// then the one before it.
	skip := ""
	if stB == stA && refs[0].bySeed && refs[1].bySeed && refs[0].seed == refs[1].seed {
		skip = metaA.ID
	}
	metaB, err := refs[1].resolve(stB, "RUN_B", skip)
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

// diffRef names one of the two runs: by id, prefix or 'latest', or by seed.
type diffRef struct {
	ref    string
	seed   uint64
	bySeed bool
}

// runRefs reads RUN_A and RUN_B from --seed, --seed-b and the arguments:
// --seed stands for RUN_A, --seed-b for RUN_B, and the arguments fill in
// the rest in order.
func (o *diffOptions) runRefs(fs *pflag.FlagSet) ([2]diffRef, error) {
	var refs [2]diffRef
	var set [2]bool
	if fs.Changed("seed") {
		refs[0], set[0] = diffRef{seed: o.seed, bySeed: true}, true
	}
	if fs.Changed("seed-b") {
		refs[1], set[1] = diffRef{seed: o.seedB, bySeed: true}, true
	}
	args := fs.Args()
	for i := range refs {
		if !set[i] && len(args) > 0 {
			refs[i], set[i], args = diffRef{ref: args[0]}, true, args[1:]
		}
	}
	switch {
	case len(args) > 0:
		return refs, usageErrorf("diff needs two runs, and %q is one too many (--seed names RUN_A, --seed-b RUN_B)", args)
	case !set[0] || !set[1]:
		return refs, usageErrorf("diff needs two runs: RUN_A RUN_B (an id, a unique prefix, or 'latest'), or --seed N for RUN_A and RUN_B or --seed-b M for the other")
	}
	return refs, nil
}

// resolve finds the run in st, naming the store and which run it was in
// the error; a run by seed is the latest with that seed other than skip.
func (r diffRef) resolve(st *record.Store, which, skip string) (record.RunMeta, error) {
	if !r.bySeed {
		m, err := resolveName(st, r.ref)
		if err != nil {
			return m, fmt.Errorf("%s: %w", which, err)
		}
		return m, nil
	}
	runs, err := st.Runs()
	if err != nil {
		return record.RunMeta{}, fmt.Errorf("%s: store %s: %w", which, st.Path(), err)
	}
	for _, m := range runs { // newest first
		if m.Seed == r.seed && m.ID != skip {
			return m, nil
		}
	}
	if skip != "" {
		return record.RunMeta{}, fmt.Errorf("%s: store %s has only one run with seed %d (%s) to compare", which, st.Path(), r.seed, skip)
	}
	return record.RunMeta{}, fmt.Errorf("%s: store %s: no run with seed %d", which, st.Path(), r.seed)
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
