package replay

import (
	"fmt"
	"slices"
	"time"

	"lamport/core"
	"lamport/record"
)

// Model is what the engine drives: core.Machine, or a test's altered one.
type Model interface {
	// Rate is the machine's tick rate, the model's first draw; replay
	// compares it with the rate the recording's metadata holds.
	Rate() int
	Deliver(core.Message)
	Tick() core.Event
	Crash() int
	Restart(missed uint64, resetClock bool, seqSkip uint64)
}

// Options change how a recording is replayed.
type Options struct {
	// Params replaces the recorded parameters ("what if"); nil keeps them.
	Params *core.Params
	// NewModel builds each machine; nil uses core.NewMachine. Tests use it
	// to plant a deliberate change in the model.
	NewModel func(id core.MachineID, ids []core.MachineID, p core.Params) (Model, error)
	// Trace, if set, sees every replayed tick with its recorded event.
	Trace func(TraceStep)
	// Context is how many recorded events before the first divergence the
	// report keeps; default 5.
	Context int
	// Progress, if set, is called every ProgressEvery replayed events.
	Progress func(events uint64)
}

// TraceStep is one replayed tick.
type TraceStep struct {
	Machine  core.MachineID
	At       time.Duration
	Recorded core.Event
	Replayed core.Event
	Same     bool
}

// Result is the outcome of a replay.
type Result struct {
	RunID string
	// Machines counts the run's machines, those with no log (a process
	// killed before its first commit) included.
	Machines int
	// Events and Arrivals count the recorded entries replayed; events a
	// stalled machine never reached are not among them.
	Events, Arrivals uint64
	// First is the earliest divergence (by recorded wall time, then machine
	// id), nil when the replay is identical.
	First *Divergence
	// PerMachine holds, per machine in id order, how many events diverged.
	PerMachine []MachineCount
	// Hash is the trace hash of the replayed schedule and outputs; on an
	// identical replay it equals the recording's.
	Hash string
	// Unverified counts arrivals (and losses) of messages sent in the cut
	// tail of an interrupted run's log: their sender's process died before
	// it committed the send, so they are taken as recorded.
	Unverified uint64
}

// MachineCount is one machine's tally in a Result.
type MachineCount struct {
	ID core.MachineID
	// Events is the machine's recorded events; Diverged those whose replay
	// differs or that the replay could not reach.
	Events   uint64
	Diverged uint64
}

// Identical reports whether the replay reproduced every output.
func (r Result) Identical() bool { return r.First == nil }

// machineReplay is one machine's cursor through its recorded log.
type machineReplay struct {
	id    core.MachineID
	model Model
	it    *record.EntryIter
	start time.Time
	// rate is the recorded tick rate, which bounds what the machine could
	// have sent after its log was cut.
	rate int

	next    core.Entry
	hasNext bool

	// recent holds the last Context recorded events.
	recent *eventRing
	// lastSeq is the Seq of the last message the replayed machine sent,
	// or skipped at a restart; lastClock the clock of its last replayed
	// tick (0 after a restart that reset it); lastAt the At of the last
	// entry replayed.
	lastSeq   uint64
	lastClock uint64
	lastAt    time.Duration
	// skipped are the message numbers restarts passed over: a live
	// process that died may have sent those without recording them.
	skipped  []seqRange
	events   uint64
	diverged uint64
	first    *Divergence
}

// Run replays recording runID of st.
func Run(st *record.Store, runID string, opt Options) (Result, error) {
	res := Result{RunID: runID}
	err := st.View(runID, func(r *record.Reader) error {
		var err error
		res, err = run(r, opt)
		return err
	})
	return res, err
}

func run(r *record.Reader, opt Options) (Result, error) {
	meta := r.Meta()
	res := Result{RunID: meta.ID}
	// A part of a run lacks the others' sends: replay would report false
	// divergences.
	if err := meta.CheckWhole(); err != nil {
		return res, err
	}
	params := meta.Params
	if opt.Params != nil {
		params = *opt.Params
	}
	if opt.Context <= 0 {
		opt.Context = 5
	}
	ids := make([]core.MachineID, 0, len(meta.Config))
	for _, m := range meta.Config {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	if opt.NewModel == nil {
		ring, err := core.NewRing(ids)
		if err != nil {
			return res, fmt.Errorf("run %s: %w", meta.ID, err)
		}
		opt.NewModel = func(id core.MachineID, _ []core.MachineID, p core.Params) (Model, error) {
			return core.NewMachineOnRing(id, ring, p)
		}
	}

	for _, id := range r.Machines() {
		if _, ok := meta.Machine(id); !ok {
			return res, fmt.Errorf("run %s has a log for machine %d, which its metadata does not list", meta.ID, id)
		}
	}
	// Every machine of the metadata is replayed, a machine with no log as
	// an empty one: a process killed before its first commit leaves its
	// machine in the metadata and nothing else, and the messages it sent
	// are then its unrecorded tail.
	var ms []*machineReplay
	for _, mm := range meta.Machines {
		id := mm.ID
		model, err := opt.NewModel(id, ids, params)
		if err != nil {
			return res, fmt.Errorf("run %s machine %d: %w", meta.ID, id, err)
		}
		m := &machineReplay{id: id, model: model, it: r.Entries(id), start: mm.StartWall, rate: mm.Rate, recent: newEventRing(opt.Context)}
		if err := m.advance(); err != nil {
			return res, err
		}
		m.checkRate(mm.Rate)
		ms = append(ms, m)
	}
	res.Machines = len(ms)
	hasher := NewTraceHasher()
	out := newProduced()
	tails := newCutTail(ms, meta)

	for {
		progressed := false
		for _, m := range ms {
			for m.hasNext {
				ok, err := m.step(out, hasher, &res, opt)
				if err != nil {
					return res, err
				}
				if !ok {
					break
				}
				progressed = true
			}
		}
		if !progressed {
			for _, m := range ms {
				if !m.hasNext {
					continue
				}
				fromTail, problem := tails.judge(m)
				switch {
				case !fromTail:
					continue
				case problem != "":
					// Not something the sender could have sent: the
					// machine is stuck there, as on a message never sent.
					if err := m.stall(problem); err != nil {
						return res, err
					}
				default:
					if err := tails.accept(m, hasher, &res); err != nil {
						return res, err
					}
				}
				progressed = true
			}
		}
		if !progressed {
			break
		}
	}
	// Machines still holding entries wait for messages no replayed machine
	// will ever produce: each is stuck at its next arrival.
	for _, m := range ms {
		if m.hasNext {
			msg := m.next.Msg
			if err := m.stall(fmt.Sprintf("the recording has message %s arrive, but the replayed machine %d never sent it", msg.ID(), msg.From)); err != nil {
				return res, err
			}
		}
	}
	for _, m := range ms {
		res.PerMachine = append(res.PerMachine, MachineCount{ID: m.id, Events: m.events, Diverged: m.diverged})
		if m.first != nil && (res.First == nil || m.first.before(res.First)) {
			res.First = m.first
		}
	}
	res.Hash = hasher.Sum()
	return res, nil
}

func (m *machineReplay) advance() error {
	if m.hasNext {
		m.lastAt = m.next.At
	}
	m.hasNext = m.it.Read(&m.next)
	if !m.hasNext {
		if err := m.it.Err(); err != nil {
			return fmt.Errorf("machine %d: %w", m.id, err)
		}
	}
	return nil
}

// step replays m's next entry; it reports false when that entry is an
// arrival whose message the replay has not produced yet.
func (m *machineReplay) step(out *produced, h *TraceHasher, res *Result, opt Options) (bool, error) {
	e := m.next
	if e.Fault.Kind != 0 {
		return m.fault(out, h)
	}
	if e.Arrival {
		sent, ok := out.take(e.Msg)
		if !ok {
			return false, nil
		}
		if sent.to != m.id {
			msg := sent.msg // a copy, so that sent stays off the heap
			m.noteFirst(&Divergence{Machine: m.id, Index: m.events + 1, At: e.At, Wall: m.start.Add(e.At),
				Reason:  fmt.Sprintf("message %s arrived here but the replayed sender sent it to machine %d", e.Msg.ID(), sent.to),
				Message: &msg, Recent: m.recent.all()})
		} else if e.Msg.Clock != sent.msg.Clock {
			// The model is given the replayed sender's message, never the
			// recorded copy; a copy that carries another clock is a
			// difference too, or an identical replay could print another
			// trace hash than the recording's.
			msg := sent.msg
			m.noteFirst(&Divergence{Machine: m.id, Index: m.events + 1, At: e.At, Wall: m.start.Add(e.At),
				Reason:  fmt.Sprintf("message %s arrived carrying clock %d in the recording, the replayed sender's carries %d", e.Msg.ID(), e.Msg.Clock, sent.msg.Clock),
				Message: &msg, Recent: m.recent.all()})
		}
		replayed := core.Entry{At: e.At, Arrival: true, Msg: sent.msg}
		h.Add(m.id, &replayed)
		m.model.Deliver(sent.msg)
		res.Arrivals++
		return true, m.advance()
	}

	rec := e.Event
	ev := m.model.Tick()
	m.lastClock = ev.Clock
	m.events++
	res.Events++
	if opt.Progress != nil && res.Events%ProgressEvery == 0 {
		opt.Progress(res.Events)
	}
	replayed := core.Entry{At: e.At, Event: ev}
	h.Add(m.id, &replayed)
	for i, to := range ev.To {
		msg := ev.Message(m.id, i)
		out.add(sentMessage{msg: msg, to: to, event: ev.Index, copies: 1})
		m.lastSeq = msg.Seq
	}
	same := sameEvent(rec, ev)
	if !same {
		d := &Divergence{Machine: m.id, Index: rec.Index, Tick: rec.Tick, At: e.At, Wall: m.start.Add(e.At),
			Recorded: ptrTo(rec), Replayed: ptrTo(ev), Recent: m.recent.all()}
		d.Reason = describeDifference(rec, ev)
		if rec.Kind == core.KindRecv {
			msg := rec.Msg
			d.Message = &msg
		}
		m.noteFirst(d)
		m.diverged++
	}
	if opt.Trace != nil {
		opt.Trace(TraceStep{Machine: m.id, At: e.At, Recorded: rec, Replayed: ev, Same: same})
	}
	m.recent.push(rec)
	return true, m.advance()
}

// fault replays m's next entry, a fault. Lost and duplicated messages
// settle what the replay produced, so a message lost in the recording is
// not waited for; crash and restart are inputs of the model, and the
// crash's lost queue is its output, compared like an event's.
func (m *machineReplay) fault(out *produced, h *TraceHasher) (bool, error) {
	e := m.next
	f := e.Fault
	diverge := func(reason string, msg *core.Message) {
		m.noteFirst(&Divergence{Machine: m.id, Index: m.events + 1, At: e.At, Wall: m.start.Add(e.At),
			Reason: reason, Message: msg, Recent: m.recent.all()})
	}
	if !f.Kind.Valid() {
		return false, fmt.Errorf("machine %d: entry at %v is a fault of unknown kind %v", m.id, e.At, f.Kind)
	}
	switch f.Kind {
	case core.FaultLost:
		sent, ok := out.take(e.Msg)
		if !ok {
			return false, nil
		}
		if sent.to != f.To {
			msg := sent.msg
			diverge(fmt.Sprintf("the recording lost message %s on its way to machine %d, but the replayed sender sent it to machine %d", e.Msg.ID(), f.To, sent.to), &msg)
		} else if e.Msg.Clock != sent.msg.Clock {
			msg := sent.msg
			diverge(fmt.Sprintf("the recording lost message %s carrying clock %d, the replayed sender's carries %d", e.Msg.ID(), e.Msg.Clock, sent.msg.Clock), &msg)
		}
		e.Msg = sent.msg
	case core.FaultDup:
		sent := out.find(e.Msg)
		if sent == nil {
			return false, nil
		}
		sent.copies++
		if e.Msg.Clock != sent.msg.Clock {
			msg := sent.msg
			diverge(fmt.Sprintf("the recording duplicated message %s carrying clock %d, the replayed sender's carries %d", e.Msg.ID(), e.Msg.Clock, sent.msg.Clock), &msg)
		}
		e.Msg = sent.msg
	case core.FaultCrash:
		lost := m.model.Crash()
		if lost != f.QueueLost {
			diverge(fmt.Sprintf("the crash lost %d queued messages in the recording, %d replayed", f.QueueLost, lost), nil)
		}
		e.Fault.QueueLost = lost
	case core.FaultRestart:
		m.model.Restart(f.Missed, f.ResetClock, f.SeqSkip)
		if f.SeqSkip > 0 {
			m.skipped = append(m.skipped, seqRange{after: m.lastSeq, last: m.lastSeq + f.SeqSkip, minClock: m.lastClock, at: m.lastAt})
			m.lastSeq += f.SeqSkip
		}
		if f.ResetClock {
			m.lastClock = 0
		}
	}
	h.Add(m.id, &e)
	return true, m.advance()
}

// checkRate compares the model's tick rate, its first draw, with the
// recorded one. The rate sets when the machine ticked but no event shows
// it, so without this a model that drew another rate would replay every
// event identically.
func (m *machineReplay) checkRate(recorded int) {
	if got := m.model.Rate(); got != recorded {
		m.noteFirst(&Divergence{Machine: m.id, Wall: m.start,
			Reason: fmt.Sprintf("tick rate differs: recorded %d, replayed %d ticks per second", recorded, got)})
	}
}

// noteFirst keeps d if it is m's first divergence.
func (m *machineReplay) noteFirst(d *Divergence) {
	if m.first == nil {
		m.first = d
	}
}

// stall reports the arrival m waits for forever, for reason, and counts
// the recorded events it can no longer replay as diverged.
func (m *machineReplay) stall(reason string) error {
	msg := m.next.Msg
	m.noteFirst(&Divergence{Machine: m.id, Index: m.events + 1, At: m.next.At, Wall: m.start.Add(m.next.At),
		Reason: reason, Message: &msg, Recent: m.recent.all()})
	for m.hasNext {
		if m.next.IsTick() {
			m.events++
			m.diverged++
		}
		if err := m.advance(); err != nil {
			return err
		}
	}
	return nil
}

// sameEvent is SameEvent plus the position: replay also checks that the
// event happened at the recorded index and tick.
func sameEvent(a, b core.Event) bool {
	return a.Index == b.Index && a.Tick == b.Tick && SameEvent(a, b)
}

func describeDifference(rec, got core.Event) string {
	switch {
	case rec.Kind != got.Kind:
		return fmt.Sprintf("action differs: recorded %s, replayed %s", rec.Kind, got.Kind)
	case !slices.Equal(rec.To, got.To):
		return "send targets differ"
	case rec.Msg != got.Msg:
		return "received message differs"
	case rec.Clock != got.Clock:
		return fmt.Sprintf("clock differs: recorded %d, replayed %d", rec.Clock, got.Clock)
	case rec.Queue != got.Queue:
		return fmt.Sprintf("queue length at the tick differs: recorded %d, replayed %d", rec.QueueAtTick(), got.QueueAtTick())
	case rec.Die != got.Die:
		return fmt.Sprintf("die differs: recorded %d, replayed %d", rec.Die, got.Die)
	}
	return "event fields differ"
}

// ptrTo returns a pointer to a copy of v, so that taking an address for a
// rare divergence does not move v to the heap on every step.
func ptrTo[T any](v T) *T { return &v }
