package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"lamport/core"
	"lamport/record"
)

// Analysis is the numbers of one recorded run that answer the classic
// experiment's questions: how far each machine's Lamport clock jumps, how
// many values it skips, how long its queue grows, how its clock drifts from
// the fastest machine's and from real time, and who sends to whom.
//
// Analyze computes it in one streaming pass over the store: the entries of
// all machines are merged by wall time, one entry per machine in memory,
// and every statistic is a running sum or an exact distribution (a count
// per distinct value), so memory does not grow with the run's length.
//
// Definitions:
//
//   - A jump is the clock after an event minus the clock before it (0
//     before a machine's first event). A send or internal event jumps by 1;
//     a receive jumps further when the message's clock is ahead. Should a
//     recorded clock ever go back (a broken recording), that jump counts
//     as 0. The jumps of a machine sum to its final clock.
//   - Gaps are the clock values a machine skips: the sum over its events
//     of (jump - 1), and the largest single gap.
//   - Percentiles are exact, nearest rank: the p-th percentile is the
//     smallest value v such that at least ceil(p/100 * n) of the n values
//     are <= v. Histograms bucket the distribution as 0, 1, 2, 3-4, 5-8,
//     9-16, ... (powers of two), leaving out empty buckets.
//   - The queue length at a tick is Event.QueueAtTick: the messages
//     waiting when the tick came, before a receive takes one (the figure
//     the classic exercise logs on every receive); 0 at a send or internal
//     event, which happen only on an empty queue. Its mean, p99 and max are
//     over the machine's events. Time non-empty follows the queue through
//     the machine's log: an arrival adds one, an event leaves Event.Queue;
//     the time between consecutive entries during which it is above 0 is
//     summed and given as a share of the machine's time, its span (the At
//     of its last entry), not of its ticks.
//   - Per second means per second of the model's time: in a live run at
//     Speed s, wall seconds times s, so a machine drawn at 3 ticks per
//     second shows about 3 events per second at any --speed, and the
//     figures compare with the drawn rates and with a simulation's. A
//     simulation's Speed is 1: its virtual seconds are the model's.
//   - Drift against real time is the least-squares slope of a machine's
//     clock (after each event) against the event's time in seconds as
//     above: clock units per second. The fastest machine has the highest
//     drawn tick rate (ties: the lowest id); "vs fastest" is a machine's
//     clock rate minus the fastest machine's (negative: falling behind),
//     and can be positive for a machine whose clock messages pull ahead
//     of the fastest's. Lag is the fastest machine's current
//     clock minus this machine's clock, taken at each of this machine's
//     events, with all machines merged on the run's time axis (see
//     record.TimedEntry; ties
//     go to the lower machine id, then log order). A negative lag means
//     the machine was ahead.
//   - Per pair: messages sent from one machine to another (a send event's
//     To), arrived at the receiver (arrival inputs) and received (receive
//     events taking them off the queue).
type Analysis struct {
	Run  string `json:"run"`
	Mode string `json:"mode"`
	// Options are the run's recorded settings (duration, latency, faults).
	Options map[string]string `json:"options,omitempty"`
	Seed    uint64            `json:"seed"`
	Status  string            `json:"status"`
	// Speed multiplies every machine's Rate in a live run (a time-lapse);
	// the per-second figures are divided by it (see Analysis). 1 in a
	// simulation.
	Speed   float64   `json:"speed"`
	Started time.Time `json:"started"`
	// Duration is Ended - Started, or, while the run is still running (or
	// was left running by a crash), the latest entry's wall time since
	// Started.
	Duration time.Duration `json:"duration_ns"`
	Events   uint64        `json:"events"`
	Arrivals uint64        `json:"arrivals"`
	// Sent counts messages sent (one per target of each send event);
	// Received those taken off a queue by a receive event.
	Sent     uint64 `json:"messages_sent"`
	Received uint64 `json:"messages_received"`
	// Queued counts messages that had arrived but were not yet received
	// at the end (per machine arrivals - receives, summed); InFlight those
	// sent but not arrived (sent - arrivals).
	Queued   uint64 `json:"queued_at_end"`
	InFlight uint64 `json:"in_flight_at_end"`
	// Faults of the run (sim --drop, --crash, ...): Lost counts messages
	// lost for any reason, Duplicated those the network delivered twice,
	// Crashes machine crashes, QueueLost the queued messages they lost.
	// InFlight is then sent + duplicated - arrivals - lost.
	Lost       uint64 `json:"lost"`
	Duplicated uint64 `json:"duplicated"`
	Crashes    uint64 `json:"crashes"`
	QueueLost  uint64 `json:"queue_lost"`
	// Fastest is the machine with the highest tick rate (ties: lowest id),
	// the reference of every Drift; 0 in a run without machines.
	Fastest  core.MachineID    `json:"fastest"`
	Machines []MachineAnalysis `json:"machines"`
	// Pairs are ordered by sender, then receiver; a pair appears when at
	// least one message went between them.
	Pairs []Pair `json:"pairs"`
	// Causality is what Lamport clocks cannot tell (see Causality), from
	// AnalyzeWithCausality and WriteHTML; nil when it was not computed or
	// could not be, CausalityNote then saying why.
	Causality     *Causality `json:"causality"`
	CausalityNote string     `json:"causality_note,omitempty"`
	// Clocks are the machines' wall clocks against the reference machine's
	// (ClockReference), as measured when they connected; only for a run
	// spread over processes or hosts, whose times are then all on the
	// reference's clock (record.RunMeta.Clocks).
	ClockReference core.MachineID `json:"clock_reference,omitempty"`
	Clocks         []ClockOffset  `json:"clocks,omitempty"`
}

// ClockOffset is a machine's wall clock minus the reference machine's,
// within ± Bound. Measured is false for the reference and the machines
// that shared its clock (one process), whose offset is exactly 0.
type ClockOffset struct {
	ID       core.MachineID `json:"id"`
	Offset   time.Duration  `json:"offset_ns"`
	Bound    time.Duration  `json:"bound_ns"`
	Measured bool           `json:"measured"`
}

// MachineAnalysis is one machine's numbers.
type MachineAnalysis struct {
	ID core.MachineID `json:"id"`
	// Rate is the machine's drawn tick rate, ticks per second before the
	// run's Speed.
	Rate int `json:"rate"`
	// MeasuredRate is Events per second of Span, seconds of the model's
	// time (wall seconds times Speed), so it compares with Rate.
	MeasuredRate float64 `json:"measured_rate"`
	Events       uint64  `json:"events"`
	Sends        uint64  `json:"sends"`
	Recvs        uint64  `json:"recvs"`
	Internals    uint64  `json:"internals"`
	Arrivals     uint64  `json:"arrivals"`
	// FinalClock is the clock after the machine's last event.
	FinalClock uint64 `json:"final_clock"`
	// Span is the At of the machine's last entry: how long its log covers.
	Span  time.Duration `json:"span_ns"`
	Jumps JumpStats     `json:"jumps"`
	Gaps  GapStats      `json:"gaps"`
	// QueueAtTick is the queue length when each tick came, before a
	// receive took its message.
	QueueAtTick QueueStats `json:"queue_at_tick"`
	// QueueNonEmpty is the time the queue held at least one message;
	// QueueNonEmptyShare is QueueNonEmpty / Span, a share of the machine's
	// time (not of its ticks; 0 for an empty span).
	QueueNonEmpty      time.Duration `json:"queue_non_empty_ns"`
	QueueNonEmptyShare float64       `json:"queue_non_empty_share_of_time"`
	Drift              DriftStats    `json:"drift"`
	// QueuedAtEnd is Arrivals - Recvs - QueueLost: messages left in the
	// queue at the end.
	QueuedAtEnd uint64 `json:"queued_at_end"`
	// Crashes counts the machine's crashes; QueueLost the queued messages
	// they lost.
	Crashes   uint64 `json:"crashes"`
	QueueLost uint64 `json:"queue_lost"`
}

// JumpStats describe a machine's clock jumps (see Analysis).
type JumpStats struct {
	// OverOne counts jumps > 1.
	OverOne uint64  `json:"over_one"`
	Mean    float64 `json:"mean"`
	P50     uint64  `json:"p50"`
	P90     uint64  `json:"p90"`
	P99     uint64  `json:"p99"`
	Max     uint64  `json:"max"`
	// Histogram is the distribution of jumps in power-of-two buckets.
	Histogram []Bucket `json:"histogram"`
}

// GapStats are the clock values a machine skipped.
type GapStats struct {
	// Total is the sum over events of jump - 1; Max the largest one.
	Total uint64 `json:"total"`
	Max   uint64 `json:"max"`
}

// QueueStats describe a machine's queue length when its ticks came.
type QueueStats struct {
	// Mean, P99 and Max are over the machine's events of
	// Event.QueueAtTick: the messages waiting when the tick came.
	Mean float64 `json:"mean"`
	P99  uint64  `json:"p99"`
	Max  uint64  `json:"max"`
}

// DriftStats compare a machine's clock with real time and with the
// fastest machine's clock.
type DriftStats struct {
	// Slope is the least-squares slope of clock against time: clock units
	// per second of the model's time (wall seconds times Speed).
	Slope float64 `json:"slope"`
	// SlopeVsFastest is Slope minus the fastest machine's Slope (the
	// machine with the highest drawn tick rate, ties to the lowest id):
	// negative when this machine's clock falls behind.
	SlopeVsFastest float64 `json:"slope_vs_fastest"`
	// MaxLag and MeanLag are over this machine's events of the fastest
	// machine's clock minus this machine's (0 for the fastest itself).
	MaxLag  int64   `json:"max_lag"`
	MeanLag float64 `json:"mean_lag"`
}

// Pair counts the messages from one machine to another.
type Pair struct {
	From     core.MachineID `json:"from"`
	To       core.MachineID `json:"to"`
	Sent     uint64         `json:"sent"`
	Arrived  uint64         `json:"arrived"`
	Received uint64         `json:"received"`
}

// machineAcc accumulates one machine while the merged walk passes it.
type machineAcc struct {
	m *MachineAnalysis

	clock    uint64
	jumps    dist
	atTick   dist   // queue length when each tick came
	q        uint64 // queue length after the last entry
	lastAt   time.Duration
	nonEmpty time.Duration
	real     regression
	lagSum   float64
	lagMax   int64
}

// Analyze computes the Analysis of run runID of st in one streaming pass,
// inside one read transaction. It returns record's ErrNotFound (wrapped)
// for an unknown run, and ErrCorrupt for a log that does not decode.
func Analyze(st *record.Store, runID string) (Analysis, error) {
	var a Analysis
	err := st.View(runID, func(r *record.Reader) error {
		var err error
		a, err = analyze(r)
		return err
	})
	if err != nil {
		return Analysis{}, fmt.Errorf("analyze run %s: %w", runID, err)
	}
	return a, nil
}

// AnalyzeWithCausality is Analyze plus the Causality figures, which are
// counted at the same time on a read transaction of their own, in causal
// order rather than time order (CountCausality). A run whose figures
// cannot be counted (a partial store, a recording cut before a send) still
// gets its Analysis, with Causality nil and CausalityNote saying why, and
// so does a run of more than maxMachines machines (0: the default,
// CausalityDefaultMachines; at most CausalityMaxMachines).
func AnalyzeWithCausality(st *record.Store, runID string, maxMachines int) (Analysis, error) {
	causal := goCausality(st, runID, maxMachines)
	a, err := Analyze(st, runID)
	c := <-causal
	a.Causality, a.CausalityNote = c.figures, c.note
	return a, err
}

type causalityResult struct {
	figures *Causality
	note    string
}

// goCausality counts run runID's Causality on another goroutine.
func goCausality(st *record.Store, runID string, maxMachines int) <-chan causalityResult {
	out := make(chan causalityResult, 1)
	go func() {
		c, note := causalityOf(st, runID, maxMachines)
		out <- causalityResult{c, note}
	}()
	return out
}

func analyze(r *record.Reader) (Analysis, error) {
	return analyzeWalk(r.Meta(), r.TimeWalk())
}

// runWalk is a run's entries in the order of record.TimeWalk: the store's
// walk, or the walk of logs held in memory (AnalyzeLogs).
type runWalk interface {
	Machines() []core.MachineID
	Next() (*record.TimedEntry, bool)
	Err() error
}

// analyzeWalk is the Analysis of the run meta describes, from its entries
// in walk.
func analyzeWalk(meta record.RunMeta, walk runWalk) (Analysis, error) {
	a := Analysis{
		Run: meta.ID, Mode: meta.Mode, Options: meta.Options, Seed: meta.Seed, Status: string(meta.Status),
		Speed: meta.Speed, Started: meta.Started,
	}
	if meta.Synced() {
		a.ClockReference = meta.Reference()
		for _, c := range meta.Clocks() {
			a.Clocks = append(a.Clocks, ClockOffset{ID: c.ID, Offset: c.Offset, Bound: c.Bound, Measured: c.Measured})
		}
	}
	modelSeconds := modelTime(meta.Speed)
	// Every machine of the metadata, and any with a log it does not list
	// (which Check forbids, but a report should still show).
	ids := walk.Machines()
	a.Machines = make([]MachineAnalysis, len(ids))
	accs := make([]*machineAcc, len(ids))
	fastest := -1
	for i, id := range ids {
		mm, _ := meta.Machine(id)
		a.Machines[i] = MachineAnalysis{ID: id, Rate: mm.Rate}
		accs[i] = &machineAcc{m: &a.Machines[i]}
		if fastest < 0 || mm.Rate > a.Machines[fastest].Rate {
			fastest = i
		}
	}
	pairs := map[[2]core.MachineID]*Pair{}
	pair := func(from, to core.MachineID) *Pair {
		k := [2]core.MachineID{from, to}
		p := pairs[k]
		if p == nil {
			p = &Pair{From: from, To: to}
			pairs[k] = p
		}
		return p
	}

	var fast *machineAcc
	if fastest >= 0 {
		fast = accs[fastest]
		a.Fastest = fast.m.ID
	}
	var end time.Duration
	for te, ok := walk.Next(); ok; te, ok = walk.Next() {
		next := accs[te.Slot]
		e, m := &te.Entry, next.m
		end = max(end, te.RunAt)
		if next.q > 0 {
			next.nonEmpty += e.At - next.lastAt
		}
		next.lastAt = e.At
		switch {
		case e.Arrival:
			m.Arrivals++
			next.q++
			pair(e.Msg.From, m.ID).Arrived++
		case e.Fault.Kind != 0:
			switch e.Fault.Kind {
			case core.FaultLost:
				a.Lost++
			case core.FaultDup:
				a.Duplicated++
			case core.FaultCrash:
				m.Crashes++
				m.QueueLost += uint64(e.Fault.QueueLost)
				next.q = 0
			case core.FaultRestart:
				if e.Fault.ResetClock {
					next.clock = 0
				}
			}
		default:
			ev := &e.Event
			var jump uint64
			if ev.Clock > next.clock {
				jump = ev.Clock - next.clock
			}
			next.clock = ev.Clock
			next.jumps.add(jump)
			if jump > 1 {
				m.Jumps.OverOne++
				m.Gaps.Total += jump - 1
				m.Gaps.Max = max(m.Gaps.Max, jump-1)
			}
			next.atTick.add(uint64(max(ev.QueueAtTick(), 0)))
			next.q = uint64(max(ev.Queue, 0))
			m.Events++
			switch ev.Kind {
			case core.KindSend:
				m.Sends++
				for _, to := range ev.To {
					pair(m.ID, to).Sent++
				}
				a.Sent += uint64(len(ev.To))
			case core.KindRecv:
				m.Recvs++
				pair(ev.Msg.From, m.ID).Received++
			case core.KindInternal:
				m.Internals++
			}
			next.real.add(modelSeconds(te.RunAt), float64(ev.Clock))
			lag := int64(fast.clock) - int64(ev.Clock)
			if next.m.Events == 1 || lag > next.lagMax {
				next.lagMax = lag
			}
			next.lagSum += float64(lag)
		}
	}
	if err := walk.Err(); err != nil {
		return Analysis{}, err
	}

	for _, acc := range accs {
		m := acc.m
		m.FinalClock = acc.clock
		m.Span = acc.lastAt
		if m.Span > 0 {
			m.MeasuredRate = float64(m.Events) / modelSeconds(m.Span)
			m.QueueNonEmptyShare = float64(acc.nonEmpty) / float64(m.Span)
		}
		p := acc.jumps.percentiles(50, 90, 99, 100)
		m.Jumps.Mean, m.Jumps.P50, m.Jumps.P90, m.Jumps.P99, m.Jumps.Max = acc.jumps.mean(), p[0], p[1], p[2], p[3]
		m.Jumps.Histogram = acc.jumps.histogram()
		qp := acc.atTick.percentiles(99)
		m.QueueAtTick = QueueStats{Mean: acc.atTick.mean(), P99: qp[0], Max: acc.atTick.max}
		m.QueueNonEmpty = acc.nonEmpty
		m.Drift.Slope = acc.real.slope()
		if m.Events > 0 {
			m.Drift.MaxLag = acc.lagMax
			m.Drift.MeanLag = acc.lagSum / float64(m.Events)
		}
		if m.Arrivals > m.Recvs+m.QueueLost {
			m.QueuedAtEnd = m.Arrivals - m.Recvs - m.QueueLost
		}
		a.Crashes += m.Crashes
		a.QueueLost += m.QueueLost
		a.Events += m.Events
		a.Arrivals += m.Arrivals
		a.Received += m.Recvs
		a.Queued += m.QueuedAtEnd
	}
	if fast != nil {
		for i := range a.Machines {
			a.Machines[i].Drift.SlopeVsFastest = a.Machines[i].Drift.Slope - fast.m.Drift.Slope
		}
	}
	if a.Sent+a.Duplicated > a.Arrivals+a.Lost {
		a.InFlight = a.Sent + a.Duplicated - a.Arrivals - a.Lost
	}
	switch {
	case !meta.Ended.IsZero():
		a.Duration = meta.Ended.Sub(meta.Started)
	default:
		a.Duration = end
	}
	a.Pairs = make([]Pair, 0, len(pairs))
	for _, p := range pairs {
		a.Pairs = append(a.Pairs, *p)
	}
	slices.SortFunc(a.Pairs, func(x, y Pair) int {
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	return a, nil
}

// modelTime converts a wall duration of a run at speed into seconds of the
// model's time, the unit of every per-second figure: a live run at speed s
// runs s model seconds a wall second. A speed that is not positive (an old
// or hand-made recording) counts as 1.
func modelTime(speed float64) func(time.Duration) float64 {
	if !(speed > 0) {
		speed = 1
	}
	return func(d time.Duration) float64 { return d.Seconds() * speed }
}
