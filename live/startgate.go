package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/wire"
)

// syncProbes is how many clock probes a machine sends each peer that runs
// in another process; the one with the shortest round trip is kept, so a
// few are enough to find a quick one on a busy network.
const syncProbes = 8

// startMargin is how far past the moment the last machine is ready the run
// starts: time for the start to reach every machine before it is due.
const startMargin = 250 * time.Millisecond

// startGate decides, at the run's leader (the lowest machine id), the
// instant a run spread over several processes starts. Every machine of the
// other processes dials the leader last, once its other connections are
// up, and waits in that dial (wire.Hello.AwaitStart); when all of them
// have come and the leader's own process is connected, the gate picks one
// start, a margin past that moment on the leader's clock, and answers them
// all. Each converts it to its own clock with the offset its probes
// measured, so machines started by hand in several terminals begin
// together, within the offsets' bounds.
type startGate struct {
	clock  core.Clock
	remote []core.MachineID // the machines of other processes, sorted

	mu         sync.Mutex
	arrived    map[core.MachineID]bool
	localReady bool
	begin      time.Time // the start on the leader's clock, with its monotonic reading
	decided    chan struct{}
	failed     error
	abort      chan struct{}
}

func newStartGate(clock core.Clock, remote []core.MachineID) *startGate {
	return &startGate{clock: clock, remote: remote, arrived: map[core.MachineID]bool{},
		decided: make(chan struct{}), abort: make(chan struct{})}
}

// answer is the leader's wire.StartFunc: it counts the dialer in and
// waits for the start.
func (g *startGate) answer(h wire.Hello, done <-chan struct{}) (time.Time, error) {
	g.mu.Lock()
	if _, ok := slices.BinarySearch(g.remote, h.From); ok {
		g.arrived[h.From] = true
		g.decide()
	}
	g.mu.Unlock()
	select {
	case <-g.decided:
		return g.begin.Round(0), nil
	case <-g.abort:
		return time.Time{}, g.failed
	case <-done:
		return time.Time{}, errors.New("the machine is shutting down")
	}
}

// ready says the leader's process has made its own connections, then
// waits for the start: the instant to begin ticking, on this process's
// clock. ctx bounds the wait for the other processes' machines.
func (g *startGate) ready(ctx context.Context) (time.Time, error) {
	g.mu.Lock()
	g.localReady = true
	g.decide()
	g.mu.Unlock()
	select {
	case <-g.decided:
		return g.begin, nil
	case <-ctx.Done():
		g.mu.Lock()
		var missing []string
		for _, id := range g.remote {
			if !g.arrived[id] {
				missing = append(missing, fmt.Sprint(id))
			}
		}
		g.mu.Unlock()
		err := fmt.Errorf("waited for machines %v to be ready to start: %w", missing, ctx.Err())
		g.fail(err)
		return time.Time{}, err
	}
}

// fail releases every waiting dialer without a start: the leader's process
// gives up on the run.
func (g *startGate) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.decided:
	case <-g.abort:
	default:
		g.failed = err
		close(g.abort)
	}
}

// decide picks the start once everyone is ready; g.mu held.
func (g *startGate) decide() {
	select {
	case <-g.decided:
		return
	case <-g.abort:
		return
	default:
	}
	if !g.localReady || len(g.arrived) < len(g.remote) {
		return
	}
	g.begin = g.clock.Now().Add(startMargin)
	close(g.decided)
}

// localBegin is the start the leader announced (on its clock) as an
// instant of this process's clock, given the leader's clock offset
// (the leader's clock minus this one). A start already past begins at
// once.
func localBegin(clock core.Clock, leaderStart time.Time, offset time.Duration) time.Time {
	now := clock.Now()
	at := leaderStart.Add(-offset)
	if wait := at.Sub(now.Round(0)); wait > 0 {
		return now.Add(wait)
	}
	return now
}

// peerClocks are what the links of n measured of its peers' clocks.
func peerClocks(n *node) []record.PeerClock {
	var out []record.PeerClock
	for peer, l := range n.links {
		if cs := l.Sync(); cs.Probes > 0 {
			out = append(out, record.PeerClock{Peer: peer, Offset: cs.Offset, Bound: cs.Bound})
		}
	}
	slices.SortFunc(out, func(a, b record.PeerClock) int { return cmp.Compare(a.Peer, b.Peer) })
	return out
}

// leaderOffset is the leader's clock minus this process's, from the
// tightest measurement of the local machines' links to the leader; 0 when
// the leader runs here or nothing was measured.
func leaderOffset(spec Spec, nodes []*node) time.Duration {
	leader := spec.Config.Leader()
	var best wire.ClockSync
	for _, n := range nodes {
		if l := n.links[leader]; l != nil {
			if cs := l.Sync(); cs.Probes > 0 && (best.Probes == 0 || cs.Bound < best.Bound) {
				best = cs
			}
		}
	}
	return best.Offset
}

// recordClocks stores the local machines' clock measurements in the run's
// metadata, where the run's time axis reads them (record.RunMeta.Clocks),
// and moves the run's Started onto the leader's clock, as its Ended will
// be, so that a merged run's span is on one clock. The machines' own
// StartWall stay on this process's clock: their logs and a rejoin count
// from it.
func recordClocks(spec Spec, nodes []*node) error {
	clocks := map[core.MachineID][]record.PeerClock{}
	for _, n := range nodes {
		if c := peerClocks(n); len(c) > 0 {
			clocks[n.self] = c
		}
	}
	if len(clocks) == 0 {
		return nil
	}
	toLeader := leaderOffset(spec, nodes)
	err := spec.Store.UpdateRun(spec.RunID, func(m *record.RunMeta) {
		for i := range m.Machines {
			if c, ok := clocks[m.Machines[i].ID]; ok {
				m.Machines[i].Clocks = c
			}
		}
		if !spec.Resume {
			m.Started = m.Started.Add(toLeader)
		}
	})
	if err != nil {
		return fmt.Errorf("record the clock offsets of run %s: %w", spec.RunID, err)
	}
	return nil
}
