//go:build !linux

package record

// releaseMapped is a no-op where madvise is not used; see the Linux file.
func releaseMapped(start uintptr, size int) {}
