//go:build unix

package live

import (
	"syscall"
	"time"
)

// sleepPrecisely sleeps d with nanosleep(2), which the kernel wakes within
// tens of microseconds, holding this goroutine's OS thread meanwhile.
func (SystemClock) sleepPrecisely(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rem syscall.Timespec
		if err := syscall.Nanosleep(&ts, &rem); err != syscall.EINTR {
			return
		}
		ts = rem
	}
}
