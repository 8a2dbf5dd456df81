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

// push adds m at the back. The ring doubles as it fills, but never past
// limit (when it holds fewer), the most it will be asked to hold: a run of
// 1000 machines keeps 262 arrivals a log, which doubling would make 512.
func (r *msgRing) push(m core.Message, limit int) {
	if r.n == len(r.buf) {
		size := max(16, 2*len(r.buf))
		if r.n < limit {
			size = min(size, limit)
		}
		grown := make([]core.Message, size)
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
