package main

import "time"

// maxSimTicks bounds the ticks one simulated run may take, counted at every
// machine's highest possible rate: about a quarter of an hour at the
// recorded simulator's measured speed (docs/PERFORMANCE.md), and thousands
// of times the classic experiment. Without it a typo such as --duration
// 1000000h runs for days.
const maxSimTicks = 1_000_000_000

// checkSimBudget refuses a simulated run that could take more than
// maxSimTicks ticks.
func checkSimBudget(d time.Duration, machines, maxRate int) error {
	ticks := d.Seconds() * float64(machines) * float64(maxRate)
	if ticks > maxSimTicks {
		unit := "ticks/s"
		if maxRate == 1 {
			unit = "tick/s"
		}
		return usageErrorf("--duration %v: %d machines at up to %d %s is up to %.3g ticks, over the limit of %d for one simulated run; shorten --duration",
			d, machines, maxRate, unit, ticks, maxSimTicks)
	}
	return nil
}
