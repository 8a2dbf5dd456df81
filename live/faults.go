package live

import (
	"container/heap"
	"fmt"
	"sync"
	"time"

	"lamport/core"
	"lamport/wire"
)

// checkLiveFaults refuses what a live run cannot inject: duplicates,
// spikes, clogs and crashes are the simulator's (a live machine is crashed
// for real, with kill -9).
func checkLiveFaults(f core.Faults, ids []core.MachineID) error {
	if f.Dup > 0 || f.Spike.P > 0 || f.Clog.Every > 0 || len(f.Crashes) > 0 || f.RandomCrashes.Every > 0 {
		return fmt.Errorf("live runs inject only drops, delays and partitions; duplicates, spikes, clogs and crashes are for sim")
	}
	return f.Validate(ids)
}

// sendFate is what the sending side decided for one message.
type sendFate uint8

const (
	fateSend sendFate = iota
	fateLost
)

// decideFates applies the send-side faults to the messages of event ev,
// sent at offset at, recording a FaultLost entry for each message lost.
// It runs under n.mu, right after the event is recorded, so the loss
// follows its send in the log.
func (n *node) decideFates(ev core.Event, sent []core.Message, at time.Duration, fates []sendFate) []sendFate {
	fates = fates[:0]
	for i, msg := range sent {
		to := ev.To[i]
		reason := core.LostReason(0)
		switch {
		case n.faults.Cut(n.self, to, at):
			reason = core.LostPartition
		case n.faults.Drop > 0 && n.faultRNG.Float64() < n.faults.Drop:
			reason = core.LostDrop
		}
		if reason == 0 {
			fates = append(fates, fateSend)
			continue
		}
		fates = append(fates, fateLost)
		n.rec.Append(n.self, core.Entry{At: at, Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: to, Reason: reason}})
	}
	return fates
}

// recordUndelivered records, after the links have closed, every message a
// link never wrote because its peer was down or refused it, as lost with
// reason down in the sender's log; shared holds those of the shared
// connection, of which only n's own are recorded here.
func (n *node) recordUndelivered(shared []wire.Envelope) int {
	lost := 0
	at := n.clock.Now().Sub(n.start)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, peer := range n.machine.Peers() {
		l := n.links[peer]
		if l == nil {
			continue
		}
		for _, msg := range l.Undelivered() {
			n.rec.Append(n.self, core.Entry{At: at, Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: peer, Reason: core.LostDown}})
			lost++
		}
	}
	for _, e := range shared {
		if e.Msg.From == n.self {
			n.rec.Append(n.self, core.Entry{At: at, Msg: e.Msg, Fault: core.Fault{Kind: core.FaultLost, To: e.To, Reason: core.LostDown}})
			lost++
		}
	}
	return lost
}

// delayer holds one machine's messages for their injected delay (run
// --delay) and hands each to its link when it is due. On each link due
// times never decrease and ties leave in the order queued, so every link
// stays FIFO, like the TCP connection under it. One delayer (and one
// goroutine) per machine, not per link: 200 machines have 39 800 links.
type delayer struct {
	send  func(to core.MachineID, m core.Message) error
	clock core.Clock

	mu    sync.Mutex
	queue delayQueue
	// last is the latest due time queued on each link.
	last   map[core.MachineID]time.Time
	seq    uint64
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

type delayed struct {
	due time.Time
	seq uint64 // queued order, for ties
	to  core.MachineID
	msg core.Message
}

// delayQueue is a min-heap of delayed messages by (due, seq).
type delayQueue []delayed

func (q delayQueue) Len() int { return len(q) }
func (q delayQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q delayQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *delayQueue) Push(x any)   { *q = append(*q, x.(delayed)) }
func (q *delayQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func newDelayer(send func(core.MachineID, core.Message) error, clock core.Clock) *delayer {
	d := &delayer{send: send, clock: clock, last: map[core.MachineID]time.Time{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go d.run()
	return d
}

// push queues msg for machine to, to leave after delay, and never before
// the message queued before it on the same link.
func (d *delayer) push(to core.MachineID, msg core.Message, delay time.Duration) {
	d.mu.Lock()
	due := d.clock.Now().Add(delay)
	if last := d.last[to]; due.Before(last) {
		due = last
	}
	d.last[to] = due
	d.seq++
	heap.Push(&d.queue, delayed{due: due, seq: d.seq, to: to, msg: msg})
	d.mu.Unlock()
	d.signal()
}

func (d *delayer) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// close hands what is still held to the links at once, in order (the run
// is over, the messages were already on their way) and waits for the
// goroutine.
func (d *delayer) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.signal()
	<-d.done
}

func (d *delayer) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		closed := d.closed
		var next *delayed
		if d.queue.Len() > 0 {
			next = &d.queue[0]
		}
		var wait time.Duration
		if next != nil && !closed {
			wait = next.due.Sub(d.clock.Now())
		}
		if next != nil && wait <= 0 {
			e := heap.Pop(&d.queue).(delayed)
			d.mu.Unlock()
			// Send fails only after the link's Close, which waits for us.
			_ = d.send(e.to, e.msg)
			continue
		}
		d.mu.Unlock()
		if closed {
			return
		}
		if next == nil {
			<-d.wake
			continue
		}
		t := d.clock.NewTimer(wait)
		select {
		case <-t.C():
		case <-d.wake:
			t.Stop()
		}
	}
}
