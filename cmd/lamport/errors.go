package main

import (
	"errors"
	"fmt"
)

// errDifferent is returned when a command found differences or a
// divergence; main maps it to exit code 1, like diff(1).
var errDifferent = errors.New("differences found")

// usageError is returned when the command line itself is wrong.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}
