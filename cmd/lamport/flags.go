package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// newFlagSet makes a subcommand's FlagSet whose --help prints the summary,
// the usage line and the flags to stdout.
func newFlagSet(e *env, name, usageLine, about string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: lamport %s\n\n%s\n\nFlags:\n%s", usageLine, about, fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args, turning pflag's errors into usage errors. On
// --help pflag has already printed the usage and returns pflag.ErrHelp.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		return pflag.ErrHelp
	}
	if err != nil {
		return usageErrorf("%s: %v", fs.Name(), err)
	}
	return nil
}
