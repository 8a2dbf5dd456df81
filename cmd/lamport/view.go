package main

import (
	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/export"
	"lamport/record"
)

// viewFlags name a run and narrow its entries: show and export take them
// all, replay and report the run only.
type viewFlags struct {
	runRef
	machine  uint32
	from, to uint64
	arrivals bool
}

func (v *viewFlags) register(e *env, name, usageLine, about string) *pflag.FlagSet {
	fs := newFlagSet(e, name, usageLine, about)
	v.runRef.register(fs)
	fs.Uint32Var(&v.machine, "machine", 0, "only this machine's entries")
	fs.Uint64Var(&v.from, "from", 0, "first event index to include (1-based, per machine)")
	fs.Uint64Var(&v.to, "to", 0, "last event index to include")
	fs.BoolVar(&v.arrivals, "arrivals", false, "also include message arrivals (inputs), not only events")
	return fs
}

func (v *viewFlags) filter() (export.Filter, error) {
	if v.to != 0 && v.from > v.to {
		return export.Filter{}, usageErrorf("--from %d is after --to %d", v.from, v.to)
	}
	return export.Filter{Machine: core.MachineID(v.machine), From: v.from, To: v.to, Arrivals: v.arrivals}, nil
}

// streamRun is the body shared by show and export, after parsing: open the
// store read-only, resolve the run, and write it to stdout in format f
// through the filter the flags give.
func streamRun(e *env, fs *pflag.FlagSet, v *viewFlags, f export.Format) error {
	st, meta, filter, err := v.open(fs)
	if err != nil {
		return err
	}
	defer st.Close()
	return export.Write(e.stdout, st, meta, f, filter)
}

// open checks the flags, opens the store read-only and resolves the run;
// the caller closes the store.
func (v *viewFlags) open(fs *pflag.FlagSet) (*record.Store, record.RunMeta, export.Filter, error) {
	f, err := v.filter()
	if err != nil {
		return nil, record.RunMeta{}, f, err
	}
	st, err := openStore(v.store, true)
	if err != nil {
		return nil, record.RunMeta{}, f, err
	}
	meta, err := v.resolve(fs, st)
	// --machine 0 is refused like any id the run lacks: 0 is no machine's
	// id, only the flag's "every machine" default.
	if err == nil && (f.Machine != 0 || fs.Changed("machine")) {
		if _, ok := meta.Machine(f.Machine); !ok {
			err = usageErrorf("run %s has no machine %d", meta.ID, f.Machine)
		}
	}
	if err != nil {
		st.Close()
		return nil, record.RunMeta{}, f, err
	}
	return st, meta, f, nil
}
