package main

import (
	"context"
	"errors"
	"fmt"
)

// errDifferent is returned when a command found differences or a
// divergence; main maps it to exit code 1, like diff(1).
var errDifferent = errors.New("differences found")

// errInterrupted is wrapped by the error of a command stopped by Ctrl-C
// (SIGINT or SIGTERM); main maps it to exit code 130, the shell's code for
// a process ended by SIGINT, so scripts can tell a stop from a failure.
var errInterrupted = errors.New("stopped by Ctrl-C")

// usageError is returned when the command line itself is wrong.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// errStoppedForParent ends a machine process of 'run --procs' that a
// signal stopped: exit 130 without a line, for the run that started it
// reports the stop once, with what was kept.
var errStoppedForParent = errors.New("stopped; the run that started this machine reports it")

// stoppedBy is a command's result once its work is over: err as it is, or,
// when ctx ended (Ctrl-C), err marked as errInterrupted, with what was
// kept when err is nil.
func stoppedBy(ctx context.Context, err error, kept string) error {
	switch {
	case ctx.Err() == nil || errors.Is(err, errInterrupted):
		return err
	case err == nil:
		return fmt.Errorf("%w; %s", errInterrupted, kept)
	}
	return fmt.Errorf("%w: %w", errInterrupted, err)
}
