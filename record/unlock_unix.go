//go:build unix

package record

import (
	"os"
	"syscall"
)

// unlockFile lets go of bbolt's flock on f. Closing f alone would not: the
// memory map bbolt made of the file still refers to it, and a flock lasts
// until the last reference goes.
func unlockFile(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
