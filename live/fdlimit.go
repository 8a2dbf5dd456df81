package live

import (
	"fmt"
	"syscall"
)

// fdsPerPeer: every connection between two machines of this process
// is a socket at each end, and a machine both dials and accepts one per
// peer.
const fdsPerPeer = 2

// fdReserve is what the process needs besides its machines' connections:
// the store, log files, listeners, the standard streams.
const fdReserve = 64

// CheckFileLimit refuses, before any socket is opened, a run whose local
// machines would need more file descriptors than the process may open: a
// failure half way through connecting ("too many open files") is slow and
// hard to read. It needs local*(peers)*2 descriptors, since every machine
// dials each peer and accepts one connection from each.
func CheckFileLimit(local, machines int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // no limit to compare with; the run finds out for itself
	}
	need := uint64(local)*uint64(machines-1)*fdsPerPeer + fdReserve
	if need > lim.Cur {
		return fmt.Errorf("%d machines in one process need about %d open files (a socket at each end of every connection), but this process may open %d; run them as separate processes (run --procs, or lamport machine on several hosts) or raise the limit (ulimit -n)",
			local, need, lim.Cur)
	}
	return nil
}
