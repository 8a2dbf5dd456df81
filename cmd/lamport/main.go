// Command lamport runs, records and inspects a scale model of an
// asynchronous distributed system with Lamport clocks.
//
// main only routes to a subcommand and maps its error to an exit code:
// 0 success, 1 differences found, 2 usage, input or IO error, 130 stopped
// by Ctrl-C.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"lamport/export"
)

// command is one subcommand: its name, its line in the usage and a fresh
// set of its options.
type command struct {
	name    string
	summary string
	options func() options
}

// options are a command in three steps, kept apart: flags registers its
// flags on a new FlagSet (whose --help prints the command's usage),
// validate checks them and the arguments before anything is opened or
// started, and run does the work.
type options interface {
	flags(e *env) *pflag.FlagSet
	validate(e *env, fs *pflag.FlagSet) error
	run(e *env, fs *pflag.FlagSet) error
}

// run parses args, the arguments after the command's name, into a fresh
// set of c's options, then validates and runs them.
func (c command) run(e *env, args []string) error {
	o := c.options()
	fs := o.flags(e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.validate(e, fs); err != nil {
		return err
	}
	return o.run(e, fs)
}

// env is what a subcommand may touch of the outside world, so tests can
// run the CLI in-process.
type env struct {
	stdout, stderr io.Writer
	// log writes diagnostics through console at level, which is WARN
	// until a command's -v or --quiet (logFlags.apply) says otherwise.
	log     *slog.Logger
	level   *slog.LevelVar
	console *console
}

func newEnv(stdout, stderr io.Writer) *env {
	c := &console{w: stderr}
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	return &env{
		stdout: stdout, stderr: stderr, console: c, level: level,
		log: slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{Level: level})),
	}
}

func commands() []command {
	return []command{
		{"run", "run the machines of a config live over TCP and record the run", func() options { return new(runOptions) }},
		{"machine", "run one machine of a config (one process per machine)", func() options { return new(machineOptions) }},
		{"ls", "list the runs in a store", func() options { return new(lsOptions) }},
		{"show", "print a run's events, one per line", func() options { return new(showOptions) }},
		{"export", "write a run's events as " + export.Either(export.Nouns()), func() options { return new(exportOptions) }},
		{"merge", "merge per-machine stores into one", func() options { return new(mergeOptions) }},
		{"replay", "replay a recording through the model and report the first divergence", func() options { return new(replayOptions) }},
		{"diff", "compare two recorded runs event by event", func() options { return new(diffOptions) }},
		{"report", "the numbers of a run: jumps, gaps, queues, drift, messages per pair", func() options { return new(reportOptions) }},
		{"why", "did event A happen before event B? the chain of messages that proves it, or why not", func() options { return new(whyOptions) }},
		{"sim", "simulate a run in virtual time from a seed, and record it", func() options { return new(simOptions) }},
		{"sweep", "run a grid of variants x seeds and tabulate jumps, queues and drift", func() options { return new(sweepOptions) }},
		{"version", "print the tool, store format and wire protocol versions", func() options { return new(versionOptions) }},
	}
}

func main() {
	// Packages below the CLI (wire, live) log through slog's default
	// logger: make it the CLI's own, so their lines follow -v and --quiet
	// and clear the progress bar like the rest. Only here, not in Main:
	// tests run Main in-process, several at once, and the default logger
	// is one for the whole process.
	e := newEnv(os.Stdout, os.Stderr)
	slog.SetDefault(e.log)
	os.Exit(exitCode(route(e, os.Args[1:]), os.Stderr))
}

// Main runs the CLI and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return exitCode(route(newEnv(stdout, stderr), args), stderr)
}

// exitCode prints a command's error, if any, as one line on stderr and
// returns the exit code it maps to.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.Is(err, errDifferent):
		return 1
	case errors.Is(err, errStoppedForParent):
		return 130
	}
	fmt.Fprintf(stderr, "lamport: %s\n", oneLine(err.Error()))
	if errors.Is(err, errInterrupted) {
		return 130
	}
	return 2
}

func route(e *env, args []string) error {
	if len(args) == 0 {
		usage(e.stderr)
		return usageErrorf("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if len(args) > 1 && name == "help" {
			return route(e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return nil
	case "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	if strings.HasPrefix(name, "-") {
		return usageErrorf("unknown command %q: flags go after the command, as in 'lamport ls --store FILE' (see lamport --help)", name)
	}
	return usageErrorf("unknown command %q (see lamport --help)", name)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "lamport: a scale model of an asynchronous distributed system with Lamport clocks\n\nUsage:\n  lamport <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'lamport <command> --help' for a command's flags.\nExit codes: 0 ok, 1 differences found, 2 usage, input or IO error, 130 stopped by Ctrl-C.\n")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
