package live_test

import (
	"math"
	"strings"
	"syscall"
	"testing"

	"lamport/live"
)

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
	// n machines in one process need about 2n(n-1) descriptors.
	n := int(math.Sqrt(float64(lim.Cur)/2)) + 2
	err := live.CheckFileLimit(n, n)
	if err == nil || !strings.Contains(err.Error(), "run --procs") || !strings.Contains(err.Error(), "ulimit -n") {
		t.Fatalf("%d machines in one process with a limit of %d open files: %v", n, lim.Cur, err)
	}
	// The same machines one per process fit.
	if err := live.CheckFileLimit(1, n); err != nil {
		t.Fatalf("one of %d machines per process refused: %v", n, err)
	}
}
