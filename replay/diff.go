package replay

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"lamport/core"
	"lamport/record"
)

// Diff compares two recorded runs (run vs run), where replay compares a run
// with the model. The runs may come from different drivers: a live run
// and its sim counterpart are identical when their machines did the same
// things, whatever the wall or virtual times.

// DefaultDiffContext is how many events before the first difference a
// diff keeps when DiffOptions.Context is 0.
const DefaultDiffContext = 3

// DiffOptions change what Diff keeps.
type DiffOptions struct {
	// Context is how many events before the first difference to keep:
	// 0 means DefaultDiffContext, a negative value none.
	Context int
}

// DiffResult is the outcome of Diff. Its exported fields are the --json
// form; Identical is added to it as "identical".
type DiffResult struct {
	A RunSummary `json:"a"`
	B RunSummary `json:"b"`
	// Machines holds every machine present in either run, ascending by id.
	Machines []MachineDiff `json:"machines"`
	// Differing is the sum of Machines[i].Differing, MaxClockDiff the
	// largest Machines[i].MaxClockDiff.
	Differing    uint64 `json:"differing"`
	MaxClockDiff uint64 `json:"max_clock_diff"`
	// First is the first differing event, nil when no event differs. It
	// is the one with the lowest event index over all machines; among
	// machines that first differ at the same index, the lowest machine id.
	First *FirstDifference `json:"first"`
}

// RunSummary describes one side of a diff. Every statistic counts tick
// events only (arrivals are inputs, not events).
type RunSummary struct {
	Run    string `json:"run"`
	Mode   string `json:"mode"`
	Seed   uint64 `json:"seed"`
	Status string `json:"status"`
	// Machines counts the machines present in this run.
	Machines int    `json:"machines"`
	Events   uint64 `json:"events"`
	// A jump is how much a machine's clock rises at an event (the clock
	// before its first event is 0). A send or internal event always rises
	// by 1; a receive rises by more when the message's clock is ahead.
	// JumpsOverOne counts jumps > 1; MeanJump is the mean jump over all
	// events (0 with no events); MaxJump the largest.
	JumpsOverOne uint64  `json:"jumps_over_one"`
	MeanJump     float64 `json:"mean_jump"`
	MaxJump      uint64  `json:"max_jump"`
	// MeanQueueAtTick and MaxQueueAtTick are over Event.QueueAtTick, the queue length
	// when each event's tick came, before a receive took its message (0
	// with no events).
	MeanQueueAtTick float64 `json:"mean_queue_at_tick"`
	MaxQueueAtTick  int     `json:"max_queue_at_tick"`

	jumpSum, queueSum uint64
}

// MachineDiff is one machine's side-by-side comparison.
type MachineDiff struct {
	ID core.MachineID `json:"id"`
	// InA and InB say whether the machine is present in each run: listed
	// in the run's metadata or having a log. At least one is true.
	InA bool `json:"in_a"`
	InB bool `json:"in_b"`
	// EventsA and EventsB count the machine's events in each run.
	EventsA uint64 `json:"events_a"`
	EventsB uint64 `json:"events_b"`
	// Differing counts the event indices where the runs differ, including
	// the events only one run has, so
	// |EventsA-EventsB| <= Differing <= max(EventsA, EventsB).
	Differing uint64 `json:"differing"`
	// FinalClockA and FinalClockB are the clocks after the last event (0
	// with no events).
	FinalClockA uint64 `json:"final_clock_a"`
	FinalClockB uint64 `json:"final_clock_b"`
	// MaxClockDiff is the largest |clock in A - clock in B| over the event
	// indices both runs have.
	MaxClockDiff uint64 `json:"max_clock_diff"`
}

// FirstDifference is the first event at which the runs differ.
type FirstDifference struct {
	Machine core.MachineID `json:"machine"`
	// Index is the 1-based event index on Machine.
	Index uint64 `json:"index"`
	// Reason says in words what differs first, in the order kind, die,
	// clock, queue, targets, first message, received message.
	Reason string `json:"reason"`
	// A and B are the two versions; nil when that run has no such event.
	A *DiffEvent `json:"a"`
	B *DiffEvent `json:"b"`
	// Before are the events just before it on Machine, oldest first. They
	// are equal in both runs, or the first difference would be earlier.
	Before []DiffEvent `json:"before"`
}

// DiffEvent is an event in a diff. Its JSON has the field names of
// `lamport export --format jsonl`, plus details, the text form.
type DiffEvent struct {
	Index uint64 `json:"index"`
	Kind  string `json:"kind"`
	Clock uint64 `json:"clock"`
	// Queue is the queue length when the tick came (Event.QueueAtTick);
	// QueueLeft the messages left after the event (Event.Queue).
	Queue     int              `json:"queue"`
	QueueLeft int              `json:"queue_left"`
	Die       int              `json:"die,omitempty"`
	To        []core.MachineID `json:"to,omitempty"`
	Msgs      []string         `json:"msgs,omitempty"`
	From      core.MachineID   `json:"from,omitempty"`
	Msg       string           `json:"msg,omitempty"`
	MsgClock  uint64           `json:"msg_clock,omitempty"`
	// Details is Event.AppendDetails.
	Details string `json:"details"`
	// Event is the event itself.
	Event core.Event `json:"-"`
}

func newDiffEvent(ev core.Event, self core.MachineID, index uint64) DiffEvent {
	ev.Index = index
	d := DiffEvent{
		Index: index, Kind: ev.Kind.String(), Clock: ev.Clock, Queue: ev.QueueAtTick(), QueueLeft: ev.Queue, Die: ev.Die,
		Details: string(ev.AppendDetails(nil, self)), Event: ev,
	}
	switch ev.Kind {
	case core.KindSend:
		d.To = slices.Clone(ev.To)
		for _, m := range ev.Sent(self) {
			d.Msgs = append(d.Msgs, m.ID())
		}
	case core.KindRecv:
		d.From, d.Msg, d.MsgClock = ev.Msg.From, ev.Msg.ID(), ev.Msg.Clock
	case core.KindInternal:
		// No message.
	}
	return d
}

// Identical reports whether the runs have the same machines and every
// machine the same events.
func (r DiffResult) Identical() bool {
	if r.Differing != 0 || r.First != nil {
		return false
	}
	for _, m := range r.Machines {
		if !m.InA || !m.InB {
			return false
		}
	}
	return true
}

// MarshalJSON adds "identical" to the exported fields.
func (r DiffResult) MarshalJSON() ([]byte, error) {
	type plain DiffResult // without the method, so no recursion
	return json.Marshal(struct {
		Identical bool `json:"identical"`
		plain
	}{r.Identical(), plain(r)})
}

// SameEvent reports whether two events are equal for a diff: the same
// kind, die, clock, queue length, targets, first message sequence and
// received message. Index and Tick are where the events are, not what
// they are, and times are not part of an event, so runs recorded at other
// times or by other drivers compare equal. A nil and an empty To are equal.
func SameEvent(a, b core.Event) bool {
	return a.Kind == b.Kind && a.Die == b.Die && a.Clock == b.Clock && a.Queue == b.Queue &&
		slices.Equal(a.To, b.To) && a.FirstSeq == b.FirstSeq && a.Msg == b.Msg
}

// eventDifference says what differs first between a and b, or "".
func eventDifference(a, b core.Event) string {
	switch {
	case a.Kind != b.Kind:
		return fmt.Sprintf("kind differs: A %s, B %s", a.Kind, b.Kind)
	case a.Die != b.Die:
		return fmt.Sprintf("die differs: A %d, B %d", a.Die, b.Die)
	case a.Clock != b.Clock:
		return fmt.Sprintf("clock differs: A %d, B %d", a.Clock, b.Clock)
	case a.Queue != b.Queue:
		return fmt.Sprintf("queue at the tick differs: A %d, B %d", a.QueueAtTick(), b.QueueAtTick())
	case !slices.Equal(a.To, b.To):
		return fmt.Sprintf("targets differ: A %s, B %s", idList(a.To), idList(b.To))
	case a.FirstSeq != b.FirstSeq:
		return fmt.Sprintf("first message sequence differs: A %d, B %d", a.FirstSeq, b.FirstSeq)
	case a.Msg != b.Msg:
		return fmt.Sprintf("message differs: A %s (clock %d), B %s (clock %d)", a.Msg.ID(), a.Msg.Clock, b.Msg.ID(), b.Msg.Clock)
	}
	return ""
}

func idList(ids []core.MachineID) string {
	if len(ids) == 0 {
		return "none"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(s, ",")
}

// Diff compares run runA of store a with run runB of store b (a and b may
// be the same store) machine by machine, aligning each machine's events
// by event index; arrivals are skipped. It streams: memory does not grow
// with the length of the runs, only with the number of machines and
// opt.Context.
//
// Diff holds a read transaction on each store while it runs; as with any
// two bbolt read transactions in one goroutine, no write transaction on
// the same store may start meanwhile in this process.
func Diff(a, b *record.Store, runA, runB string, opt DiffOptions) (DiffResult, error) {
	if _, err := a.Run(runA); err != nil {
		return DiffResult{}, fmt.Errorf("diff: run A: %w", err)
	}
	if _, err := b.Run(runB); err != nil {
		return DiffResult{}, fmt.Errorf("diff: run B: %w", err)
	}
	var res DiffResult
	err := a.View(runA, func(ra *record.Reader) error {
		return b.View(runB, func(rb *record.Reader) error {
			var err error
			res, err = diffRuns(ra, rb, opt)
			return err
		})
	})
	if err != nil {
		return DiffResult{}, fmt.Errorf("diff %s %s: %w", runA, runB, err)
	}
	return res, nil
}

func summaryOf(m record.RunMeta) RunSummary {
	return RunSummary{Run: m.ID, Mode: m.Mode, Seed: m.Seed, Status: string(m.Status)}
}

// present lists the machines of a run: those in its metadata and those
// with a log.
func present(r *record.Reader) map[core.MachineID]bool {
	out := map[core.MachineID]bool{}
	for _, mm := range r.Meta().Machines {
		out[mm.ID] = true
	}
	for _, id := range r.Machines() {
		out[id] = true
	}
	return out
}

func diffRuns(ra, rb *record.Reader, opt DiffOptions) (DiffResult, error) {
	ctx := opt.Context
	if ctx == 0 {
		ctx = DefaultDiffContext
	}
	ctx = max(ctx, 0)
	res := DiffResult{A: summaryOf(ra.Meta()), B: summaryOf(rb.Meta()), Machines: []MachineDiff{}}
	inA, inB := present(ra), present(rb)
	var ids []core.MachineID
	for id := range inA {
		ids = append(ids, id)
	}
	for id := range inB {
		if !inA[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	recent := newEventRing(ctx)
	for _, id := range ids {
		md := MachineDiff{ID: id, InA: inA[id], InB: inB[id]}
		if md.InA {
			res.A.Machines++
		}
		if md.InB {
			res.B.Machines++
		}
		if err := diffMachine(ra, rb, &md, &res, recent); err != nil {
			return DiffResult{}, err
		}
		res.Differing += md.Differing
		res.MaxClockDiff = max(res.MaxClockDiff, md.MaxClockDiff)
		res.Machines = append(res.Machines, md)
	}
	res.A.finish()
	res.B.finish()
	return res, nil
}

// sideStats accumulates one machine's events of one run.
type sideStats struct {
	it     *record.EntryIter
	sum    *RunSummary
	events uint64
	clock  uint64
}

// next returns the machine's next event, skipping arrivals, and counts it.
func (s *sideStats) next() (core.Event, bool) {
	for {
		e, ok := s.it.Next()
		if !ok {
			return core.Event{}, false
		}
		if !e.IsTick() {
			continue
		}
		ev := e.Event
		var jump uint64
		if ev.Clock > s.clock {
			jump = ev.Clock - s.clock
		}
		s.clock = ev.Clock
		s.events++
		s.sum.Events++
		s.sum.jumpSum += jump
		if jump > 1 {
			s.sum.JumpsOverOne++
		}
		s.sum.MaxJump = max(s.sum.MaxJump, jump)
		q := ev.QueueAtTick()
		if q > 0 {
			s.sum.queueSum += uint64(q)
		}
		s.sum.MaxQueueAtTick = max(s.sum.MaxQueueAtTick, q)
		return ev, true
	}
}

// diffMachine walks machine md.ID of both runs in step, one entry at a
// time per run, and fills md; it sets res.First when this machine's first
// difference comes before the one found so far.
func diffMachine(ra, rb *record.Reader, md *MachineDiff, res *DiffResult, recent *eventRing) error {
	id := md.ID
	a := sideStats{it: ra.Entries(id), sum: &res.A}
	b := sideStats{it: rb.Entries(id), sum: &res.B}
	recent.reset()
	found := false // this machine's first difference is known
	for index := uint64(1); ; index++ {
		evA, okA := a.next()
		evB, okB := b.next()
		if !okA && !okB {
			break
		}
		same := okA && okB && SameEvent(evA, evB)
		if okA && okB {
			d := evA.Clock - evB.Clock
			if evB.Clock > evA.Clock {
				d = evB.Clock - evA.Clock
			}
			md.MaxClockDiff = max(md.MaxClockDiff, d)
		}
		if same {
			if !found {
				recent.push(evA)
			}
			continue
		}
		md.Differing++
		if found {
			continue
		}
		found = true
		if res.First != nil && res.First.Index <= index {
			continue // an earlier one, or as early on a lower machine id
		}
		var reason string
		switch {
		case okA && okB:
			reason = eventDifference(evA, evB)
		case !md.InB:
			reason = fmt.Sprintf("machine %d is only in A", id)
		case !md.InA:
			reason = fmt.Sprintf("machine %d is only in B", id)
		case !okB:
			reason = fmt.Sprintf("B ends after event %d on machine %d", index-1, id)
		default:
			reason = fmt.Sprintf("A ends after event %d on machine %d", index-1, id)
		}
		fd := &FirstDifference{Machine: id, Index: index, Reason: reason, Before: []DiffEvent{}}
		if okA {
			e := newDiffEvent(evA, id, index)
			fd.A = &e
		}
		if okB {
			e := newDiffEvent(evB, id, index)
			fd.B = &e
		}
		for i, ev := range recent.all() {
			fd.Before = append(fd.Before, newDiffEvent(ev, id, index-uint64(recent.len())+uint64(i)))
		}
		res.First = fd
	}
	if err := a.it.Err(); err != nil {
		return fmt.Errorf("run A %s machine %d: %w", ra.Meta().ID, id, err)
	}
	if err := b.it.Err(); err != nil {
		return fmt.Errorf("run B %s machine %d: %w", rb.Meta().ID, id, err)
	}
	md.EventsA, md.EventsB = a.events, b.events
	md.FinalClockA, md.FinalClockB = a.clock, b.clock
	return nil
}

func (s *RunSummary) finish() {
	if s.Events > 0 {
		s.MeanJump = float64(s.jumpSum) / float64(s.Events)
		s.MeanQueueAtTick = float64(s.queueSum) / float64(s.Events)
	}
}
