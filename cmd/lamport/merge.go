package main

import (
	"fmt"
	"os"
)

func mergeCommand(e *env, args []string) error {
	fs := newFlagSet(e, "merge", "merge OUT IN...",
		"Merge per-machine stores (from 'lamport machine' processes) into OUT, which is created\n"+
			"if missing. The parts of one run are joined into one run; a machine recorded twice is an\n"+
			"error and OUT is left unchanged.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return usageErrorf("merge needs OUT and at least one IN store")
	}
	paths := fs.Args()
	for _, in := range paths[1:] {
		if in == paths[0] {
			return usageErrorf("%s is both OUT and IN", in)
		}
		if _, err := os.Stat(in); err != nil {
			return fmt.Errorf("store %s: %w", in, err)
		}
	}
	_, statErr := os.Stat(paths[0])
	created := os.IsNotExist(statErr)
	out, err := openStore(paths[0], false)
	if err != nil {
		return err
	}
	err = mergeFiles(out, paths[1:])
	closeErr := out.Close()
	if err != nil && created {
		// Merge changes nothing on failure; a store it had to create is
		// removed again, so a failed merge leaves no empty file behind.
		_ = os.Remove(paths[0])
	}
	if err != nil {
		return err
	}
	return closeErr
}
