package main

import (
	"strings"

	"github.com/spf13/pflag"

	"lamport/export"
)

// exportOptions are export's flags.
type exportOptions struct {
	v      viewFlags
	format string
	// f is the format --format names.
	f export.Format
}

func (o *exportOptions) flags(e *env) *pflag.FlagSet {
	fs := o.v.register(e, "export", "export RUN|latest --format "+strings.Join(export.Names(), "|")+" [--machine N]",
		"Write a run's events to stdout for other tools, merged across machines by time.\n"+export.Help())
	fs.StringVar(&o.format, "format", "jsonl", export.Either(export.Names()))
	return fs
}

func (o *exportOptions) validate(e *env, fs *pflag.FlagSet) error {
	var ok bool
	if o.f, ok = export.Lookup(o.format); !ok {
		return usageErrorf("unknown --format %q: want %s", o.format, export.Either(export.Names()))
	}
	v := &o.v
	if o.f.WholeRun != nil && (v.machine != 0 || v.from != 0 || v.to != 0 || v.arrivals) {
		return usageErrorf("--format %s exports the whole run: --machine, --from, --to and --arrivals do not apply", o.f.Name)
	}
	_, err := v.filter()
	return err
}

func (o *exportOptions) run(e *env, fs *pflag.FlagSet) error {
	return streamRun(e, fs, &o.v, o.f)
}
