package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"lamport/internal/textfmt"
	"lamport/record"
)

// mergeOptions are merge's: it takes only arguments, OUT and the INs.
type mergeOptions struct {
	out string
	in  []string
}

func (o *mergeOptions) flags(e *env) *pflag.FlagSet {
	return newFlagSet(e, "merge", "merge OUT IN...",
		"Merge per-machine stores (from 'lamport machine' processes) into OUT, which is created\n"+
			"if missing. The parts of one run are joined into one run; a machine recorded twice is an\n"+
			"error and OUT is left unchanged. Whole runs are copied as they are, so the stores of a\n"+
			"sweep's shards (sweep --shard) merge into one store of the whole sweep.")
}

func (o *mergeOptions) validate(e *env, fs *pflag.FlagSet) error {
	if fs.NArg() < 2 {
		return usageErrorf("merge needs OUT and at least one IN store")
	}
	o.out, o.in = fs.Arg(0), fs.Args()[1:]
	// An IN that is not there is refused before OUT is created.
	for _, in := range o.in {
		if in == o.out {
			return usageErrorf("%s is both OUT and IN", in)
		}
		if _, err := os.Stat(in); err != nil {
			return fmt.Errorf("store %s: %w", in, err)
		}
	}
	return nil
}

func (o *mergeOptions) run(e *env, fs *pflag.FlagSet) error {
	paths := append([]string{o.out}, o.in...)
	runIDs, err := storeRunIDs(paths[1:])
	if err != nil {
		return err
	}
	_, statErr := os.Stat(paths[0])
	created := os.IsNotExist(statErr)
	out, err := openStore(paths[0], false)
	if err != nil {
		return err
	}
	err = mergeFiles(out, paths[1:])
	var said string
	if err == nil {
		said, err = mergedSummary(out, len(paths)-1, runIDs)
	}
	closeErr := out.Close()
	if err != nil && created {
		// Merge changes nothing on failure; a store it had to create is
		// removed again, so a failed merge leaves no empty file behind.
		_ = os.Remove(paths[0])
	}
	if err != nil {
		return err
	}
	if closeErr != nil {
		return closeErr
	}
	_, err = fmt.Fprintln(e.stdout, said)
	return err
}

// storeRunIDs lists the ids of the runs in the stores, each once, in the
// order first met.
func storeRunIDs(paths []string) ([]string, error) {
	var ids []string
	for _, p := range paths {
		st, err := openStore(p, true)
		if err != nil {
			return nil, err
		}
		metas, err := st.Runs()
		st.Close()
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", p, err)
		}
		for _, m := range metas {
			if !slices.Contains(ids, m.ID) {
				ids = append(ids, m.ID)
			}
		}
	}
	return ids, nil
}

// mergedRunsListed is how many merged runs merge names one by one; past
// it, as when the shards of a sweep are gathered, it counts them.
const mergedRunsListed = 3

// mergedSummary is merge's one line: "merged 3 stores into lamport.db: run
// ID, 3 machines, 2 600 events", with every merged run as it now stands,
// or, for more than mergedRunsListed runs, their totals.
func mergedSummary(out *record.Store, stores int, runIDs []string) (string, error) {
	var parts []string
	var machines int
	var events uint64
	for _, id := range runIDs {
		meta, err := out.Run(id)
		if err != nil {
			return "", fmt.Errorf("store %s: %w", out.Path(), err)
		}
		stats, err := out.Stats(id)
		if err != nil {
			return "", fmt.Errorf("store %s: %w", out.Path(), err)
		}
		var runEvents uint64
		for _, s := range stats {
			runEvents += s.Events
		}
		machines += len(meta.Machines)
		events += runEvents
		parts = append(parts, fmt.Sprintf("run %s, %s, %s", id, plural(len(meta.Machines), "machine"), plural64(runEvents, "event")))
	}
	what := "no runs"
	switch {
	case len(parts) > mergedRunsListed:
		what = fmt.Sprintf("%s, %s, %s (lamport ls --store %s lists them)", plural(len(parts), "run"),
			plural(machines, "machine"), plural64(events, "event"), out.Path())
	case len(parts) > 0:
		what = strings.Join(parts, "; ")
	}
	return fmt.Sprintf("merged %s into %s: %s", plural(stores, "store"), out.Path(), what), nil
}

// plural64 is plural for a count that may be large: "2 600 events".
func plural64(n uint64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return textfmt.Thousands(n) + " " + noun + "s"
}
