package core

// fifo is a queue of messages kept in blocks: a long queue grows by a
// block at a time and is never copied (a queue that only grows, as a slow
// machine's does, would be copied at every growth of one slice), and a
// block is let go once read. Blocks double from minBlock to maxBlock
// messages; one read block is kept for reuse. A queued message is kept
// packed in 20 bytes (queuedMsg), not the 24 of a Message with its padding:
// the queues of slow machines are most of a long simulation's memory.
type fifo struct {
	// The n messages, in order, are full[0][head:], full[1:] and then
	// tail, or tail[head:] while full is empty. Pushes append to tail,
	// which stays in the struct so that a push touches no other memory
	// than its block.
	full  [][]queuedMsg // blocks filled up, oldest first
	spare []queuedMsg   // an empty block, or nil
	tail  []queuedMsg
	head  int
	n     int
}

const (
	minBlock = 8
	maxBlock = 1024
)

func (q *fifo) len() int { return q.n }

func (q *fifo) push(m Message) {
	if len(q.tail) == cap(q.tail) {
		q.grow()
	}
	q.tail = append(q.tail, packMsg(m))
	q.n++
}

// grow retires the full tail and starts a new one.
func (q *fifo) grow() {
	size := minBlock
	if cap(q.tail) > 0 {
		q.full = append(q.full, q.tail)
		size = min(2*cap(q.tail), maxBlock)
	}
	b := q.spare
	if cap(b) >= size {
		q.spare = nil
	} else {
		b = make([]queuedMsg, 0, size)
	}
	q.tail = b
}

func (q *fifo) pop() Message {
	if len(q.full) == 0 {
		m := q.tail[q.head].unpack()
		q.head++
		q.n--
		if q.head == len(q.tail) {
			q.tail, q.head = q.tail[:0], 0
		}
		return m
	}
	b := q.full[0]
	m := b[q.head].unpack()
	q.head++
	q.n--
	if q.head == len(b) {
		q.head = 0
		if cap(b) > cap(q.spare) {
			q.spare = b[:0]
		}
		q.full[0] = nil
		q.full = q.full[1:]
	}
	return m
}

// queuedMsg is a Message in five 32-bit words: From, then Seq and Clock
// low word first.
type queuedMsg [5]uint32

func packMsg(m Message) queuedMsg {
	return queuedMsg{uint32(m.From), uint32(m.Seq), uint32(m.Seq >> 32), uint32(m.Clock), uint32(m.Clock >> 32)}
}

func (q *queuedMsg) unpack() Message {
	return Message{
		From:  MachineID(q[0]),
		Seq:   uint64(q[1]) | uint64(q[2])<<32,
		Clock: uint64(q[3]) | uint64(q[4])<<32,
	}
}
