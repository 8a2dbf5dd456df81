package record

import "lamport/core"

// msgRing is a FIFO of messages in a ring buffer, which grows by doubling
// and never moves its contents otherwise: pushing behind a long queue and
// popping its front cost the same whatever its length.
type msgRing struct {
	buf  []core.Message
	head int // index of the front
	n    int
}

func (r *msgRing) len() int { return r.n }

func (r *msgRing) front() (core.Message, bool) {
	if r.n == 0 {
		return core.Message{}, false
	}
	return r.buf[r.head], true
}

func (r *msgRing) push(m core.Message) {
	if r.n == len(r.buf) {
		grown := make([]core.Message, max(16, 2*len(r.buf)))
		k := copy(grown, r.buf[r.head:])
		copy(grown[k:], r.buf[:r.head])
		r.buf, r.head = grown, 0
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = m
	r.n++
}

// pop drops the front; the ring must not be empty.
func (r *msgRing) pop() {
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
}

func (r *msgRing) clear() { r.head, r.n = 0, 0 }
