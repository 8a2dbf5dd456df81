package core

// Machine is one virtual machine of the model. It is not safe for
// concurrent use: a driver serialises its inputs, and the order in which it
// calls Deliver and Tick is the schedule a recording keeps.
type Machine struct {
	id     MachineID
	peers  []MachineID // ring order, see Peers; len >= 1
	params Params
	rng    RNG
	// rate is the first draw of rng, in [MinRate, MaxRate].
	rate int

	// clock only grows: +1 per send or internal event, max(clock, msg)+1 per
	// receive, saturating at math.MaxUint64 instead of wrapping (nextClock).
	clock uint64
	// ticks counts the ticks of the machine's schedule, including those it
	// missed while crashed (Restart adds them); events counts Tick calls,
	// one event each. Without crashes the two are equal.
	ticks  uint64
	events uint64
	// lastSeq is the Seq of the last message produced; Seq starts at 1.
	lastSeq uint64
	queue   fifo
}

// NewMachine builds machine id of a run whose machines are ids. Its first
// RNG draw fixes its tick rate.
func NewMachine(id MachineID, ids []MachineID, p Params) (*Machine, error) {
	ring, err := NewRing(ids)
	if err != nil {
		return nil, err
	}
	return NewMachineOnRing(id, ring, p)
}

// NewMachineOnRing is NewMachine for a driver that builds many machines:
// they share one Ring instead of each sorting the ids and keeping its own
// list of peers.
func NewMachineOnRing(id MachineID, ring *Ring, p Params) (*Machine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	peers, err := ring.Peers(id)
	if err != nil {
		return nil, err
	}
	m := &Machine{id: id, peers: peers, params: p, rng: NewRNG(p.Seed, id)}
	m.rate = m.rng.Between(p.MinRate, p.MaxRate)
	return m, nil
}

// Rate derives machine id's tick rate under p without building it.
func Rate(p Params, id MachineID) int {
	r := NewRNG(p.Seed, id)
	return r.Between(p.MinRate, p.MaxRate)
}

func (m *Machine) ID() MachineID      { return m.id }
func (m *Machine) Peers() []MachineID { return m.peers }
func (m *Machine) Rate() int          { return m.rate }
func (m *Machine) Clock() uint64      { return m.clock }
func (m *Machine) QueueLen() int      { return m.queue.len() }
func (m *Machine) Ticks() uint64      { return m.ticks }
func (m *Machine) Events() uint64     { return m.events }
func (m *Machine) LastSeq() uint64    { return m.lastSeq }
func (m *Machine) Params() Params     { return m.params }

// Deliver is the arrival input: msg joins the back of the queue. The
// machine does nothing else until its next tick.
func (m *Machine) Deliver(msg Message) {
	m.queue.push(msg)
}

// Tick is the tick input. It returns the one event the tick produced. A
// send's messages are Event.Sent(m.ID()); the driver must record the event
// before it puts them on the network, so a recording never holds an arrival
// whose send it lacks.
func (m *Machine) Tick() Event {
	m.ticks++
	m.events++
	ev := Event{Index: m.events, Tick: m.ticks}
	if m.queue.len() > 0 {
		msg := m.queue.pop()
		m.clock = nextClock(max(m.clock, msg.Clock))
		ev.Kind = KindRecv
		ev.Msg = msg
		ev.Clock = m.clock
		ev.Queue = m.queue.len()
		return ev
	}
	ev.Die = m.rng.Between(1, m.params.Actions)
	m.clock = nextClock(m.clock)
	ev.Clock = m.clock
	switch ev.Die {
	case 1:
		ev.Kind, ev.To = KindSend, m.peers[0:1]
	case 2:
		i := 1 % len(m.peers)
		ev.Kind, ev.To = KindSend, m.peers[i:i+1]
	case 3:
		ev.Kind, ev.To = KindSend, m.peers
	default:
		ev.Kind = KindInternal
	}
	if ev.Kind == KindSend {
		ev.FirstSeq = m.lastSeq + 1
		m.lastSeq += uint64(len(ev.To))
	}
	return ev
}

// Crash is the crash input: the machine loses its queue, as a process that
// dies loses its memory, and returns how many messages were in it. The
// driver stops ticking it and delivering to it until Restart.
func (m *Machine) Crash() int {
	n := m.queue.len()
	m.queue = fifo{}
	return n
}

// Restart is the restart input after a crash: missed is how many ticks of
// the machine's schedule passed while it was down, so Event.Tick keeps
// counting the schedule while Event.Index stays contiguous. With resetClock
// the clock starts again from 0. A restart brings back the same machine,
// not a new one: its RNG stream and message sequence numbers carry on, so
// (From, Seq) still names one message. seqSkip numbers are passed over
// first: a live process that died may have sent messages it never
// recorded, and their numbers must not be used twice.
func (m *Machine) Restart(missed uint64, resetClock bool, seqSkip uint64) {
	m.ticks += missed
	m.lastSeq += seqSkip
	if resetClock {
		m.clock = 0
	}
}
