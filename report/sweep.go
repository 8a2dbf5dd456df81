package report

import (
	"math"
	"slices"
	"time"
)

// RunFigures are the few numbers of one run that a sweep compares across
// seeds and variants: the experiment's questions, one number each.
type RunFigures struct {
	Run  string `json:"run"`
	Seed uint64 `json:"seed"`
	// Events is the run's total number of events.
	Events float64 `json:"events"`
	// MeanJump is the mean clock jump over every event of every machine
	// (each machine's mean weighted by its events); MaxJump the largest.
	MeanJump float64 `json:"mean_jump"`
	MaxJump  float64 `json:"max_jump"`
	// MeanQueueAtTick is the mean queue length when a tick came (before a
	// receive took its message) over every event of every machine;
	// MaxQueueAtTick the longest any machine had at a tick.
	MeanQueueAtTick float64 `json:"mean_queue_at_tick"`
	MaxQueueAtTick  float64 `json:"max_queue_at_tick"`
	// ClockRate is the mean over machines of the clock's slope against
	// time, clock units per second of the model's time (wall seconds times
	// the live run's speed; see Analysis).
	ClockRate float64 `json:"clock_rate"`
	// Drift is the most negative "vs fastest" of the run's machines: a
	// machine's clock rate minus the fastest machine's (the highest drawn
	// tick rate, ties to the lowest id), clock units per second; 0 when
	// every clock keeps up.
	Drift float64 `json:"drift"`
	// MaxLag is the largest lag behind the fastest machine's clock.
	MaxLag float64 `json:"max_lag"`
}

// FiguresOf reduces an Analysis to its RunFigures.
func FiguresOf(a Analysis) RunFigures {
	f := RunFigures{Run: a.Run, Seed: a.Seed, Events: float64(a.Events)}
	var jumpSum, queueSum, slopeSum float64
	for _, m := range a.Machines {
		n := float64(m.Events)
		jumpSum += m.Jumps.Mean * n
		queueSum += m.QueueAtTick.Mean * n
		slopeSum += m.Drift.Slope
		f.MaxJump = max(f.MaxJump, float64(m.Jumps.Max))
		f.MaxQueueAtTick = max(f.MaxQueueAtTick, float64(m.QueueAtTick.Max))
		f.Drift = min(f.Drift, m.Drift.SlopeVsFastest)
		f.MaxLag = max(f.MaxLag, float64(m.Drift.MaxLag))
	}
	if a.Events > 0 {
		f.MeanJump = jumpSum / float64(a.Events)
		f.MeanQueueAtTick = queueSum / float64(a.Events)
	}
	if len(a.Machines) > 0 {
		f.ClockRate = slopeSum / float64(len(a.Machines))
	}
	return f
}

// Spread summarises one figure across the seeds of a variant.
type Spread struct {
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	// SD is the sample standard deviation (n-1); 0 for a single run.
	SD float64 `json:"sd"`
}

// SpreadOf summarises values; the zero Spread for none.
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := Spread{Min: slices.Min(values), Max: slices.Max(values)}
	for _, v := range values {
		s.Mean += v
	}
	s.Mean /= float64(len(values))
	if len(values) > 1 {
		var sq float64
		for _, v := range values {
			sq += (v - s.Mean) * (v - s.Mean)
		}
		s.SD = math.Sqrt(sq / float64(len(values)-1))
	}
	return s
}

// Setting is one parameter a sweep variant changes.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Variant is one row of a sweep: its settings, its runs (one per seed) and
// every figure's spread across them.
type Variant struct {
	Name     string       `json:"name"`
	Settings []Setting    `json:"settings"`
	Runs     []RunFigures `json:"runs"`

	Events          Spread `json:"events"`
	MeanJump        Spread `json:"mean_jump"`
	MaxJump         Spread `json:"max_jump"`
	MeanQueueAtTick Spread `json:"mean_queue_at_tick"`
	MaxQueueAtTick  Spread `json:"max_queue_at_tick"`
	ClockRate       Spread `json:"clock_rate"`
	Drift           Spread `json:"drift"`
	MaxLag          Spread `json:"max_lag"`
}

// Sweep is a grid of variants run with the same seeds.
type Sweep struct {
	ID   string `json:"id"`
	Mode string `json:"mode"`
	// Duration is each run's length (virtual time in sim mode).
	Duration time.Duration `json:"duration_ns"`
	// Speed is a live sweep's --speed: per-second figures are per second
	// of the model's time (see Analysis). 0 or 1 in sim mode.
	Speed    float64   `json:"speed,omitempty"`
	Variants []Variant `json:"variants"`
}

// sweepNotes define the sweep's figures that are easy to misread, in the
// words of the run report.
func sweepNotes(s Sweep) []string {
	notes := []string{
		"mean/max " + queueAtTickNote,
		"worst vs fastest: the lowest vs fastest of a run's machines; " + vsFastestNote,
	}
	if note := perSecondNote(s.Speed); note != "" {
		notes = append(notes, note)
	}
	return notes
}

// sweepFigure names one figure of a run for the tables and plots.
type sweepFigure struct {
	column string // CSV column prefix
	title  string // table header and plot title
	digits int
	of     func(RunFigures) float64
	spread func(*Variant) *Spread
}

var sweepFigures = []sweepFigure{
	{"events", "events", 0, func(f RunFigures) float64 { return f.Events }, func(v *Variant) *Spread { return &v.Events }},
	{"mean_jump", "mean jump", 3, func(f RunFigures) float64 { return f.MeanJump }, func(v *Variant) *Spread { return &v.MeanJump }},
	{"max_jump", "max jump", 1, func(f RunFigures) float64 { return f.MaxJump }, func(v *Variant) *Spread { return &v.MaxJump }},
	{"mean_queue_at_tick", "mean queue at tick", 3, func(f RunFigures) float64 { return f.MeanQueueAtTick }, func(v *Variant) *Spread { return &v.MeanQueueAtTick }},
	{"max_queue_at_tick", "max queue at tick", 1, func(f RunFigures) float64 { return f.MaxQueueAtTick }, func(v *Variant) *Spread { return &v.MaxQueueAtTick }},
	{"clock_rate", "clock/s", 3, func(f RunFigures) float64 { return f.ClockRate }, func(v *Variant) *Spread { return &v.ClockRate }},
	{"drift", "worst vs fastest (clock/s)", 3, func(f RunFigures) float64 { return f.Drift }, func(v *Variant) *Spread { return &v.Drift }},
	{"max_lag", "max lag", 1, func(f RunFigures) float64 { return f.MaxLag }, func(v *Variant) *Spread { return &v.MaxLag }},
}

// NewVariant summarises the runs of one variant.
func NewVariant(name string, settings []Setting, runs []RunFigures) Variant {
	v := Variant{Name: name, Settings: settings, Runs: runs}
	values := make([]float64, len(runs))
	for _, fig := range sweepFigures {
		for i, r := range runs {
			values[i] = fig.of(r)
		}
		*fig.spread(&v) = SpreadOf(values)
	}
	return v
}
