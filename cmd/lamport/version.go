package main

import (
	"fmt"

	"lamport/internal/version"
	"lamport/record"
	"lamport/wire"
)

// toolVersion is recorded in every run's metadata.
const toolVersion = version.Tool

func versionCommand(e *env, args []string) error {
	fs := newFlagSet(e, "version", "version", "Print the tool version, the store format version and the wire protocol version.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("version takes no arguments, got %q", fs.Args())
	}
	fmt.Fprintf(e.stdout, "%s (store format %d, wire protocol %d)\n", toolVersion, record.SchemaVersion, wire.ProtocolVersion)
	return nil
}
