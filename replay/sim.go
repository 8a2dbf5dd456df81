package replay

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"lamport/core"
	"lamport/record"
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
	Stats    []record.MachineStats
	Rates    map[core.MachineID]int
	// Lost, Duplicated and Crashes count the injected faults: messages
	// lost (any reason), messages delivered twice, machine crashes.
	Lost, Duplicated, Crashes uint64
}

// NetworkStream is the machine id whose RNG stream draws the simulated
// network's latencies; no machine may have id 0.
const NetworkStream core.MachineID = 0

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
// core.StreamRNG(seed, FaultStream); each link's clogs and each machine's
// random crashes from their own streams (clogStream, crashStream), so
// turning one fault on does not move the draws of another.
func Simulate(spec SimSpec, sink func(core.MachineID, *record.Entry)) (SimResult, error) {
	ids := slices.Sorted(slices.Values(spec.Machines))
	res := SimResult{Rates: map[core.MachineID]int{}}
	if spec.Duration < 0 {
		return res, fmt.Errorf("duration must not be negative, got %v", spec.Duration)
	}
	if err := spec.Faults.Validate(ids); err != nil {
		return res, err
	}
	machines := make(map[core.MachineID]*simMachine, len(ids))
	stats := make(map[core.MachineID]*record.MachineStats, len(ids))
	q := &eventQueue{}
	ring, err := core.NewRing(ids)
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		if id == NetworkStream {
			return res, fmt.Errorf("machine id 0 is reserved")
		}
		m, err := core.NewMachineOnRing(id, ring, spec.Params)
		if err != nil {
			return res, fmt.Errorf("machine %d: %w", id, err)
		}
		sm := &simMachine{Machine: m, interval: time.Second / time.Duration(m.Rate())}
		machines[id] = sm
		res.Rates[id] = m.Rate()
		stats[id] = &record.MachineStats{ID: id}
		q.schedule(simEvent{at: sm.interval, machine: id})
	}
	f := &spec.Faults
	for _, c := range f.Crashes {
		q.schedule(simEvent{at: c.From, machine: c.ID, kind: simCrash})
		q.schedule(simEvent{at: c.To, machine: c.ID, kind: simRestart})
	}
	if f.RandomCrashes.Every > 0 {
		for _, id := range ids {
			sm := machines[id]
			sm.crashRNG = core.StreamRNG(spec.Params.Seed^crashStream, uint64(id))
			q.schedule(simEvent{at: expDraw(&sm.crashRNG, f.RandomCrashes.Every), machine: id, kind: simRandomCrash})
		}
	}
	net := core.NewRNG(spec.Params.Seed, NetworkStream)
	faultRNG := core.StreamRNG(spec.Params.Seed, FaultStream)
	lastArrival := map[simLink]time.Duration{}
	var clogs clogTable
	if f.Clog.Every > 0 {
		clogs = clogTable{}
	}
	hasher := NewTraceHasher()
	// One entry is reused for every emit, so that the millions of them
	// cost no allocation; a sink must copy what it keeps.
	var entry record.Entry
	emit := func(id core.MachineID, e record.Entry) {
		entry = e
		hasher.Add(id, &entry)
		stats[id].Add(&entry)
		if sink != nil {
			sink(id, &entry)
		}
	}
	lose := func(id core.MachineID, at time.Duration, msg core.Message, to core.MachineID, why record.LostReason) {
		res.Lost++
		emit(id, record.Entry{At: at, Msg: msg, Fault: record.Fault{Kind: record.FaultLost, To: to, Reason: why}})
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
				lose(se.machine, se.at, se.msg, se.machine, record.LostDown)
				continue
			}
			m.Deliver(se.msg)
			res.Arrivals++
			emit(se.machine, record.Entry{At: se.at, Arrival: true, Msg: se.msg})
			continue
		case simCrash, simRandomCrash:
			if se.kind == simRandomCrash {
				q.schedule(simEvent{at: se.at + expDraw(&m.crashRNG, f.RandomCrashes.For), machine: se.machine, kind: simRandomRestart})
			}
			if m.down++; m.down == 1 {
				res.Crashes++
				emit(se.machine, record.Entry{At: se.at, Fault: record.Fault{Kind: record.FaultCrash, QueueLost: m.Crash()}})
			}
			continue
		case simRestart, simRandomRestart:
			if se.kind == simRandomRestart {
				q.schedule(simEvent{at: se.at + expDraw(&m.crashRNG, f.RandomCrashes.Every), machine: se.machine, kind: simRandomCrash})
			}
			if m.down--; m.down == 0 {
				m.Restart(m.missed, f.ResetClock, 0)
				emit(se.machine, record.Entry{At: se.at, Fault: record.Fault{Kind: record.FaultRestart, Missed: m.missed, ResetClock: f.ResetClock}})
				m.missed = 0
			}
			continue
		}
		q.schedule(simEvent{at: se.at + m.interval, machine: se.machine})
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
		emit(se.machine, record.Entry{At: se.at, Event: ev})
		for i, to := range ev.To {
			msg := ev.Message(se.machine, i)
			if f.Cut(se.machine, to, se.at) {
				lose(se.machine, se.at, msg, to, record.LostPartition)
				continue
			}
			if f.Drop > 0 && faultRNG.Float64() < f.Drop {
				lose(se.machine, se.at, msg, to, record.LostDrop)
				continue
			}
			l := simLink{se.machine, to}
			copies := 1
			if f.Dup > 0 && faultRNG.Float64() < f.Dup {
				copies = 2
				res.Duplicated++
				emit(se.machine, record.Entry{At: se.at, Msg: msg, Fault: record.Fault{Kind: record.FaultDup, To: to}})
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
				q.schedule(simEvent{at: at, machine: to, kind: simArrival, msg: msg})
			}
		}
	}
	for _, id := range ids {
		res.Stats = append(res.Stats, *stats[id])
	}
	res.Hash = hasher.Sum()
	return res, stopped
}
