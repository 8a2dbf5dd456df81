package live

import (
	"fmt"
	"syscall"
)

// fdReserve is what the process needs besides its machines' sockets and
// log files: the store, the standard streams, what the runtime holds.
const fdReserve = 64

// FilesNeeded is about how many file descriptors a process running local
// of a run's machines needs: per local machine its listener and its log
// file; per local machine and peer in another process a socket for the
// connection it dials and one for the connection it accepts; and, with two
// or more local machines, the two ends of the one shared connection that
// carries every message between them.
func FilesNeeded(local, machines int) uint64 {
	remote := uint64(max(machines-local, 0))
	need := uint64(local)*2 + uint64(local)*remote*2 + fdReserve
	if local > 1 {
		need += 2
	}
	return need
}

// CheckFileLimit refuses, before any socket is opened, a run whose local
// machines would need more file descriptors (FilesNeeded) than the
// process may open: a failure half way through connecting ("too many open
// files") is slow and hard to read.
func CheckFileLimit(local, machines int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // no limit to compare with; the run finds out for itself
	}
	need := FilesNeeded(local, machines)
	switch {
	case need <= lim.Cur:
		return nil
	case local < machines:
		return fmt.Errorf("%d of %d machines in this process need about %d open files (a listener and a log file each, and two sockets per peer in another process), but this process may open %d; run the machines in one process (lamport run without --procs), or raise the limit (ulimit -n)",
			local, machines, need, lim.Cur)
	}
	return fmt.Errorf("%d machines in one process need about %d open files (a listener and a log file each), but this process may open %d; raise the limit (ulimit -n)",
		local, need, lim.Cur)
}
