package report

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"lamport/core"
	"lamport/internal/textfmt"
	"lamport/record"
)

// Causality is what Lamport clocks cannot tell, counted over every
// unordered pair of events (sends, receives, internal events; not
// arrivals, not fault entries) on different machines:
//
//   - CrossPairs: how many such pairs there are, (N² − Σ nᵢ²)/2 for N events
//     of which nᵢ are machine i's.
//   - Ordered: the pairs where one event happened before the other (a chain
//     of program order and messages leads from one to the other). Each pair
//     a→b is counted once, at b: Σ over events e of Σ_{j ≠ machine(e)} VC(e)[j],
//     VC being the vector clocks of vectorClocks.
//   - Concurrent: the rest, CrossPairs − Ordered: neither happened before
//     the other, although their Lamport clocks still order them (or tie).
//   - EqualClockPairs: the pairs whose two events have the same Lamport
//     clock. Such events are always concurrent unless a restart reset a
//     clock.
type Causality struct {
	CrossPairs      uint64 `json:"cross_pairs"`
	Ordered         uint64 `json:"ordered"`
	Concurrent      uint64 `json:"concurrent"`
	EqualClockPairs uint64 `json:"equal_clock_pairs"`
}

// CausalityMaxMachines is the most machines for which the causality
// figures are computed. Every event costs a walk over a vector of one
// entry per machine, and every message in flight holds one such vector:
// at 10 000 machines that is 80 KB per send in flight, and a run's memory
// would grow with its queues to gigabytes (docs/PERFORMANCE.md has the
// measurements).
const CausalityMaxMachines = 1000

// CausalityDefaultMachines is the most machines for which a report counts
// the causality figures unless asked for more: on a run of 100 machines
// whose slow machines' queues grow, the causal-order pass takes about four
// times the report's own time (docs/PERFORMANCE.md), while the exercise's
// runs have 3 to 10 machines.
const CausalityDefaultMachines = 32

// causalityLimit is the machine limit a caller asked for: 0 means the
// default, and no one gets more than CausalityMaxMachines.
func causalityLimit(maxMachines int) int {
	if maxMachines <= 0 {
		return CausalityDefaultMachines
	}
	return min(maxMachines, CausalityMaxMachines)
}

// ErrTooManyMachines is returned by CountCausality for a run with more than
// CausalityMaxMachines machines.
var ErrTooManyMachines = fmt.Errorf("the run has more than %d machines, too many to derive vector clocks for", CausalityMaxMachines)

// CountCausality computes the Causality of the run r reads in one pass in
// causal order (vectorClocks). It fails with vectorClocks' errors
// (record.ErrPartialRun, ErrUnsentMessage) and ErrTooManyMachines.
//
// Memory: vectorClocks' (one event per machine, one vector per send still
// in flight) plus, for the equal clocks, a count per Lamport clock value
// that some machine may still reach. Without clock resets a machine's
// clock only grows, so a value is forgotten once every machine that still
// has events has passed it; in a run whose restarts reset clocks
// (sim --restart reset) values recur, so every (machine, value) seen is
// kept to the end: memory grows with the run's length there. A run whose
// options do not say so but whose clock goes back all the same is counted
// again that way.
func CountCausality(r *record.Reader) (Causality, error) {
	c, err := countCausality(r, r.Meta().Options["restart"] == "reset")
	if errors.Is(err, errClockWentBack) {
		return countCausality(r, true)
	}
	return c, err
}

// errClockWentBack: a machine's Lamport clock went back although the run
// was not known to reset clocks.
var errClockWentBack = errors.New("a clock went back")

func countCausality(r *record.Reader, resets bool) (Causality, error) {
	meta := r.Meta()
	ids := r.Machines()
	if len(ids) > CausalityMaxMachines {
		return Causality{}, fmt.Errorf("run %s has %d machines: %w", meta.ID, len(ids), ErrTooManyMachines)
	}
	left := make([]uint64, len(ids)) // events each machine has still to come
	for i, id := range ids {
		st, ok, err := r.Stats(id)
		if err != nil {
			return Causality{}, err
		}
		if ok {
			left[i] = st.Events
		}
	}
	eq := newEqualClocks(left, resets)
	var c Causality
	counts := make([]uint64, len(ids))
	pos := 0
	err := vectorClocks(r, func(ve vectorEvent) error {
		// ve.IDs is ids (both list the machines with a log, ascending);
		// find the event's position, usually the previous one's neighbour.
		if ids[pos] != ve.Machine {
			pos = machinePos(ids, ve.Machine)
		}
		c.Ordered += ve.Past - ve.Clock[pos]
		counts[pos]++
		return eq.add(pos, ve.Event.Clock, ve.Machine)
	})
	if err != nil {
		return Causality{}, err
	}
	var n, squares uint64
	for _, k := range counts {
		n += k
		squares += k * k
	}
	c.CrossPairs = (n*n - squares) / 2
	c.Concurrent = c.CrossPairs - c.Ordered
	c.EqualClockPairs = eq.pairs
	return c, nil
}

// machinePos is id's position in the ascending ids; it must be there.
func machinePos(ids []core.MachineID, id core.MachineID) int {
	lo, hi := 0, len(ids)
	for lo < hi {
		mid := (lo + hi) / 2
		if ids[mid] < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// equalClocks counts pairs of events on different machines with equal
// Lamport clocks, streaming.
type equalClocks struct {
	pairs uint64
	// reset: clocks may go back (restarts reset them), so values recur and
	// nothing is forgotten: seen counts each machine's events per value,
	// total all machines' events per value.
	reset bool
	seen  map[[2]uint64]uint64
	total map[uint64]uint64
	// Without resets: clock is each machine's clock after its latest event
	// (MaxUint64 once it has no events left), left its events to come,
	// floor the least clock, at the number of machines there. No event to
	// come has a clock <= floor, so counts holds the events so far of the
	// values floor+1, floor+2, ... only.
	clock  []uint64
	left   []uint64
	floor  uint64
	at     int
	counts []uint64
}

func newEqualClocks(left []uint64, reset bool) *equalClocks {
	e := &equalClocks{reset: reset, clock: make([]uint64, len(left)), left: left}
	for i, n := range left {
		if n == 0 {
			e.clock[i] = math.MaxUint64
		}
	}
	if reset {
		e.seen, e.total = map[[2]uint64]uint64{}, map[uint64]uint64{}
		return e
	}
	e.refloor()
	return e
}

// add counts machine pos's next event, of Lamport clock v.
func (e *equalClocks) add(pos int, v uint64, id core.MachineID) error {
	if e.reset {
		k := [2]uint64{uint64(pos), v}
		e.pairs += e.total[v] - e.seen[k]
		e.total[v]++
		e.seen[k]++
		return nil
	}
	old := e.clock[pos]
	if v <= old {
		return fmt.Errorf("machine %d's clock went from %d back to %d: %w", id, old, v, errClockWentBack)
	}
	i := v - e.floor - 1 // v > old >= floor
	if i >= uint64(len(e.counts)) {
		e.counts = append(e.counts, make([]uint64, i+1-uint64(len(e.counts)))...)
	}
	e.pairs += e.counts[i]
	e.counts[i]++
	e.clock[pos] = v
	if e.left[pos] > 0 {
		e.left[pos]--
	}
	if e.left[pos] == 0 {
		e.clock[pos] = math.MaxUint64
	}
	if old == e.floor {
		if e.at--; e.at == 0 {
			e.refloor()
		}
	}
	return nil
}

// refloor finds the least clock again and forgets the values at or below
// it.
func (e *equalClocks) refloor() {
	old := e.floor
	e.floor, e.at = math.MaxUint64, 0
	for _, c := range e.clock {
		switch {
		case c < e.floor:
			e.floor, e.at = c, 1
		case c == e.floor:
			e.at++
		}
	}
	if d := e.floor - old; d < uint64(len(e.counts)) {
		e.counts = e.counts[d:]
	} else {
		e.counts = e.counts[:0]
	}
}

// causalityOf is CountCausality over its own read transaction of run runID,
// as Analyze and WriteHTML want it: the figures, or nil and the reason
// they could not be computed.
func causalityOf(st *record.Store, runID string, maxMachines int) (*Causality, string) {
	maxMachines = causalityLimit(maxMachines)
	var c Causality
	var machines int
	err := st.View(runID, func(r *record.Reader) error {
		if machines = len(r.Machines()); machines > maxMachines {
			return nil
		}
		var err error
		c, err = CountCausality(r)
		return err
	})
	switch {
	case err == nil && machines > maxMachines:
		return nil, fmt.Sprintf("the run has %d machines, more than the %d counted by default (--causality counts up to %d; it takes several times as long)",
			machines, maxMachines, CausalityMaxMachines)
	case err == nil:
		return &c, ""
	case errors.Is(err, record.ErrPartialRun):
		return nil, "the store holds only part of the run (merge every machine's store first)"
	case errors.Is(err, ErrUnsentMessage):
		return nil, "the recording was cut before some message's send"
	case errors.Is(err, ErrTooManyMachines):
		return nil, fmt.Sprintf("more than %d machines", CausalityMaxMachines)
	}
	return nil, err.Error()
}

// causalityTitle heads the causality figures in the text and the page.
const causalityTitle = "what Lamport clocks cannot tell"

// causalityLine is WriteText's line of causality figures; "" when they
// were not asked for.
func causalityLine(a *Analysis) string {
	c := a.Causality
	switch {
	case c == nil && a.CausalityNote == "":
		return ""
	case c == nil:
		return causalityTitle + ": not computed: " + a.CausalityNote
	}
	return fmt.Sprintf("%s: %s pairs of events on different machines; %s ordered by happened-before%s, %s concurrent%s; %s %s a Lamport clock",
		causalityTitle, textfmt.Thousands(c.CrossPairs), textfmt.Thousands(c.Ordered), percentOf(c.Ordered, c.CrossPairs),
		textfmt.Thousands(c.Concurrent), percentOf(c.Concurrent, c.CrossPairs), textfmt.Thousands(c.EqualClockPairs), pluralVerb(c.EqualClockPairs, "pair shares", "pairs share"))
}

// causalityRows are the page's table of the causality figures, header
// first.
func causalityRows(c *Causality) [][]string {
	return [][]string{
		{"pairs of events on different machines", "count", "share"},
		{"all", textfmt.Thousands(c.CrossPairs), ""},
		{"ordered by happened-before", textfmt.Thousands(c.Ordered), strings.Trim(percentOf(c.Ordered, c.CrossPairs), " ()")},
		{"concurrent", textfmt.Thousands(c.Concurrent), strings.Trim(percentOf(c.Concurrent, c.CrossPairs), " ()")},
		{"with equal Lamport clocks", textfmt.Thousands(c.EqualClockPairs), strings.Trim(percentOf(c.EqualClockPairs, c.CrossPairs), " ()")},
	}
}

// percentOf is " (33.2%)", or "" when whole is 0.
func percentOf(part, whole uint64) string {
	if whole == 0 {
		return ""
	}
	return " (" + textFloat(100*float64(part)/float64(whole), 1) + "%)"
}

func pluralVerb(n uint64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
