//go:build !unix

package record

import "os"

// unlockFile is a no-op where bbolt does not lock with flock; closing the
// file is all there is.
func unlockFile(f *os.File) {}
