package replay

import (
	"container/heap"
	"time"

	"lamport/core"
)

// simKind is what a simEvent does.
type simKind uint8

const (
	simTick simKind = iota
	simArrival
	simCrash
	simRestart
	// Random crashes chain: each schedules the next event of the chain.
	simRandomCrash
	simRandomRestart
)

// simEvent is a tick of a machine, a message arriving at one, or the
// machine crashing or restarting.
type simEvent struct {
	at      time.Duration
	order   uint64 // scheduling order: the tie-break for equal times
	machine core.MachineID
	kind    simKind
	msg     core.Message
}

// eventQueue orders simulator events by virtual time; events due at the
// same nanosecond run in the order they were scheduled. That rule, and
// nothing else (no map order, no goroutines), fixes the simulation.
type eventQueue struct {
	items []simEvent
	next  uint64
}

func (q *eventQueue) Len() int { return len(q.items) }
func (q *eventQueue) Less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.order < b.order
}
func (q *eventQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *eventQueue) Push(x any)    { q.items = append(q.items, x.(simEvent)) }
func (q *eventQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

func (q *eventQueue) schedule(e simEvent) {
	e.order = q.next
	q.next++
	heap.Push(q, e)
}

func (q *eventQueue) pop() simEvent { return heap.Pop(q).(simEvent) }
