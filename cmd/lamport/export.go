package main

import (
	"strings"

	"lamport/export"
)

func exportCommand(e *env, args []string) error {
	var v viewFlags
	var format string
	fs := v.register(e, "export", "export RUN|latest --format "+strings.Join(export.Names(), "|")+" [--machine N]",
		"Write a run's events to stdout for other tools, merged across machines by time.\n"+export.Help())
	fs.StringVar(&format, "format", "jsonl", export.Either(export.Names()))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, ok := export.Lookup(format)
	if !ok {
		return usageErrorf("unknown --format %q: want %s", format, export.Either(export.Names()))
	}
	if f.WholeRun != nil && (v.machine != 0 || v.from != 0 || v.to != 0 || v.arrivals) {
		return usageErrorf("--format %s exports the whole run: --machine, --from, --to and --arrivals do not apply", f.Name)
	}
	return streamRun(e, fs, &v, f)
}
