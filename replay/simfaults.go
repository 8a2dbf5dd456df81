package replay

import (
	"math"
	"time"

	"lamport/core"
)

// simMachine is a machine with the simulator's state about it. The
// simulator keeps them in a slice in ascending id order and names each by
// its position there, its slot.
type simMachine struct {
	// An arrival touches the end of Machine (its queue), down, digest
	// and the start of stats: they are kept together.
	core.Machine
	// down counts the outages the machine is in (planned and random ones
	// may overlap); it ticks only at 0.
	down   int
	digest machineDigest
	stats  core.MachineStats
	// row is 1 + the index of its row of link times while it has sends
	// in flight (inFlight of them), else 0; see linkTimes.
	row      int32
	inFlight int32
	id       core.MachineID
	interval time.Duration
	// missed counts the ticks of its schedule since it went down.
	missed   uint64
	crashRNG core.RNG
	// allTo is toDigest(Peers()) once hasAllTo: the targets of every send
	// to all peers.
	allTo    uint64
	hasAllTo bool
}

// simLink is a directed link.
type simLink struct{ from, to core.MachineID }

// clogState is one link's current or next clog, [start, end).
type clogState struct {
	rng        core.RNG
	start, end time.Duration
}

type clogTable map[simLink]*clogState

// until returns when a message sent on l at time at may leave: the end of
// the clog at is in, or at itself. Clogs are drawn lazily per link, as
// time passes, so a link nobody uses costs nothing.
func (t clogTable) until(l simLink, at time.Duration, seed uint64, c core.Clog) time.Duration {
	st := t[l]
	if st == nil {
		st = &clogState{rng: core.StreamRNG(seed^core.SimClogSalt, uint64(l.from)<<32|uint64(l.to))}
		st.start = expDraw(&st.rng, c.Every)
		st.end = st.start + expDraw(&st.rng, c.For)
		t[l] = st
	}
	for at >= st.end {
		st.start = st.end + expDraw(&st.rng, c.Every)
		st.end = st.start + expDraw(&st.rng, c.For)
	}
	if at >= st.start {
		return st.end
	}
	return at
}

// expDraw draws an exponentially distributed duration of the given mean
// by inverse transform sampling, at least 1ns so that chains of outages
// always move forward.
func expDraw(r *core.RNG, mean time.Duration) time.Duration {
	return max(time.Duration(-math.Log1p(-r.Float64())*float64(mean)), 1)
}
