package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// newFlagSet makes a subcommand's FlagSet whose --help prints the summary,
// the usage line and the flags to stdout.
func newFlagSet(e *env, name, usageLine, about string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: lamport %s\n\n%s\n", usageLine, about)
		if flags := fs.FlagUsages(); flags != "" {
			fmt.Fprintf(e.stdout, "\nFlags:\n%s", flags)
		}
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
		return usageErrorf("%s: %v (see 'lamport %s --help')", fs.Name(), err, fs.Name())
	}
	return nil
}

// verboseEnv sets the default verbosity as -v does: 1 for INFO, 2 for
// DEBUG as well.
const verboseEnv = "LAMPORT_VERBOSE"

// quietLevel is above every level anything logs at: --quiet prints no
// diagnostics, only the result (and a failure's "lamport: ..." line).
const quietLevel = slog.Level(64)

// logFlags are -v/--verbose, taken by every command that logs, and --quiet,
// taken by those that draw a progress bar. By default only warnings and
// errors are logged.
type logFlags struct {
	verbose int
	quiet   bool
}

func (f *logFlags) registerVerbose(fs *pflag.FlagSet) {
	fs.CountVarP(&f.verbose, "verbose", "v", "log what the command does (INFO); -vv adds the network's DEBUG lines; also "+verboseEnv+"=1 or 2")
}

// register adds --quiet as well.
func (f *logFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.quiet, "quiet", false, "print only the result: no progress bar, no warnings or other diagnostics")
	f.registerVerbose(fs)
}

// apply sets e's log level from the flags and $LAMPORT_VERBOSE; a flag
// beats the variable.
func (f *logFlags) apply(e *env) error {
	if f.quiet && f.verbose > 0 {
		return usageErrorf("--quiet and --verbose contradict each other; give one")
	}
	if f.quiet {
		e.level.Set(quietLevel)
		return nil
	}
	verbose := f.verbose
	if f.verbose == 0 {
		if v := os.Getenv(verboseEnv); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return usageErrorf("%s=%q: want 0 (warnings only), 1 (INFO) or 2 (DEBUG)", verboseEnv, v)
			}
			verbose = n
		}
	}
	switch {
	case verbose >= 2:
		e.level.Set(slog.LevelDebug)
	case verbose == 1:
		e.level.Set(slog.LevelInfo)
	default:
		e.level.Set(slog.LevelWarn)
	}
	return nil
}

// args passes the flags on to a child 'lamport' process.
func (f *logFlags) args() []string {
	switch {
	case f.quiet:
		return []string{"--quiet"}
	case f.verbose > 0:
		return []string{"-" + strings.Repeat("v", f.verbose)}
	}
	return nil
}
