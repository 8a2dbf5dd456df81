package replay

// The simulator as it was before its performance work (commit eefb233),
// kept verbatim as a reference: TestSimMatchesReference checks that the
// optimised Simulate emits exactly the same entries, in the same order,
// for many seeds, parameters, latencies and faults. Only names changed.

import (
	"fmt"
	"math"
	"slices"
	"time"

	"lamport/core"
)

func referenceSimulate(spec SimSpec, sink func(core.MachineID, *core.Entry)) (SimResult, error) {
	ids := slices.Sorted(slices.Values(spec.Machines))
	res := SimResult{Rates: map[core.MachineID]int{}}
	if spec.Duration < 0 {
		return res, fmt.Errorf("duration must not be negative, got %v", spec.Duration)
	}
	if err := spec.Faults.Validate(ids); err != nil {
		return res, err
	}
	machines := make(map[core.MachineID]*refMachine, len(ids))
	stats := make(map[core.MachineID]*core.MachineStats, len(ids))
	q := &refQueue{}
	ring, err := core.NewRing(ids)
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		if id == core.NetworkStream {
			return res, fmt.Errorf("machine id 0 is reserved")
		}
		m, err := core.NewMachineOnRing(id, ring, spec.Params)
		if err != nil {
			return res, fmt.Errorf("machine %d: %w", id, err)
		}
		sm := &refMachine{Machine: m, interval: time.Second / time.Duration(m.Rate())}
		machines[id] = sm
		res.Rates[id] = m.Rate()
		stats[id] = &core.MachineStats{ID: id}
		q.schedule(refEvent{at: sm.interval, machine: id})
	}
	f := &spec.Faults
	for _, c := range f.Crashes {
		q.schedule(refEvent{at: c.From, machine: c.ID, kind: simCrash})
		q.schedule(refEvent{at: c.To, machine: c.ID, kind: simRestart})
	}
	if f.RandomCrashes.Every > 0 {
		for _, id := range ids {
			sm := machines[id]
			sm.crashRNG = core.StreamRNG(spec.Params.Seed^core.SimCrashSalt, uint64(id))
			q.schedule(refEvent{at: refExpDraw(&sm.crashRNG, f.RandomCrashes.Every), machine: id, kind: simRandomCrash})
		}
	}
	net := core.NewRNG(spec.Params.Seed, core.NetworkStream)
	faultRNG := core.StreamRNG(spec.Params.Seed, core.SimFaultStream)
	lastArrival := map[refLink]time.Duration{}
	var clogs refClogTable
	if f.Clog.Every > 0 {
		clogs = refClogTable{}
	}
	hasher := NewTraceHasher()
	// One entry is reused for every emit, so that the millions of them
	// cost no allocation; a sink must copy what it keeps.
	var entry core.Entry
	emit := func(id core.MachineID, e core.Entry) {
		entry = e
		hasher.Add(id, &entry)
		stats[id].Add(&entry)
		if sink != nil {
			sink(id, &entry)
		}
	}
	lose := func(id core.MachineID, at time.Duration, msg core.Message, to core.MachineID, why core.LostReason) {
		res.Lost++
		emit(id, core.Entry{At: at, Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: to, Reason: why}})
	}

	var stopped error
	for steps := uint64(1); q.Len() > 0; steps++ {
		if spec.Stop != nil && steps%stopEvery == 0 && spec.Stop() {
			stopped = fmt.Errorf("%w, at %v of virtual time", ErrStopped, q.items[0].at)
			break
		}
		se := q.pop()
		if se.at > spec.Duration {
			break
		}
		m := machines[se.machine]
		switch se.kind {
		case simArrival:
			if m.down > 0 {
				lose(se.machine, se.at, se.msg, se.machine, core.LostDown)
				continue
			}
			m.Deliver(se.msg)
			res.Arrivals++
			emit(se.machine, core.Entry{At: se.at, Arrival: true, Msg: se.msg})
			continue
		case simCrash, simRandomCrash:
			if se.kind == simRandomCrash {
				q.schedule(refEvent{at: se.at + refExpDraw(&m.crashRNG, f.RandomCrashes.For), machine: se.machine, kind: simRandomRestart})
			}
			if m.down++; m.down == 1 {
				res.Crashes++
				emit(se.machine, core.Entry{At: se.at, Fault: core.Fault{Kind: core.FaultCrash, QueueLost: m.Crash()}})
			}
			continue
		case simRestart, simRandomRestart:
			if se.kind == simRandomRestart {
				q.schedule(refEvent{at: se.at + refExpDraw(&m.crashRNG, f.RandomCrashes.Every), machine: se.machine, kind: simRandomCrash})
			}
			if m.down--; m.down == 0 {
				m.Restart(m.missed, f.ResetClock, 0)
				emit(se.machine, core.Entry{At: se.at, Fault: core.Fault{Kind: core.FaultRestart, Missed: m.missed, ResetClock: f.ResetClock}})
				m.missed = 0
			}
			continue
		case simTick:
		}
		q.schedule(refEvent{at: se.at + m.interval, machine: se.machine})
		if m.down > 0 {
			m.missed++
			continue
		}
		ev := m.Tick()
		res.Events++
		if res.Events%ProgressEvery == 0 {
			if spec.Progress != nil {
				spec.Progress(se.at, res.Events)
			}
			select {
			case <-spec.Abort:
				return res, fmt.Errorf("at %v of virtual time: %w", se.at, ErrAborted)
			default:
			}
		}
		emit(se.machine, core.Entry{At: se.at, Event: ev})
		for i, to := range ev.To {
			msg := ev.Message(se.machine, i)
			if f.Cut(se.machine, to, se.at) {
				lose(se.machine, se.at, msg, to, core.LostPartition)
				continue
			}
			if f.Drop > 0 && faultRNG.Float64() < f.Drop {
				lose(se.machine, se.at, msg, to, core.LostDrop)
				continue
			}
			l := refLink{se.machine, to}
			copies := 1
			if f.Dup > 0 && faultRNG.Float64() < f.Dup {
				copies = 2
				res.Duplicated++
				emit(se.machine, core.Entry{At: se.at, Msg: msg, Fault: core.Fault{Kind: core.FaultDup, To: to}})
			}
			for range copies {
				at := se.at + spec.Latency.Draw(&net)
				if f.Spike.P > 0 && faultRNG.Float64() < f.Spike.P {
					at += f.Spike.Extra
				}
				if clogs != nil {
					at = max(at, clogs.until(l, se.at, spec.Params.Seed, f.Clog))
				}
				at = max(at, lastArrival[l])
				lastArrival[l] = at
				q.schedule(refEvent{at: at, machine: to, kind: simArrival, msg: msg})
			}
		}
	}
	for _, id := range ids {
		res.Stats = append(res.Stats, *stats[id])
	}
	res.Hash = hasher.Sum()
	return res, stopped
}

// refEvent is a tick of a machine, a message arriving at one, or the
// machine crashing or restarting.
type refEvent struct {
	at      time.Duration
	order   uint64 // scheduling order: the tie-break for equal times
	machine core.MachineID
	kind    simKind
	msg     core.Message
}

// refQueue orders simulator events by virtual time; events due at the
// same nanosecond run in the order they were scheduled. That rule, and
// nothing else (no map order, no goroutines), fixes the simulation. It is
// a binary heap written out for refEvent rather than container/heap, whose
// interface boxes every event pushed and popped: an allocation per event.
type refQueue struct {
	items []refEvent
	next  uint64
}

func (q *refQueue) Len() int { return len(q.items) }

func (q *refQueue) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.order < b.order
}

func (q *refQueue) schedule(e refEvent) {
	e.order = q.next
	q.next++
	q.items = append(q.items, e)
	for i := len(q.items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.items[i], q.items[parent] = q.items[parent], q.items[i]
		i = parent
	}
}

func (q *refQueue) pop() refEvent {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	for i := 0; ; {
		child := 2*i + 1
		if child >= last {
			break
		}
		if r := child + 1; r < last && q.less(r, child) {
			child = r
		}
		if !q.less(child, i) {
			break
		}
		q.items[i], q.items[child] = q.items[child], q.items[i]
		i = child
	}
	return top
}

// refMachine is a machine with the simulator's state about it.
type refMachine struct {
	*core.Machine
	interval time.Duration
	// down counts the outages the machine is in (planned and random ones
	// may overlap); it ticks only at 0.
	down int
	// missed counts the ticks of its schedule since it went down.
	missed   uint64
	crashRNG core.RNG
}

// refLink is a directed link.
type refLink struct{ from, to core.MachineID }

// refClogState is one link's current or next clog, [start, end).
type refClogState struct {
	rng        core.RNG
	start, end time.Duration
}

type refClogTable map[refLink]*refClogState

// until returns when a message sent on l at time at may leave: the end of
// the clog at is in, or at itself. Clogs are drawn lazily per link, as
// time passes, so a link nobody uses costs nothing.
func (t refClogTable) until(l refLink, at time.Duration, seed uint64, c core.Clog) time.Duration {
	st := t[l]
	if st == nil {
		st = &refClogState{rng: core.StreamRNG(seed^core.SimClogSalt, uint64(l.from)<<32|uint64(l.to))}
		st.start = refExpDraw(&st.rng, c.Every)
		st.end = st.start + refExpDraw(&st.rng, c.For)
		t[l] = st
	}
	for at >= st.end {
		st.start = st.end + refExpDraw(&st.rng, c.Every)
		st.end = st.start + refExpDraw(&st.rng, c.For)
	}
	if at >= st.start {
		return st.end
	}
	return at
}

// refExpDraw draws an exponentially distributed duration of the given mean
// by inverse transform sampling, at least 1ns so that chains of outages
// always move forward.
func refExpDraw(r *core.RNG, mean time.Duration) time.Duration {
	return max(time.Duration(-math.Log1p(-r.Float64())*float64(mean)), 1)
}
