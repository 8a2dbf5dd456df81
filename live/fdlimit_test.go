package live_test

import (
	"strings"
	"syscall"
	"testing"

	"lamport/live"
)

func TestFilesNeeded(t *testing.T) {
	for _, tc := range []struct {
		local, machines int
		want            uint64
	}{
		// All in one process: a listener and a log each, the shared
		// connection's two ends, the reserve.
		{3, 3, 3*2 + 2 + 64},
		{200, 200, 200*2 + 2 + 64},
		// One machine per process (--procs): two sockets per peer.
		{1, 200, 2 + 199*2 + 64},
		// Two of five here, three elsewhere.
		{2, 5, 2*2 + 2*3*2 + 2 + 64},
	} {
		if got := live.FilesNeeded(tc.local, tc.machines); got != tc.want {
			t.Errorf("FilesNeeded(%d, %d) = %d, want %d", tc.local, tc.machines, got, tc.want)
		}
	}
}

// A run whose connections cannot fit the process's open-file limit is
// refused up front, with a way out; a small one is not.
func TestFileLimitIsCheckedBeforeConnecting(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip("no open-file limit to test against:", err)
	}
	if err := live.CheckFileLimit(3, 3); err != nil {
		t.Fatalf("3 machines refused: %v", err)
	}
	if lim.Cur >= 1<<20 {
		t.Skipf("open-file limit %d is too high to reach with a config", lim.Cur)
	}
	// One machine per process needs about 2n descriptors, all in one
	// process about 2n as well, but two of n in one process about 4n.
	n := int(lim.Cur/4) + 10
	err := live.CheckFileLimit(2, n)
	if err == nil || !strings.Contains(err.Error(), "without --procs") || !strings.Contains(err.Error(), "ulimit -n") {
		t.Fatalf("2 of %d machines in one process with a limit of %d open files: %v", n, lim.Cur, err)
	}
	if err := live.CheckFileLimit(n, n); err != nil {
		t.Fatalf("all %d machines in one process refused: %v", n, err)
	}
}
