package live

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// maxIntervalNs is 2^63 as a float: the first whole number of nanoseconds
// a time.Duration cannot hold.
const maxIntervalNs = float64(1 << 63)

// intervalNs is the time between ticks at rate*speed, in nanoseconds, as a
// float: it neither overflows nor rounds to zero, so it can be checked.
func intervalNs(rate int, speed float64) float64 {
	return float64(time.Second) / (float64(rate) * speed)
}

// representable reports whether a tick interval of ns nanoseconds is a
// time.Duration of at least 1ns. It is false for NaN.
func representable(ns float64) bool {
	return ns >= 1 && ns < maxIntervalNs
}

// CheckSpeed reports whether every machine's tick interval, 1s/(rate ×
// speed) for each rate in [minRate, maxRate], is a time.Duration from 1ns
// up: a slower speed would make it overflow (a run that never ticks, or
// ticks at random), a faster one round it to zero. The interval falls as
// the rate grows, so the two ends of the range decide.
//
// Speed is also at most MaxSpeed whatever the rates: a machine that falls
// behind takes its late ticks at once, so a run far faster than the host
// can tick would go on long after its duration.
func CheckSpeed(speed float64, minRate, maxRate int) error {
	if speed <= MaxSpeed && representable(intervalNs(minRate, speed)) && representable(intervalNs(maxRate, speed)) {
		return nil
	}
	lo, hi := SpeedRange(minRate, maxRate)
	return fmt.Errorf("speed must be between %s and %s for tick rates %d to %d (the time between ticks must be 1ns to %.0f years, and speed at most %s), got %v",
		strconv.FormatFloat(lo, 'g', 4, 64), strconv.FormatFloat(hi, 'g', 4, 64), minRate, maxRate,
		time.Duration(math.MaxInt64).Hours()/24/365.25, strconv.FormatFloat(MaxSpeed, 'f', -1, 64), speed)
}

// MaxSpeed bounds --speed for any tick rates.
const MaxSpeed = 1e6

// SpeedRange is about the speeds CheckSpeed accepts for rates in
// [minRate, maxRate] (to the rounding of a float): the slowest keeps the
// slowest rate's interval within a time.Duration, the fastest keeps the
// fastest rate's interval at 1ns or more and is at most MaxSpeed.
func SpeedRange(minRate, maxRate int) (lo, hi float64) {
	return float64(time.Second) / (maxIntervalNs * float64(minRate)), min(MaxSpeed, float64(time.Second)/float64(maxRate))
}

// tickInterval is the time between a machine's ticks at rate*speed. A
// Spec's speed has passed CheckSpeed; were it not, the interval is held
// within what a Duration can represent rather than overflowing.
func tickInterval(rate int, speed float64) time.Duration {
	ns := intervalNs(rate, speed)
	switch {
	case ns >= maxIntervalNs:
		return math.MaxInt64
	case !(ns >= 1):
		return time.Nanosecond
	}
	return time.Duration(ns)
}
