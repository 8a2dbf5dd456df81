package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"lamport/record"
	"lamport/report"
)

// tableFlags are the flags 'sweep --table' takes: it reads a store and
// prints, and runs nothing.
var tableFlags = []string{"table", "store", "csv", "json", "html", "quiet", "verbose"}

// validateTable checks 'sweep --table ID': an id, and no flag that only
// running a sweep uses.
func (o *sweepOptions) validateTable(fs *pflag.FlagSet) error {
	if o.table == "" {
		return usageErrorf("--table needs a sweep id (lamport ls --json lists each run's sweep)")
	}
	var other string
	fs.Visit(func(f *pflag.Flag) {
		if other == "" && !slices.Contains(tableFlags, f.Name) {
			other = f.Name
		}
	})
	if other != "" {
		return usageErrorf("--table prints a recorded sweep and runs nothing: --%s does not apply", other)
	}
	return o.checkOutputs()
}

// runTable prints the table of the recorded sweep o.table, rebuilt from
// its runs in o.store exactly as the sweep built it: each complete run
// analysed, the variants in the grid's order, each variant's runs in seed
// order. Runs that are missing or did not complete are left out, and a
// warning says how many the table has.
func (o *sweepOptions) runTable(e *env) error {
	st, err := openStore(o.store, true)
	if err != nil {
		return err
	}
	defer st.Close()
	metas, err := st.Runs()
	if err != nil {
		return fmt.Errorf("store %s: %w", o.store, err)
	}
	id, err := resolveSweep(metas, o.table)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.store, err)
	}
	rec, err := readRecordedSweep(id, metas)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.store, err)
	}
	sweep := rec.shape.newSweep()
	bar := newProgress(e, o.quiet, int64(len(rec.runs)), "table")
	var events uint64
	for i := 0; i < len(rec.runs); {
		// The runs are sorted by variant, then seed: one variant's at a time.
		first := rec.runs[i]
		figures := []report.RunFigures{}
		for ; i < len(rec.runs) && rec.runs[i].variant == first.variant; i++ {
			a, err := report.Analyze(st, rec.runs[i].meta.ID)
			if err != nil {
				return fmt.Errorf("store %s: sweep %s: %w", o.store, id, err)
			}
			figures = append(figures, report.FiguresOf(a))
			events += a.Events
			bar.update(int64(i+1), events)
		}
		sweep.Variants = append(sweep.Variants, report.NewVariant(first.name, first.settings, figures))
	}
	bar.finish()
	if total := rec.shape.variants * rec.shape.runs; len(rec.runs) < total {
		e.log.Warn(fmt.Sprintf("sweep %s: the table has the %d of its %d runs that are complete in %s; the rest are missing or did not complete (lamport ls --sweep %s --store %s lists them)",
			id, len(rec.runs), total, o.store, id, o.store))
	}
	header := []string{rec.shape.headline(o.store), rec.shape.runsLine(o.store)}
	return o.write(e, sweep, header, true)
}

// recordedSweep is a sweep as its runs in a store describe it.
type recordedSweep struct {
	shape sweepShape
	// runs are its complete runs, sorted by variant, then seed.
	runs []recordedRun
}

// recordedRun is one run of a sweep and its place in the sweep's grid.
type recordedRun struct {
	meta     record.RunMeta
	variant  int // 1-based
	name     string
	settings []report.Setting
	// settingsJSON is the recorded form of settings, to compare runs by.
	settingsJSON string
	// shape and digest are what the run says of its sweep.
	shape  sweepShape
	digest string
}

// readRecordedSweep gathers the runs of sweep id from metas and checks
// that they describe one sweep: the same grid, seeds, duration, mode and
// digest, one name and settings per variant, each seed of a variant
// complete at most once.
func readRecordedSweep(id string, metas []record.RunMeta) (recordedSweep, error) {
	var rec recordedSweep
	var all []recordedRun
	for _, m := range metas {
		if m.Options[optSweep] != id {
			continue
		}
		r, err := readRecordedRun(id, m)
		if err != nil {
			return rec, err
		}
		all = append(all, r)
	}
	if len(all) == 0 {
		return rec, fmt.Errorf("no sweep %q", id) // resolveSweep found it: not reached
	}
	first := all[0]
	rec.shape = first.shape
	variants := map[int]recordedRun{}
	done := map[[2]uint64]string{}
	for _, r := range all {
		if r.shape != first.shape || r.digest != first.digest {
			return rec, fmt.Errorf("sweep %s: runs %s and %s come from different sweeps given the same id (their grid, seeds, duration, mode or machines differ)", id, first.meta.ID, r.meta.ID)
		}
		if v, ok := variants[r.variant]; ok && (v.name != r.name || v.settingsJSON != r.settingsJSON) {
			return rec, fmt.Errorf("sweep %s: runs %s and %s disagree on variant %d (%q vs %q)", id, v.meta.ID, r.meta.ID, r.variant, v.name, r.name)
		}
		variants[r.variant] = r
		if r.meta.Status != record.StatusComplete {
			continue
		}
		key := [2]uint64{uint64(r.variant), r.meta.Seed}
		if other, ok := done[key]; ok {
			return rec, fmt.Errorf("sweep %s: variant %q seed %d is recorded twice, as runs %s and %s; a sweep's table counts each once",
				id, r.name, r.meta.Seed, other, r.meta.ID)
		}
		done[key] = r.meta.ID
		rec.runs = append(rec.runs, r)
	}
	slices.SortFunc(rec.runs, func(a, b recordedRun) int {
		if a.variant != b.variant {
			return a.variant - b.variant
		}
		switch {
		case a.meta.Seed < b.meta.Seed:
			return -1
		case a.meta.Seed > b.meta.Seed:
			return 1
		}
		return 0
	})
	return rec, nil
}

// readRecordedRun reads where run m stands in sweep id from its options.
func readRecordedRun(id string, m record.RunMeta) (recordedRun, error) {
	r := recordedRun{meta: m, name: m.Options[optVariant], settingsJSON: m.Options[optVariantSettings], digest: m.Options[optSweepDigest]}
	r.shape = sweepShape{id: id, mode: m.Mode, speed: m.Speed}
	if _, ok := m.Options[optVariantIndex]; !ok || r.digest == "" {
		return r, fmt.Errorf("sweep %s: run %s does not say where it stands in the sweep's grid (it was recorded by an older lamport), so its table cannot be rebuilt; lamport ls --sweep %s lists its runs", id, m.ID, id)
	}
	bad := func(key string) error {
		return fmt.Errorf("sweep %s: run %s: option %s=%q is not valid", id, m.ID, key, m.Options[key])
	}
	number := func(key string, lo int) (int, error) {
		n, err := strconv.Atoi(m.Options[key])
		if err != nil || n < lo {
			return 0, bad(key)
		}
		return n, nil
	}
	var err error
	if r.variant, err = number(optVariantIndex, 1); err != nil {
		return r, err
	}
	if r.shape.variants, err = number(optSweepVariants, r.variant); err != nil {
		return r, err
	}
	if r.shape.runs, err = number(optSweepSeeds, 1); err != nil {
		return r, err
	}
	if r.shape.seed, err = strconv.ParseUint(m.Options[optSweepFirstSeed], 10, 64); err != nil {
		return r, bad(optSweepFirstSeed)
	}
	if m.Seed < r.shape.seed || m.Seed-r.shape.seed >= uint64(r.shape.runs) {
		return r, fmt.Errorf("sweep %s: run %s has seed %d, outside the sweep's seeds %d..%d", id, m.ID, m.Seed, r.shape.seed, r.shape.seed+uint64(r.shape.runs)-1)
	}
	if r.shape.duration, err = time.ParseDuration(m.Options["duration"]); err != nil {
		return r, bad("duration")
	}
	if r.settingsJSON != "" {
		if err := json.Unmarshal([]byte(r.settingsJSON), &r.settings); err != nil {
			return r, bad(optVariantSettings)
		}
	}
	return r, nil
}
