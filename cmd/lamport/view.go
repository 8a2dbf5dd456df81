package main

import (
	"bufio"
	"fmt"

	"github.com/spf13/pflag"
)

// streamRun is the body shared by show and export, after parsing: open the
// store read-only, resolve the run, and write header and then one line per
// timeline item to stdout.
func streamRun(e *env, fs *pflag.FlagSet, v *viewFlags, header string, line func([]byte, timelineItem) []byte) error {
	f, err := v.filter()
	if err != nil {
		return err
	}
	st, err := openStore(v.store, true)
	if err != nil {
		return err
	}
	defer st.Close()
	meta, err := v.resolve(fs, st)
	if err != nil {
		return err
	}
	if f.machine != 0 {
		found := false
		for _, m := range meta.Machines {
			found = found || m.ID == f.machine
		}
		if !found {
			return usageErrorf("run %s has no machine %d", meta.ID, f.machine)
		}
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	w.WriteString(header)
	var buf []byte
	err = eachTimeline(st, meta, f, func(it timelineItem) error {
		buf = line(buf[:0], it)
		_, err := w.Write(buf)
		return err
	})
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return err
}
