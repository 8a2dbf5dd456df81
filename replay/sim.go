package replay

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"lamport/core"
)

// SimSpec describes a simulated run.
type SimSpec struct {
	Machines []core.MachineID
	Params   core.Params
	// Duration is virtual time; ticks due after it do not happen.
	Duration time.Duration
	Latency  Latency
	// Faults are injected as docs/RELIABILITY.md describes; every decision
	// comes from the seed, so they replay like the rest.
	Faults core.Faults
	// Progress, if set, is called every ProgressEvery events with the
	// virtual time reached; it must not touch the simulation.
	Progress func(at time.Duration, events uint64)
	// Stop, if set, is asked every stopEvery steps whether to give up (a
	// Ctrl-C); the simulation then ends with ErrStopped and what it did
	// so far.
	Stop func() bool
	// Abort, if set, stops the simulation once it is closed; it is looked
	// at every ProgressEvery events, and Simulate then returns ErrAborted.
	// RecordSim closes it when the store can no longer be written, so a
	// long simulation does not run on to produce events that are dropped.
	Abort <-chan struct{}
}

// ErrStopped is returned by Simulate and RecordSim when SimSpec.Stop asked
// them to stop; a recording ends interrupted, its prefix replayable.
var ErrStopped = errors.New("simulation stopped before its end")

// stopEvery is how many steps pass between Stop calls: often enough to
// stop within milliseconds, rarely enough to cost nothing.
const stopEvery = 1 << 12

// ErrAborted is returned by Simulate when SimSpec.Abort was closed before
// the simulation reached its Duration.
var ErrAborted = errors.New("simulation aborted")

// ProgressEvery is how many events pass between Progress calls.
const ProgressEvery = 1 << 16

// SimResult is what a simulation reports.
type SimResult struct {
	Hash   string
	Events uint64
	// Arrivals counts messages that arrived within Duration.
	Arrivals uint64
	Stats    []core.MachineStats
	Rates    map[core.MachineID]int
	// Lost, Duplicated and Crashes count the injected faults: messages
	// lost (any reason), messages delivered twice, machine crashes.
	Lost, Duplicated, Crashes uint64
}

// Simulate runs spec in virtual time, single-threaded, and hands every
// machine's entries, in the order that machine saw them, to sink (nil: no
// sink); the entry sink gets is valid only during the call. Machine m ticks at k/rate seconds for k = 1, 2, ...; a message
// arrives after a latency drawn from the network stream, but never before
// an earlier message on the same link (links are FIFO, like TCP).
//
// Faults (spec.Faults) are decided when a message is sent, in this order:
// a cut link or a drop loses it (a FaultLost entry in the sender's log);
// otherwise its latency, plus a spike, plus the wait for its link to
// unclog, fix its arrival, and a duplicate (a FaultDup entry) arrives once
// more after a second latency. A message that arrives at a crashed machine
// is lost there (FaultLost, reason down, in the receiver's log). A crashed
// machine logs FaultCrash, misses its ticks, and logs FaultRestart when it
// comes back. Drops, duplicates and spikes draw from the stream
// core.StreamRNG(seed, core.SimFaultStream); each link's clogs and each
// machine's random crashes from their own streams (core/streams.go lists
// every stream), so turning one fault on does not move the draws of
// another.
func Simulate(spec SimSpec, sink func(core.MachineID, *core.Entry)) (SimResult, error) {
	return simulate(spec, sink, nil)
}

// simulate is Simulate that, with pipe, hands the entries to pipe instead
// of sink: called directly, without building an Entry, which costs the
// simulation a quarter of its time for 3 M entries.
func simulate(spec SimSpec, sink func(core.MachineID, *core.Entry), pipe *recordPipe) (SimResult, error) {
	ids := slices.Sorted(slices.Values(spec.Machines))
	res := SimResult{Rates: map[core.MachineID]int{}}
	if spec.Duration < 0 {
		return res, fmt.Errorf("duration must not be negative, got %v", spec.Duration)
	}
	if err := spec.Faults.Validate(ids); err != nil {
		return res, err
	}
	ring, err := core.NewRing(ids)
	if err != nil {
		return res, err
	}
	n := len(ids)
	machines := make([]simMachine, n)
	q := &eventQueue{}
	// Every machine's first tick, in id order, is the first n events
	// scheduled; a group per interval keeps its machines in that order.
	groupOf := map[time.Duration]int{}
	var groups [][]pendingTick
	for slot, id := range ids {
		if id == core.NetworkStream {
			return res, fmt.Errorf("machine id 0 is reserved")
		}
		m, err := core.NewMachineOnRing(id, ring, spec.Params)
		if err != nil {
			return res, fmt.Errorf("machine %d: %w", id, err)
		}
		sm := &machines[slot]
		sm.Machine, sm.id = *m, id
		sm.interval = time.Second / time.Duration(m.Rate())
		sm.stats.ID = id
		sm.digest.sum = digestStart
		res.Rates[id] = m.Rate()
		g, ok := groupOf[sm.interval]
		if !ok {
			g = len(groups)
			groupOf[sm.interval] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], pendingTick{at: sm.interval, order: q.order(), slot: uint32(slot)})
	}
	for _, g := range groups {
		q.addGroup(g[0].at, g)
	}
	slotOf := func(id core.MachineID) uint32 {
		i, _ := slices.BinarySearch(ids, id)
		return uint32(i)
	}
	f := &spec.Faults
	for _, c := range f.Crashes {
		q.schedule(c.From, slotOf(c.ID), simCrash)
		q.schedule(c.To, slotOf(c.ID), simRestart)
	}
	if f.RandomCrashes.Every > 0 {
		for slot := range machines {
			sm := &machines[slot]
			sm.crashRNG = core.StreamRNG(spec.Params.Seed^core.SimCrashSalt, uint64(sm.id))
			q.schedule(expDraw(&sm.crashRNG, f.RandomCrashes.Every), uint32(slot), simRandomCrash)
		}
	}
	net := core.NewRNG(spec.Params.Seed, core.NetworkStream)
	faultRNG := core.StreamRNG(spec.Params.Seed, core.SimFaultStream)
	links := newLinkTimes(n)
	var clogs clogTable
	if f.Clog.Every > 0 {
		clogs = clogTable{}
	}
	cuts := len(f.Partitions) > 0
	// One entry is reused for every emit to the sink, so that the
	// millions of them cost no allocation; a sink must copy what it keeps.
	var entry core.Entry
	emit := func(m *simMachine, e core.Entry) {
		entry = e
		m.digest.add(&entry)
		m.stats.Add(&entry)
		if pipe != nil {
			pipe.add(m.id, &entry)
		} else if sink != nil {
			sink(m.id, &entry)
		}
	}
	lose := func(m *simMachine, at time.Duration, msg core.Message, to core.MachineID, why core.LostReason) {
		res.Lost++
		emit(m, core.Entry{At: at, Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: to, Reason: why}})
	}

	var stopped error
	for steps := uint64(1); q.Len() > 0; steps++ {
		if spec.Stop != nil && steps%stopEvery == 0 && spec.Stop() {
			stopped = fmt.Errorf("%w, at %v of virtual time", ErrStopped, q.top().at)
			break
		}
		top := q.top()
		at := top.at
		if at > spec.Duration {
			break
		}
		switch top.kind {
		case simArrival:
			to, from, seq, clock, done := q.arrival()
			if done {
				links.landed(&machines[from])
			}
			m := &machines[to]
			msg := core.Message{From: ids[from], Seq: seq, Clock: clock}
			if m.down > 0 {
				lose(m, at, msg, m.id, core.LostDown)
				continue
			}
			m.Deliver(msg)
			res.Arrivals++
			m.digest.arrival(at, msg)
			m.stats.AddArrival(at)
			if pipe != nil {
				pipe.arrival(m.id, at, msg)
			} else if sink != nil {
				entry = core.Entry{At: at, Arrival: true, Msg: msg}
				sink(m.id, &entry)
			}
			continue
		case simCrash, simRandomCrash:
			kind, slot := top.kind, top.ref
			q.pop()
			m := &machines[slot]
			if kind == simRandomCrash {
				q.schedule(at+expDraw(&m.crashRNG, f.RandomCrashes.For), slot, simRandomRestart)
			}
			if m.down++; m.down == 1 {
				res.Crashes++
				emit(m, core.Entry{At: at, Fault: core.Fault{Kind: core.FaultCrash, QueueLost: m.Crash()}})
			}
			continue
		case simRestart, simRandomRestart:
			kind, slot := top.kind, top.ref
			q.pop()
			m := &machines[slot]
			if kind == simRandomRestart {
				q.schedule(at+expDraw(&m.crashRNG, f.RandomCrashes.Every), slot, simRandomCrash)
			}
			if m.down--; m.down == 0 {
				m.Restart(m.missed, f.ResetClock, 0)
				emit(m, core.Entry{At: at, Fault: core.Fault{Kind: core.FaultRestart, Missed: m.missed, ResetClock: f.ResetClock}})
				m.missed = 0
			}
			continue
		case simTick:
			// Below: the common case, out of the switch.
		}
		slot := q.tick()
		m := &machines[slot]
		if m.down > 0 {
			m.missed++
			continue
		}
		ev := m.Tick()
		res.Events++
		if res.Events%ProgressEvery == 0 {
			if spec.Progress != nil {
				spec.Progress(at, res.Events)
			}
			select {
			case <-spec.Abort:
				return res, fmt.Errorf("at %v of virtual time: %w", at, ErrAborted)
			default:
			}
		}
		var to uint64
		if len(ev.To) > 0 {
			to = m.toDigest(ev.To)
		} else {
			to = toDigest(ev.To)
		}
		m.digest.tick(at, &ev, to)
		m.stats.AddTick(at, &ev)
		if pipe != nil {
			pipe.tick(m.id, at, &ev)
		} else if sink != nil {
			entry = core.Entry{At: at, Event: ev}
			sink(m.id, &entry)
		}
		if len(ev.To) == 0 {
			continue
		}
		// The targets are a window of the ring of ids, starting right
		// after the sender or the one after it; checked all the same.
		first := (slot + 1) % uint32(n)
		if ids[first] != ev.To[0] {
			if first = (first + 1) % uint32(n); ids[first] != ev.To[0] {
				first = slotOf(ev.To[0])
			}
		}
		r := q.newRun(slot, ev.FirstSeq, ev.Clock, first, len(ev.To), n)
		last := links.row(m)
		for i, to := range ev.To {
			toSlot := first + uint32(i)
			if toSlot >= uint32(n) {
				toSlot -= uint32(n)
			}
			if ids[toSlot] != to {
				toSlot = slotOf(to)
			}
			if cuts && f.Cut(m.id, to, at) {
				lose(m, at, ev.Message(m.id, i), to, core.LostPartition)
				continue
			}
			if f.Drop > 0 && faultRNG.Float64() < f.Drop {
				lose(m, at, ev.Message(m.id, i), to, core.LostDrop)
				continue
			}
			copies := 1
			if f.Dup > 0 && faultRNG.Float64() < f.Dup {
				copies = 2
				res.Duplicated++
				emit(m, core.Entry{At: at, Msg: ev.Message(m.id, i), Fault: core.Fault{Kind: core.FaultDup, To: to}})
			}
			for range copies {
				arrive := at + spec.Latency.Draw(&net)
				if f.Spike.P > 0 && faultRNG.Float64() < f.Spike.P {
					arrive += f.Spike.Extra
				}
				if clogs != nil {
					arrive = max(arrive, clogs.until(simLink{m.id, to}, at, spec.Params.Seed, f.Clog))
				}
				arrive = max(arrive, last[toSlot])
				last[toSlot] = arrive
				q.arrive(r, arrive, toSlot, uint32(i))
			}
		}
		links.sent(m, q.startRun(r, at))
	}
	digests := make([]machineDigest, n)
	for slot := range machines {
		res.Stats = append(res.Stats, machines[slot].stats)
		digests[slot] = machines[slot].digest
	}
	res.Hash = sumDigests(ids, digests)
	return res, stopped
}

// toDigest is toDigest(to) for a send of m's; a send to all peers, the
// same targets every time, is hashed once.
func (m *simMachine) toDigest(to []core.MachineID) uint64 {
	peers := m.Peers()
	if len(to) != len(peers) || &to[0] != &peers[0] {
		return toDigest(to)
	}
	if !m.hasAllTo {
		m.allTo, m.hasAllTo = toDigest(peers), true
	}
	return m.allTo
}

// linkTimes keeps, per directed link, the time of the latest arrival
// scheduled on it, so that links are FIFO: a message never arrives before
// one sent earlier on its link. That time matters only while a message is
// in flight on the link: once it has arrived, every later message is due
// at the current time or after. So a sender holds a row (the times of its
// links, by receiver slot) only while it has messages in flight, and gives
// it back when the last of them arrives. A row is never cleared: a time
// left in it by an earlier holder is already past.
type linkTimes struct {
	n    int
	rows [][]time.Duration
	free []int32
}

func newLinkTimes(n int) *linkTimes { return &linkTimes{n: n} }

// row is m's row, which it gets if it had none.
func (l *linkTimes) row(m *simMachine) []time.Duration {
	if m.row == 0 {
		if k := len(l.free); k > 0 {
			m.row = l.free[k-1]
			l.free = l.free[:k-1]
		} else {
			l.rows = append(l.rows, make([]time.Duration, l.n))
			m.row = int32(len(l.rows))
		}
	}
	return l.rows[m.row-1]
}

// sent follows a send of m's, which put messages in flight or did not.
func (l *linkTimes) sent(m *simMachine, inFlight bool) {
	if inFlight {
		m.inFlight++
	} else if m.inFlight == 0 {
		l.release(m)
	}
}

// landed follows the arrival of the last message of a send of m's.
func (l *linkTimes) landed(m *simMachine) {
	if m.inFlight--; m.inFlight == 0 {
		l.release(m)
	}
}

func (l *linkTimes) release(m *simMachine) {
	l.free = append(l.free, m.row)
	m.row = 0
}
