package replay

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"lamport/core"
	"lamport/record"
)

// A live machine's log ends at its own last commit. When its process dies,
// the messages it sent after that commit (its unrecorded tail) can still be
// in the logs of the machines that received them. Replay cannot check such
// a message against a send, because the send is not in the recording; it
// takes it as recorded, counts it in Result.Unverified, and checks what can
// be checked: that the sender could have sent it.

// tailSlack is the time added to a tail's length before its sends are
// bounded: it covers the difference between two processes' wall clocks
// (each machine's times count from its own process's clock), which on one
// host is zero and between hosts kept by NTP is far below a second.
const tailSlack = time.Second

// cutTail is what the replay knows about one run's unrecorded tails.
type cutTail struct {
	byID        map[core.MachineID]*machineReplay
	interrupted bool
	// peers bounds how many messages one tick can send: a send to every
	// peer sends len(ids)-1.
	peers uint64
	// speed multiplies the recorded tick rates (0 is 1).
	speed float64
	// accepted are the tail messages taken so far, per sender, sorted by
	// sequence number: a later one must agree with them.
	accepted map[core.MachineID][]tailMessage
}

type tailMessage struct{ seq, clock uint64 }

// seqRange is the message numbers after..last, after excluded, that a
// restart skipped. minClock is the clock the machine had at its last
// recorded entry before the crash, at, when its unrecorded tail began:
// nothing it sent in that tail can carry a clock at or below it.
type seqRange struct {
	after, last, minClock uint64
	at                    time.Duration
}

func newCutTail(ms []*machineReplay, meta record.RunMeta) *cutTail {
	t := &cutTail{byID: map[core.MachineID]*machineReplay{}, interrupted: meta.Status == record.StatusInterrupted,
		speed: meta.Speed, accepted: map[core.MachineID][]tailMessage{}}
	for _, m := range ms {
		t.byID[m.id] = m
	}
	if n := len(meta.Config); n > 1 {
		t.peers = uint64(n - 1)
	}
	if t.speed <= 0 {
		t.speed = 1
	}
	return t
}

// judge reports whether m waits for a message from a sender's unrecorded
// tail, and if so what is wrong with it ("" when nothing is).
//
// A message is from a tail when its sender's log is exhausted, the run is
// interrupted, and it is numbered past the sender's last recorded send; or
// when it is numbered in a range a restart of its sender skipped (a process
// that died and was started again into the same run), whatever the run's
// status.
func (t *cutTail) judge(m *machineReplay) (fromTail bool, problem string) {
	e := &m.next
	if !e.Arrival && e.Fault.Kind != core.FaultLost {
		return false, ""
	}
	sender, ok := t.byID[e.Msg.From]
	if !ok {
		return false, ""
	}
	tail := seqRange{after: sender.lastSeq, last: math.MaxUint64, minClock: sender.lastClock, at: sender.lastAt}
	found := false
	for _, r := range sender.skipped {
		if e.Msg.Seq > r.after && e.Msg.Seq <= r.last {
			tail, found = r, true
			break
		}
	}
	if !found && (!t.interrupted || sender.hasNext || e.Msg.Seq <= sender.lastSeq) {
		return false, ""
	}
	if max := t.maxSeq(sender, tail, m.start.Add(e.At)); e.Msg.Seq > max {
		return true, fmt.Sprintf("message %s is numbered past anything machine %d could have sent after its last recorded event: at %d ticks per second it could have reached %s at most",
			e.Msg.ID(), sender.id, sender.rate, core.Message{From: sender.id, Seq: max}.ID())
	}
	return true, t.agree(e.Msg, tail.minClock)
}

// maxSeq is the highest sequence number sender could have given a message
// in its tail by the wall time at: each tick after the tail began sends at
// most one message to every peer.
func (t *cutTail) maxSeq(sender *machineReplay, tail seqRange, at time.Time) uint64 {
	d := at.Sub(sender.start.Add(tail.at)) + tailSlack
	if d < 0 {
		d = 0
	}
	ticks := math.Floor(d.Seconds()*float64(sender.rate)*t.speed) + 1
	sends := ticks * float64(t.peers)
	if sends >= float64(tail.last-tail.after) {
		return tail.last
	}
	return tail.after + uint64(sends)
}

// agree checks msg's clock against what its sender is known to have had:
// not below minClock (a send raises the clock, so strictly above it), and
// in the order of the tail messages already taken from the same sender
// (a later send never carries a lower clock, and no message arrives twice).
func (t *cutTail) agree(msg core.Message, minClock uint64) string {
	if msg.Clock <= minClock {
		return fmt.Sprintf("message %s from machine %d's unrecorded tail carries clock %d, not above the %d its sender had already reached",
			msg.ID(), msg.From, msg.Clock, minClock)
	}
	taken := t.accepted[msg.From]
	i, dup := slices.BinarySearchFunc(taken, msg.Seq, func(a tailMessage, seq uint64) int { return cmp.Compare(a.seq, seq) })
	switch {
	case dup:
		return fmt.Sprintf("message %s from machine %d's unrecorded tail arrived twice", msg.ID(), msg.From)
	case i > 0 && taken[i-1].clock > msg.Clock:
		return fmt.Sprintf("message %s from machine %d's unrecorded tail carries clock %d, below the %d of its earlier message %s",
			msg.ID(), msg.From, msg.Clock, taken[i-1].clock, core.Message{From: msg.From, Seq: taken[i-1].seq}.ID())
	case i < len(taken) && taken[i].clock < msg.Clock:
		return fmt.Sprintf("message %s from machine %d's unrecorded tail carries clock %d, above the %d of its later message %s",
			msg.ID(), msg.From, msg.Clock, taken[i].clock, core.Message{From: msg.From, Seq: taken[i].seq}.ID())
	}
	return ""
}

// accept takes m's next entry, a message from a sender's unrecorded tail
// that judge found nothing wrong with, as recorded.
func (t *cutTail) accept(m *machineReplay, h *TraceHasher, res *Result) error {
	e := m.next
	taken := t.accepted[e.Msg.From]
	i, _ := slices.BinarySearchFunc(taken, e.Msg.Seq, func(a tailMessage, seq uint64) int { return cmp.Compare(a.seq, seq) })
	t.accepted[e.Msg.From] = slices.Insert(taken, i, tailMessage{e.Msg.Seq, e.Msg.Clock})
	res.Unverified++
	h.Add(m.id, &e)
	if e.Arrival {
		m.model.Deliver(e.Msg)
		res.Arrivals++
	}
	return m.advance()
}
