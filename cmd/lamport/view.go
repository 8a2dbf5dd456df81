package main

import (
	"bufio"
	"fmt"

	"github.com/spf13/pflag"

	"lamport/export"
	"lamport/record"
)

// streamRun is the body shared by show and export, after parsing: open the
// store read-only, resolve the run, and write to stdout the header and
// then one line per timeline item that lines gives for the run.
func streamRun(e *env, fs *pflag.FlagSet, v *viewFlags, lines func(record.RunMeta) ([]byte, export.LineFunc)) error {
	st, meta, f, err := v.open(fs)
	if err != nil {
		return err
	}
	defer st.Close()
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	header, line := lines(meta)
	w.Write(header)
	var buf []byte
	err = eachTimeline(st, meta, f, func(it *timelineItem) error {
		buf = line(buf[:0], it.machine, it.wall, &it.entry)
		_, err := w.Write(buf)
		return err
	})
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return err
}

// open checks the flags, opens the store read-only and resolves the run;
// the caller closes the store.
func (v *viewFlags) open(fs *pflag.FlagSet) (*record.Store, record.RunMeta, timelineFilter, error) {
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
	if err == nil && (f.machine != 0 || fs.Changed("machine")) {
		if _, ok := meta.Machine(f.machine); !ok {
			err = usageErrorf("run %s has no machine %d", meta.ID, f.machine)
		}
	}
	if err != nil {
		st.Close()
		return nil, record.RunMeta{}, f, err
	}
	return st, meta, f, nil
}
