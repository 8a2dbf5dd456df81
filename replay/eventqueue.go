package replay

import (
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
// nothing else (no map order, no goroutines), fixes the simulation. It is
// a binary heap written out for simEvent rather than container/heap, whose
// interface boxes every event pushed and popped: an allocation per event.
type eventQueue struct {
	items []simEvent
	next  uint64
}

func (q *eventQueue) Len() int { return len(q.items) }

func (q *eventQueue) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.order < b.order
}

func (q *eventQueue) schedule(e simEvent) {
	e.order = q.next
	q.next++
	q.items = append(q.items, e)
	for i := len(q.items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.items[i], q.items[parent] = q.items[parent], q.items[i]
		i = parent
	}
}

func (q *eventQueue) pop() simEvent {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	for i := 0; ; {
		child := 2*i + 1
		if child >= last {
			break
		}
		if r := child + 1; r < last && q.less(r, child) {
			child = r
		}
		if !q.less(child, i) {
			break
		}
		q.items[i], q.items[child] = q.items[child], q.items[i]
		i = child
	}
	return top
}
