package main

import (
	"github.com/spf13/pflag"

	"lamport/export"
	"lamport/record"
)

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
