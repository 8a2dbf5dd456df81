package replay

import (
	"math/bits"
	"slices"
	"time"
)

// simKind is what a simulator event does.
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

// The simulator's pending events are ordered by virtual time; events due
// at the same nanosecond run in the order they were scheduled, which a
// counter (order) numbers. That rule, and nothing else (no map order, no
// goroutines), fixes the simulation.
//
// Most events come in sequences that are already in that order, so the
// queue is a binary heap of sources, each keyed by its next event's
// (at, order), rather than a heap of events:
//
//   - a tick group: the machines of one tick interval. A machine's next
//     tick is scheduled, one interval on, when it ticks, so it is due no
//     earlier than any tick already pending in its group and has the
//     largest order so far: each group is a ring of its machines in due
//     order, and a tick moves its machine from the front to the back.
//   - an arrival run: the messages of one send event that are not lost,
//     sorted by (at, order) once when the send is done.
//   - a crash or restart of one machine, alone.
//
// The heap holds a few dozen sources where it held hundreds of events, and
// a tick or an arrival costs one sift of its source instead of a pop and a
// push. Since every (at, order) is unique, the events come out in exactly
// the order a heap of single events gives.
type eventQueue struct {
	heap []source
	next uint64 // the order of the next event scheduled

	groups []tickGroup
	runs   []arrivalRun
	free   []uint32 // indexes of runs not in use

	keys   []uint64 // sortRun's scratch
	counts []int
	spare  []runItem // sortRun's other buffer
}

// source is a heap entry: the key of its next event, and which source it
// is (kind simTick: groups[ref]; simArrival: runs[ref]; otherwise the
// crash or restart event itself, of machine slot ref).
type source struct {
	at    time.Duration
	order uint64
	ref   uint32
	kind  simKind
}

func (a *source) before(b *source) bool {
	return a.at < b.at || (a.at == b.at && a.order < b.order)
}

// tickGroup is the machines of one tick interval, in due order from head
// (a ring: ticks[head:] then ticks[:head]).
type tickGroup struct {
	interval time.Duration
	ticks    []pendingTick
	head     int
}

type pendingTick struct {
	at    time.Duration
	order uint64
	slot  uint32
}

// arrivalRun is the messages of one send event in flight, items[next:] in
// due order. Message i of the send (to its i-th target) is (from,
// firstSeq+i, clock). Its targets are a window of the ring of machines,
// slots toBase, toBase+1, ... modulo n, unless tos lists them; so an item
// is 16 bytes, which matters when sends to all of 10 000 machines are in
// flight.
type arrivalRun struct {
	items    []runItem
	next     int
	from     uint32 // the sender's slot
	firstSeq uint64
	clock    uint64
	base     uint64 // the order of the run's first item
	toBase   uint32
	n        uint32
	tos      []uint32
	targets  int
}

type runItem struct {
	at time.Duration
	j  uint32 // order - base: items were scheduled in j order
	i  uint32 // the target's index in the send
}

// order is item it's scheduling order.
func (run *arrivalRun) order(it *runItem) uint64 { return run.base + uint64(it.j) }

// to is the slot of the send's i-th target.
func (run *arrivalRun) to(i uint32) uint32 {
	if run.tos != nil {
		return run.tos[i]
	}
	s := run.toBase + i
	if s >= run.n {
		s -= run.n
	}
	return s
}

func (q *eventQueue) Len() int { return len(q.heap) }

// top is the source of the next event.
func (q *eventQueue) top() *source { return &q.heap[0] }

// order hands out the next scheduling order.
func (q *eventQueue) order() uint64 {
	o := q.next
	q.next++
	return o
}

// addGroup adds a tick group; the ticks in it must be in due order.
func (q *eventQueue) addGroup(interval time.Duration, ticks []pendingTick) {
	q.groups = append(q.groups, tickGroup{interval: interval, ticks: ticks})
	q.push(source{at: ticks[0].at, order: ticks[0].order, ref: uint32(len(q.groups) - 1), kind: simTick})
}

// schedule adds a crash or restart of machine slot at time at.
func (q *eventQueue) schedule(at time.Duration, slot uint32, kind simKind) {
	q.push(source{at: at, order: q.order(), ref: slot, kind: kind})
}

// tick takes the next tick from the group at the top, which is due, and
// schedules that machine's next one; it returns the machine's slot.
func (q *eventQueue) tick() uint32 {
	top := &q.heap[0]
	g := &q.groups[top.ref]
	t := &g.ticks[g.head]
	slot := t.slot
	t.at += g.interval
	t.order = q.order()
	if g.head++; g.head == len(g.ticks) {
		g.head = 0
	}
	n := &g.ticks[g.head]
	top.at, top.order = n.at, n.order
	q.down(0)
	return slot
}

// newRun returns an empty run for a send by slot from to targets machines
// of n, the first of them slot toBase.
func (q *eventQueue) newRun(from uint32, firstSeq, clock uint64, toBase uint32, targets, n int) uint32 {
	var r uint32
	if n := len(q.free); n > 0 {
		r = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		q.runs = append(q.runs, arrivalRun{})
		r = uint32(len(q.runs) - 1)
	}
	run := &q.runs[r]
	if cap(run.items) < targets {
		run.items = make([]runItem, 0, targets)
	}
	run.items, run.next = run.items[:0], 0
	run.from, run.firstSeq, run.clock = from, firstSeq, clock
	run.base, run.toBase, run.n, run.tos, run.targets = q.next, toBase, uint32(n), nil, targets
	return r
}

// arrive schedules, in run r, the arrival at time at of the send's message
// to its i-th target, slot to.
func (q *eventQueue) arrive(r uint32, at time.Duration, to, i uint32) {
	run := &q.runs[r]
	if run.to(i) != to {
		// Not a window of the ring: list the targets.
		if run.tos == nil {
			tos := make([]uint32, run.targets)
			for k := range tos {
				tos[k] = run.to(uint32(k))
			}
			run.tos = tos
		}
		run.tos[i] = to
	}
	run.items = append(run.items, runItem{at: at, j: uint32(q.order() - run.base), i: i})
}

// startRun puts run r, complete, on the queue, or back in the pool if it
// is empty; it reports which. now is the time of the send: no item is due
// before it.
func (q *eventQueue) startRun(r uint32, now time.Duration) bool {
	run := &q.runs[r]
	if len(run.items) == 0 {
		q.free = append(q.free, r)
		return false
	}
	q.sortRun(run, now)
	q.push(source{at: run.items[0].at, order: run.order(&run.items[0]), ref: r, kind: simArrival})
	return true
}

// sortRun sorts a run's items by (at, order). They were appended in order
// order, so that is a stable sort by at. It spreads them over 2k buckets by
// at - now (k items), a bucket's span of time each, keeping their order,
// then an insertion sort settles each bucket: with latencies drawn at
// random a bucket holds a few items, and the sort takes a few passes over
// the run. If a bucket is crowded (an outlier stretched the span), it
// sorts one word per item, (at - now) << 20 | index, instead: both are
// several times faster than a sort with a comparison function.
func (q *eventQueue) sortRun(run *arrivalRun, now time.Duration) {
	items := run.items
	sorted, last := true, now
	for i := range items {
		if items[i].at < last {
			sorted = false
		}
		last = max(last, items[i].at)
	}
	if sorted {
		return
	}
	out := q.spare[:0]
	if cap(out) < len(items) {
		out = make([]runItem, 0, len(items))
	}
	out = out[:len(items)]
	// Bucket b holds the items with (at-now)*buckets/(span+1) == b.
	span := uint64(last - now)
	buckets := uint64(2 * len(items))
	var scale uint64
	if span+1 > buckets {
		scale, _ = bits.Div64(buckets, 0, span+1)
	} else {
		buckets = span + 1
	}
	bucket := func(at time.Duration) uint64 {
		d := uint64(at - now)
		if scale == 0 {
			return d
		}
		hi, _ := bits.Mul64(d, scale)
		return hi
	}
	counts := q.counts[:0]
	counts = append(counts, make([]int, buckets+1)...)
	crowded := false
	for i := range items {
		b := bucket(items[i].at)
		if counts[b+1]++; counts[b+1] > 32 {
			crowded = true
		}
	}
	q.counts = counts
	if crowded {
		q.sortKeys(run, out[:0], now, span)
		return
	}
	for b := 1; b < len(counts); b++ {
		counts[b] += counts[b-1]
	}
	for i := range items {
		b := bucket(items[i].at)
		out[counts[b]] = items[i]
		counts[b]++
	}
	for i := 1; i < len(out); i++ {
		it := out[i]
		j := i
		for ; j > 0 && out[j-1].at > it.at; j-- {
			out[j] = out[j-1]
		}
		out[j] = it
	}
	q.spare, run.items = items[:0], out
}

// sortKeys is sortRun's other way, into out.
func (q *eventQueue) sortKeys(run *arrivalRun, out []runItem, now time.Duration, span uint64) {
	items := run.items
	const indexBits = 20
	if len(items) > 1<<indexBits || span >= 1<<(63-indexBits) {
		slices.SortFunc(items, compareItems)
		return
	}
	keys := q.keys[:0]
	for i := range items {
		keys = append(keys, uint64(items[i].at-now)<<indexBits|uint64(i))
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, items[k&(1<<indexBits-1)])
	}
	q.keys, q.spare, run.items = keys, items[:0], out
}

func compareItems(a, b runItem) int {
	switch {
	case a.at != b.at:
		if a.at < b.at {
			return -1
		}
		return 1
	case a.j < b.j:
		return -1
	case a.j > b.j:
		return 1
	}
	return 0
}

// arrival takes the next arrival from the run at the top, which is due:
// the receiver's slot, the sender's slot and the message's seq and clock;
// done reports that it was the run's last.
func (q *eventQueue) arrival() (to, from uint32, seq, clock uint64, done bool) {
	top := &q.heap[0]
	r := top.ref
	run := &q.runs[r]
	it := &run.items[run.next]
	to, from, seq, clock = run.to(it.i), run.from, run.firstSeq+uint64(it.i), run.clock
	if run.next++; run.next < len(run.items) {
		n := &run.items[run.next]
		top.at, top.order = n.at, run.order(n)
		q.down(0)
		return to, from, seq, clock, false
	}
	q.free = append(q.free, r)
	q.pop()
	return to, from, seq, clock, true
}

// pop removes the top source.
func (q *eventQueue) pop() {
	last := len(q.heap) - 1
	q.heap[0] = q.heap[last]
	q.heap = q.heap[:last]
	if last > 0 {
		q.down(0)
	}
}

func (q *eventQueue) push(s source) {
	q.heap = append(q.heap, s)
	h := q.heap
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !s.before(&h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = s
}

// down moves source i down to its place.
func (q *eventQueue) down(i int) {
	h := q.heap
	n := len(h)
	s := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].before(&h[c]) {
			c = r
		}
		if !h[c].before(&s) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = s
}
