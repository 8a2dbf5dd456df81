package report

import (
	"fmt"
	"strconv"
)

// The one wording of the figures that are easy to misread, shared by the
// text report, both HTML pages and the sweep's table, so they all define
// them alike (docs/REPORT.md quotes them).
const (
	// queueAtTickNote says which queue length the tables give.
	queueAtTickNote = "queue at tick: the messages waiting in a machine's queue when its tick came, before a receive takes one"
	// vsFastestNote defines "vs fastest" as Analysis computes it.
	vsFastestNote = "vs fastest: this machine's clock rate (clock units per second) minus the fastest machine's; " +
		"the fastest is the one with the highest drawn tick rate (ties: the lowest id); negative = falling behind"
)

// perSecondNote says what "per second" means in a run at speed: "" at
// speed 1 (a simulation, or a live run in real time), where a second is a
// second.
func perSecondNote(speed float64) string {
	if !(speed > 0) || speed == 1 {
		return ""
	}
	s := strconv.FormatFloat(speed, 'g', -1, 64)
	return fmt.Sprintf("speed %s: every per-second figure is per second of the model's time, wall seconds x %s, "+
		"so it compares with the drawn tick rates at any --speed", s, s)
}
