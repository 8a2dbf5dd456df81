package replay

import "lamport/core"

// eventRing keeps the last n events pushed, in a fixed buffer.
type eventRing struct {
	buf   []core.Event
	start int // index of the oldest event
	n     int // events held
}

func newEventRing(n int) *eventRing { return &eventRing{buf: make([]core.Event, n)} }

func (r *eventRing) reset() { r.start, r.n = 0, 0 }

func (r *eventRing) len() int { return r.n }

func (r *eventRing) push(ev core.Event) {
	if len(r.buf) == 0 {
		return
	}
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = ev
		r.n++
		return
	}
	r.buf[r.start] = ev
	r.start = (r.start + 1) % len(r.buf)
}

// all returns the events held, oldest first, in a new slice.
func (r *eventRing) all() []core.Event {
	out := make([]core.Event, r.n)
	for i := range out {
		out[i] = r.buf[(r.start+i)%len(r.buf)]
	}
	return out
}
