package scenario

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"

	"lamport/core"
)

// shadow is a second, independent implementation of one machine of the
// model, written from docs/MODEL.md and sharing no code with core: its
// own SplitMix64, its own Lemire draw, its own ring and its own queue.
// Every input the World gives a core.Machine it also gives the shadow,
// and every output must agree, so a rewritten expected output that breaks
// the model's rules fails even with -rewrite.
type shadow struct {
	id      core.MachineID
	peers   []core.MachineID
	actions int
	state   uint64
	rate    int
	clock   uint64
	queue   []core.Message
	ticks   uint64
	events  uint64
	lastSeq uint64
}

// The constants of docs/MODEL.md, "The random stream".
const (
	shadowGolden = 0x9E3779B97F4A7C15
	shadowM1     = 0xBF58476D1CE4E5B9
	shadowM2     = 0x94D049BB133111EB
)

func shadowMix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * shadowM1
	z = (z ^ (z >> 27)) * shadowM2
	return z ^ (z >> 31)
}

func (s *shadow) draw() uint64 {
	s.state += shadowGolden
	return shadowMix(s.state)
}

// between is a uniform integer in [lo, hi]: lo + high64(x*n), drawing
// again while low64(x*n) < (2^64 - n) mod n.
func (s *shadow) between(lo, hi int) int {
	n := uint64(hi-lo) + 1
	threshold := (-n) % n // (2^64 - n) mod n
	for {
		h, l := bits.Mul64(s.draw(), n)
		if l >= threshold {
			return lo + int(h)
		}
	}
}

// newShadow builds machine id of a run of ids: the peers are the other ids
// going around the sorted ring, starting after id.
func newShadow(id core.MachineID, ids []core.MachineID, p core.Params) *shadow {
	sorted := slices.Sorted(slices.Values(ids))
	at := slices.Index(sorted, id)
	var peers []core.MachineID
	for k := 1; k < len(sorted); k++ {
		peers = append(peers, sorted[(at+k)%len(sorted)])
	}
	s := &shadow{id: id, peers: peers, actions: p.Actions}
	s.state = shadowMix(p.Seed ^ shadowMix(uint64(id)+shadowGolden))
	s.rate = s.between(p.MinRate, p.MaxRate)
	return s
}

// tick predicts the event of the next tick.
func (s *shadow) tick() core.Event {
	s.ticks++
	s.events++
	ev := core.Event{Index: s.events, Tick: s.ticks}
	if len(s.queue) > 0 {
		msg := s.queue[0]
		s.queue = s.queue[1:]
		s.clock = satInc(max(s.clock, msg.Clock))
		ev.Kind, ev.Msg, ev.Clock, ev.Queue = core.KindRecv, msg, s.clock, len(s.queue)
		return ev
	}
	ev.Die = s.between(1, s.actions)
	s.clock = satInc(s.clock)
	ev.Clock = s.clock
	ev.Kind = core.KindInternal
	switch ev.Die {
	case 1:
		ev.Kind, ev.To = core.KindSend, []core.MachineID{s.peers[0]}
	case 2:
		second := s.peers[0] // with two machines the second peer is the first
		if len(s.peers) > 1 {
			second = s.peers[1]
		}
		ev.Kind, ev.To = core.KindSend, []core.MachineID{second}
	case 3:
		ev.Kind, ev.To = core.KindSend, slices.Clone(s.peers)
	}
	if ev.Kind == core.KindSend {
		ev.FirstSeq = s.lastSeq + 1
		s.lastSeq += uint64(len(ev.To))
	}
	return ev
}

// satInc is x+1, stopping at 2^64-1: the clock never wraps (docs/MODEL.md).
func satInc(x uint64) uint64 {
	if x == math.MaxUint64 {
		return x
	}
	return x + 1
}

// Tally is one machine's count of a shadow replay: its recorded events
// and those whose replay differs or that the replay never reached.
type Tally struct {
	Events, Diverged uint64
}

// ShadowReplay replays logs, each machine's recorded schedule, through
// shadows built under p, as docs/REPLAY.md describes and without the
// replay package: every tick's predicted event is compared with the
// recorded one, an arrival delivers the message its sender's shadow sent
// (not the recorded copy), and a machine whose log has a message arrive
// (or be lost or duplicated) that no shadow sent stops there, its later
// events all diverged. Senders are settled by replaying all machines
// again until what they send stops changing.
func ShadowReplay(ids []core.MachineID, p core.Params, logs map[core.MachineID][]core.Entry) (map[core.MachineID]Tally, error) {
	type key struct {
		from core.MachineID
		seq  uint64
	}
	sent := map[key]uint64{} // the clock each message was sent with
	for range len(ids) + 3 {
		tally := map[core.MachineID]Tally{}
		next := map[key]uint64{}
		for _, id := range ids {
			s := newShadow(id, ids, p)
			var t Tally
			log := logs[id]
			for i, e := range log {
				if e.IsTick() {
					want := s.tick()
					t.Events++
					if !sameEvent(want, e.Event) {
						t.Diverged++
					}
					for j := range want.To {
						next[key{id, want.FirstSeq + uint64(j)}] = want.Clock
					}
					continue
				}
				switch e.Fault.Kind {
				case core.FaultCrash:
					s.queue = nil
					continue
				case core.FaultRestart:
					s.ticks += e.Fault.Missed
					s.lastSeq += e.Fault.SeqSkip
					if e.Fault.ResetClock {
						s.clock = 0
					}
					continue
				case core.FaultLost, core.FaultDup:
					// A message's fate: it must have been sent, as an arrival must.
				}
				clock, ok := sent[key{e.Msg.From, e.Msg.Seq}]
				if !ok { // never sent: the machine stops here
					for _, rest := range log[i:] {
						if rest.IsTick() {
							t.Events++
							t.Diverged++
						}
					}
					break
				}
				if e.Arrival {
					s.queue = append(s.queue, core.Message{From: e.Msg.From, Seq: e.Msg.Seq, Clock: clock})
				}
			}
			tally[id] = t
		}
		if maps.Equal(next, sent) {
			return tally, nil
		}
		sent = next
	}
	return nil, fmt.Errorf("shadow replay: the messages sent did not settle")
}

func sameEvent(a, b core.Event) bool {
	return a.Index == b.Index && a.Tick == b.Tick && a.Kind == b.Kind && a.Die == b.Die && a.Clock == b.Clock &&
		a.Queue == b.Queue && slices.Equal(a.To, b.To) && a.FirstSeq == b.FirstSeq && a.Msg == b.Msg
}
