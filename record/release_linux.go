package record

import "syscall"

// releaseMapped drops the pages of the store's mapping from this process's
// resident set (madvise MADV_DONTNEED): the file's pages stay in the page
// cache, and touching one again maps it back. bbolt reads through a
// read-only shared mapping of the whole file, so a reader of a large run
// would otherwise keep every page it read resident, and its RSS would
// grow with the run although its own memory does not. start is the
// mapping's address (bolt's Info().Data), size bytes of it are released.
func releaseMapped(start uintptr, size int) {
	if start == 0 || size <= 0 {
		return
	}
	// An error (say, EINVAL on an odd kernel) only means pages stay
	// resident, as without this call.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, start, uintptr(size), syscall.MADV_DONTNEED)
}
