//go:build !unix

package live

import "time"

// sleepPrecisely is time.Sleep where there is no nanosleep(2).
func (SystemClock) sleepPrecisely(d time.Duration) { time.Sleep(d) }
