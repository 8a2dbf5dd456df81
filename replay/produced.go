package replay

import "lamport/core"

// produced holds the messages the replay has sent and no arrival or loss
// has settled yet. A sender numbers its messages 1, 2, 3, ... and most
// settle soon and roughly in order, so each sender's are kept in a window
// of consecutive sequence numbers: an add, a take and a lookup are index
// arithmetic, where a map cost a hash of each message twice. A message
// left unsettled far behind the rest (lost without a record of it) moves
// to a map, so it does not pin an ever longer window.
type produced struct {
	senders map[core.MachineID]*sendWindow
	spilled map[msgKey]*sentMessage
}

type sentMessage struct {
	msg   core.Message
	to    core.MachineID
	event uint64 // the sender's event index
	// copies is how many arrivals or losses the message still owes: 1,
	// plus 1 for each FaultDup; 0 once settled.
	copies int
}

// msgKey names a message: its sender and sequence number.
type msgKey struct {
	from core.MachineID
	seq  uint64
}

// maxWindow bounds a sender's window; past it, its oldest unsettled
// messages spill to the map.
const maxWindow = 1 << 15

// sendWindow is one sender's messages with sequence numbers base,
// base+1, ...: buf[head:] in order, a settled one having copies 0.
type sendWindow struct {
	base uint64
	buf  []sentMessage
	head int
}

func newProduced() *produced {
	return &produced{senders: map[core.MachineID]*sendWindow{}, spilled: map[msgKey]*sentMessage{}}
}

// add records a message the replay sent. A sender's sequence numbers only
// grow; the ones it skips (a restart's) are held as settled.
func (p *produced) add(m sentMessage) {
	w := p.senders[m.msg.From]
	if w == nil {
		w = &sendWindow{base: m.msg.Seq}
		p.senders[m.msg.From] = w
	}
	next := w.base + uint64(len(w.buf)-w.head)
	if m.msg.Seq < next || m.msg.Seq-next > maxWindow {
		// Out of order or far ahead: start the window again here.
		p.spillAll(w)
		w.base, next = m.msg.Seq, m.msg.Seq
	}
	for ; next < m.msg.Seq; next++ {
		w.buf = append(w.buf, sentMessage{})
	}
	w.buf = append(w.buf, m)
	for len(w.buf)-w.head > maxWindow {
		p.spillFront(w)
	}
}

// find returns the unsettled message msg names, or nil if the replay has
// not produced it (yet).
func (p *produced) find(msg core.Message) *sentMessage {
	if w := p.senders[msg.From]; w != nil && msg.Seq >= w.base {
		if i := msg.Seq - w.base; i < uint64(len(w.buf)-w.head) {
			if s := &w.buf[w.head+int(i)]; s.copies > 0 {
				return s
			}
			return nil
		}
	}
	return p.spilled[msgKey{msg.From, msg.Seq}]
}

// take settles one copy of message msg, returning it and false if the
// replay has not produced it (yet).
func (p *produced) take(msg core.Message) (sentMessage, bool) {
	s := p.find(msg)
	if s == nil {
		return sentMessage{}, false
	}
	s.copies--
	sent := *s
	if s.copies == 0 {
		if w := p.senders[msg.From]; w != nil {
			w.trim()
		}
		delete(p.spilled, msgKey{msg.From, msg.Seq})
	}
	return sent, true
}

// trim drops settled messages off the front, and reuses the buffer once
// it is empty or mostly dead.
func (w *sendWindow) trim() {
	for w.head < len(w.buf) && w.buf[w.head].copies == 0 {
		w.head++
		w.base++
	}
	switch {
	case w.head == len(w.buf):
		w.buf, w.head = w.buf[:0], 0
	case w.head > 1024 && w.head*2 > len(w.buf):
		w.buf, w.head = w.buf[:copy(w.buf, w.buf[w.head:])], 0
	}
}

// spillFront moves w's oldest message to the map if unsettled.
func (p *produced) spillFront(w *sendWindow) {
	if s := w.buf[w.head]; s.copies > 0 {
		p.spilled[msgKey{s.msg.From, s.msg.Seq}] = &s
	}
	w.buf[w.head] = sentMessage{}
	w.head++
	w.base++
	w.trim()
}

func (p *produced) spillAll(w *sendWindow) {
	for w.head < len(w.buf) {
		p.spillFront(w)
	}
}
