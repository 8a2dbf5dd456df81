package record

import (
	"slices"
	"time"

	"lamport/core"
)

// PeerClock is what a machine measured of a peer's clock when it
// connected to it (wire's clock probes): the peer's clock minus its own,
// within ± Bound.
type PeerClock struct {
	Peer   core.MachineID
	Offset time.Duration
	Bound  time.Duration
}

// MachineClock is where a machine's clock stood against the run's
// reference clock, the clock of the run's lowest machine id.
type MachineClock struct {
	ID core.MachineID
	// Offset is this machine's clock minus the reference's, within
	// ± Bound. Both are zero for the reference itself and for a machine
	// that shared its process's clock with it.
	Offset, Bound time.Duration
	// Measured says the offset comes from a measurement; false means the
	// machine and the reference shared one clock (one process, or a
	// simulated run), so the offset is exactly zero.
	Measured bool
}

// Reference is the machine whose clock is the run's time axis: the lowest
// id of the run's config (the live driver's start leader, too).
func (m RunMeta) Reference() core.MachineID {
	ref := core.Config{Machines: m.Config}.Leader()
	if ref == 0 && len(m.Machines) > 0 {
		ref = m.Machines[0].ID
	}
	return ref
}

// Clocks gives every machine of the metadata its offset to the reference
// clock, from the measurement with the smaller bound: the machine's own of
// the reference, or the reference's of it. A machine with neither shared
// the reference's clock.
func (m RunMeta) Clocks() []MachineClock {
	ref := m.Reference()
	var refClocks []PeerClock
	if mm, ok := m.Machine(ref); ok {
		refClocks = mm.Clocks
	}
	out := make([]MachineClock, 0, len(m.Machines))
	for _, mm := range m.Machines {
		c := MachineClock{ID: mm.ID}
		if mm.ID != ref {
			// Its own measurement of the reference: the reference minus it.
			if i := slices.IndexFunc(mm.Clocks, func(p PeerClock) bool { return p.Peer == ref }); i >= 0 {
				c = MachineClock{ID: mm.ID, Offset: -mm.Clocks[i].Offset, Bound: mm.Clocks[i].Bound, Measured: true}
			}
			// The reference's measurement of it: it minus the reference.
			if i := slices.IndexFunc(refClocks, func(p PeerClock) bool { return p.Peer == mm.ID }); i >= 0 {
				if p := refClocks[i]; !c.Measured || p.Bound < c.Bound {
					c = MachineClock{ID: mm.ID, Offset: p.Offset, Bound: p.Bound, Measured: true}
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// Synced reports whether any machine's clock was measured against the
// reference: a run across processes or hosts recorded by a version that
// measures them.
func (m RunMeta) Synced() bool {
	for _, c := range m.Clocks() {
		if c.Measured {
			return true
		}
	}
	return false
}

// axisStarts are the machines' starts (StartWall) on the reference clock
// and the origin of the run's time axis: Started when no clock was
// measured, so a run on one clock keeps its own times exactly, otherwise
// the earliest corrected start.
func (m RunMeta) axisStarts() (map[core.MachineID]time.Time, time.Time) {
	starts := make(map[core.MachineID]time.Time, len(m.Machines))
	origin := m.Started
	synced := false
	for _, c := range m.Clocks() {
		mm, _ := m.Machine(c.ID)
		starts[c.ID] = mm.StartWall.Add(-c.Offset)
		synced = synced || c.Measured
	}
	if synced {
		origin = time.Time{}
		for _, s := range starts {
			if !s.IsZero() && (origin.IsZero() || s.Before(origin)) {
				origin = s
			}
		}
	}
	return starts, origin
}

// AxisPlaces gives each of machines, by index, its start on the run's time
// axis (zero when it has none) and its distance from the axis's origin
// (zero for a machine or run without a start): where TimeWalk places its
// entries, RunAt = offset + At and Wall = start + At.
func (m RunMeta) AxisPlaces(machines []core.MachineID) (starts []time.Time, offsets []time.Duration) {
	byID, origin := m.axisStarts()
	starts, offsets = make([]time.Time, len(machines)), make([]time.Duration, len(machines))
	for i, id := range machines {
		start, ok := byID[id]
		if !ok {
			continue
		}
		starts[i] = start
		if !start.IsZero() && !origin.IsZero() {
			offsets[i] = start.Sub(origin)
		}
	}
	return starts, offsets
}

// AxisStarts are the machines' starts on the run's time axis: each
// machine's StartWall corrected by its clock's offset to the reference
// (see Clocks).
func (m RunMeta) AxisStarts() map[core.MachineID]time.Time {
	starts, _ := m.axisStarts()
	return starts
}
