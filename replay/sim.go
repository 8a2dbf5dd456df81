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
	// Progress, if set, is called every ProgressEvery events with the
	// virtual time reached; it must not touch the simulation.
	Progress func(at time.Duration, events uint64)
	// Abort, if set, stops the simulation once it is closed; it is looked
	// at every ProgressEvery events, and Simulate then returns ErrAborted.
	// RecordSim closes it when the store can no longer be written, so a
	// long simulation does not run on to produce events that are dropped.
	Abort <-chan struct{}
}

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
}

// NetworkStream is the machine id whose RNG stream draws the simulated
// network's latencies; no machine may have id 0.
const NetworkStream core.MachineID = 0

// Simulate runs spec in virtual time, single-threaded, and hands every
// machine's entries, in the order that machine saw them, to sink (nil: no
// sink). Machine m ticks at k/rate seconds for k = 1, 2, ...; a message
// arrives after a latency drawn from the network stream, but never before
// an earlier message on the same link (links are FIFO, like TCP).
func Simulate(spec SimSpec, sink func(core.MachineID, *record.Entry)) (SimResult, error) {
	ids := slices.Sorted(slices.Values(spec.Machines))
	res := SimResult{Rates: map[core.MachineID]int{}}
	if spec.Duration < 0 {
		return res, fmt.Errorf("duration must not be negative, got %v", spec.Duration)
	}
	machines := make(map[core.MachineID]*core.Machine, len(ids))
	intervals := make(map[core.MachineID]time.Duration, len(ids))
	stats := make(map[core.MachineID]*record.MachineStats, len(ids))
	q := &eventQueue{}
	for _, id := range ids {
		if id == NetworkStream {
			return res, fmt.Errorf("machine id 0 is reserved")
		}
		m, err := core.NewMachine(id, ids, spec.Params)
		if err != nil {
			return res, fmt.Errorf("machine %d: %w", id, err)
		}
		machines[id] = m
		res.Rates[id] = m.Rate()
		intervals[id] = time.Second / time.Duration(m.Rate())
		stats[id] = &record.MachineStats{ID: id}
		q.schedule(simEvent{at: intervals[id], machine: id})
	}
	net := core.NewRNG(spec.Params.Seed, NetworkStream)
	type link struct{ from, to core.MachineID }
	lastArrival := map[link]time.Duration{}
	hasher := NewTraceHasher()
	emit := func(id core.MachineID, e *record.Entry) {
		hasher.Add(id, e)
		stats[id].Add(e)
		if sink != nil {
			sink(id, e)
		}
	}

	for q.Len() > 0 {
		se := q.pop()
		if se.at > spec.Duration {
			break
		}
		m := machines[se.machine]
		if se.arrival {
			m.Deliver(se.msg)
			res.Arrivals++
			emit(se.machine, &record.Entry{At: se.at, Arrival: true, Msg: se.msg})
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
		emit(se.machine, &record.Entry{At: se.at, Event: ev})
		for i, msg := range ev.Sent(se.machine) {
			l := link{se.machine, ev.To[i]}
			at := max(se.at+spec.Latency.draw(&net), lastArrival[l])
			lastArrival[l] = at
			q.schedule(simEvent{at: at, machine: ev.To[i], arrival: true, msg: msg})
		}
		q.schedule(simEvent{at: se.at + intervals[se.machine], machine: se.machine})
	}
	for _, id := range ids {
		res.Stats = append(res.Stats, *stats[id])
	}
	res.Hash = hasher.Sum()
	return res, nil
}
