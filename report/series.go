package report

import (
	"time"

	"lamport/core"
	"lamport/record"
)

// DefaultBuckets is the number of time buckets the HTML report's time
// series have when HTMLOptions.Buckets is 0: about four pixels per bucket
// on a 900-pixel-wide chart, few enough that a mean over a bucket's
// events is a steady line.
const DefaultBuckets = 200

// MaxBuckets bounds HTMLOptions.Buckets.
const MaxBuckets = 10_000

// machineSeries is one machine's time series, downsampled to buckets.
//
// The run's duration is cut into equal time buckets; bucket b covers run
// time [b*w, (b+1)*w) (an entry at exactly the run's end, or later, falls
// in the last bucket; one before the run's start in the first). Times are
// seconds since the run's start (the machine's StartWall - Started +
// Entry.At, as in Analyze).
type machineSeries struct {
	ID core.MachineID
	// Clock holds the point (0, 0), then per bucket (its end, the clock
	// after the machine's last event at or before that end). Its last Y
	// is the machine's FinalClock.
	Clock []point
	// Queue holds, per bucket with at least one event of the machine,
	// (the bucket's middle, the mean Event.QueueAtTick over those events):
	// the queue length when the tick came, as Analysis defines it.
	// QueueMax holds the largest at the same X, so its largest Y is
	// MachineAnalysis.QueueAtTick.Max.
	Queue, QueueMax []point
	// Lag holds, per bucket with at least one event of the machine, (the
	// bucket's middle, the mean lag over those events), lag as Analysis
	// defines it (the fastest machine's clock minus this one's, at this
	// machine's event). LagMax holds the largest lag at the same X, so its
	// largest Y is DriftStats.MaxLag.
	Lag, LagMax []point
	// Events holds the number of the machine's events in each bucket with
	// any, at the same X: weighting Queue and Lag by it gives
	// QueueAtTick.Mean and DriftStats.MeanLag.
	Events []point
}

// bucketAcc accumulates one machine's buckets during the walk. Memory is
// a fixed few numbers per bucket, whatever the run's length.
type bucketAcc struct {
	clockEnd []uint64 // clock after the last event in the bucket
	n        []uint64 // the machine's events in the bucket
	qMax     []int    // largest Event.QueueAtTick among the bucket's events
	qSum     []float64
	lagMax   []int64 // largest lag among the bucket's events
	lagSum   []float64
}

// runSeries is what the HTML report's walk gathers: the per-machine time
// series and the space-time window.
type runSeries struct {
	Buckets  int
	Width    time.Duration // of one bucket
	Machines []machineSeries
	Window   windowEvents
}

// walkCursor is one machine's state during the walk.
type walkCursor struct {
	id    core.MachineID
	clock uint64
	acc   bucketAcc
}

// gatherSeries walks run r once, merging all machines' entries by run time
// (ties: lower machine id, then log order, as Analyze and 'lamport show'
// do), and gathers the time series in buckets buckets over duration, with
// lag against machine fastest, and the events of window win. Memory is
// O(machines * buckets + window), not O(run length).
func gatherSeries(r *record.Reader, duration time.Duration, buckets int, fastest core.MachineID, win Window) (runSeries, error) {
	walk := r.TimeWalk()
	ids := walk.Machines()
	width := duration / time.Duration(buckets)
	if width <= 0 {
		width = 1
	}
	out := runSeries{Buckets: buckets, Width: width}
	wc := newWindowCollector(win)

	cs := make([]*walkCursor, len(ids))
	var fast *walkCursor
	for i, id := range ids {
		c := &walkCursor{id: id}
		c.acc = bucketAcc{clockEnd: make([]uint64, buckets), n: make([]uint64, buckets), qMax: make([]int, buckets),
			qSum: make([]float64, buckets), lagMax: make([]int64, buckets), lagSum: make([]float64, buckets)}
		cs[i] = c
		if id == fastest {
			fast = c
		}
	}
	var pos uint64 // events so far, all machines, in walk order
	for te, ok := walk.Next(); ok; te, ok = walk.Next() {
		next := cs[te.Slot]
		if e := &te.Entry; e.IsTick() {
			pos++
			ev := &e.Event
			next.clock = ev.Clock
			b := min(max(int(te.RunAt/width), 0), buckets-1)
			var lag int64
			if fast != nil {
				lag = int64(fast.clock) - int64(ev.Clock)
			}
			a := &next.acc
			q := ev.QueueAtTick()
			if a.n[b] == 0 {
				a.qMax[b], a.lagMax[b] = q, lag
			}
			a.n[b]++
			a.clockEnd[b] = ev.Clock
			a.qMax[b] = max(a.qMax[b], q)
			a.qSum[b] += float64(q)
			a.lagMax[b] = max(a.lagMax[b], lag)
			a.lagSum[b] += float64(lag)
			wc.add(pos, next.id, te.RunAt, ev)
		} else if e.Fault.Kind == core.FaultLost {
			wc.lost(e.Msg, e.Fault.Reason)
		}
	}
	if err := walk.Err(); err != nil {
		return runSeries{}, err
	}

	bucketSecs := width.Seconds()
	for _, c := range cs {
		a := &c.acc
		ms := machineSeries{ID: c.id, Clock: make([]point, 0, buckets+1)}
		ms.Clock = append(ms.Clock, point{0, 0})
		var clock uint64
		for b := range buckets {
			if n := float64(a.n[b]); n > 0 {
				clock = a.clockEnd[b]
				mid := (float64(b) + 0.5) * bucketSecs
				ms.Events = append(ms.Events, point{mid, n})
				ms.Queue = append(ms.Queue, point{mid, a.qSum[b] / n})
				ms.QueueMax = append(ms.QueueMax, point{mid, float64(a.qMax[b])})
				ms.Lag = append(ms.Lag, point{mid, a.lagSum[b] / n})
				ms.LagMax = append(ms.LagMax, point{mid, float64(a.lagMax[b])})
			}
			end := float64(b+1) * bucketSecs
			if b == buckets-1 {
				end = max(end, duration.Seconds()) // width was rounded down to whole nanoseconds
			}
			ms.Clock = append(ms.Clock, point{end, float64(clock)})
		}
		out.Machines = append(out.Machines, ms)
	}
	out.Window = wc.result()
	out.Window.End = duration
	return out, nil
}
