// Command lamport-bench measures how fast lamport is and how much memory
// it takes, end to end, against the targets of docs/PERFORMANCE.md: the
// simulator, recording, replay, the report and export, each in a child
// process of its own. It is a tool for the developers of lamport, built
// apart from the lamport command.
//
// Exit codes: 0 success, 2 a usage, input or IO error.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// env is what the command may touch of the outside world, so tests can
// run it in-process.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	level          *slog.LevelVar
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	e := &env{stdout: stdout, stderr: stderr, level: level,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	var o benchOptions
	fs := o.flags(stdout)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case err == nil:
		err = o.validate(fs)
	}
	if err == nil {
		err = o.run(e)
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "lamport-bench: %s\n", strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " "))
	return 2
}
