package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"lamport/internal/version"
	"lamport/record"
	"lamport/wire"
)

// toolVersion is recorded in every run's metadata.
const toolVersion = version.Tool

// versionOptions are version's: it takes no flags.
type versionOptions struct{}

func (o *versionOptions) flags(e *env) *pflag.FlagSet {
	return newFlagSet(e, "version", "version", "Print the tool version, the store format version and the wire protocol version.")
}

func (o *versionOptions) validate(e *env, fs *pflag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageErrorf("version takes no arguments, got %q", fs.Args())
	}
	return nil
}

func (o *versionOptions) run(e *env, fs *pflag.FlagSet) error {
	fmt.Fprintf(e.stdout, "%s (store format %d, wire protocol %d)\n", toolVersion, record.SchemaVersion, wire.ProtocolVersion)
	return nil
}
