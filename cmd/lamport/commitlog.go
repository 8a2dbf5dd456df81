package main

import (
	"github.com/spf13/pflag"

	"lamport/record"
)

// commitLog is the hidden --log-commits flag of the commands that record.
// It exists for the crash tests: a line is logged only after bbolt has
// synced the batch, so a test that kills the process may hold the store to
// every number it read (docs/RELIABILITY.md).
type commitLog struct{ enabled bool }

func (c *commitLog) register(fs *pflag.FlagSet) {
	fs.BoolVar(&c.enabled, "log-commits", false, "log every durable commit of the recorder (entries and events so far)")
	_ = fs.MarkHidden("log-commits")
}

// recorderOptions are the recorder options with the commit log wired in.
func (c *commitLog) recorderOptions(e *env, runID string) record.RecorderOptions {
	if !c.enabled {
		return record.RecorderOptions{}
	}
	return record.RecorderOptions{OnCommit: func(n record.Committed) {
		e.log.Info("committed", "run", runID, "entries", n.Entries, "events", n.Events)
	}}
}
