package wire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lamport/core"
)

const (
	// writeBufferSize batches frames into few writes: ~2000 small messages.
	writeBufferSize = 32 << 10
	// flushEvery forces a flush after this many messages even while the
	// queue keeps refilling, so a steady stream still leaves promptly and
	// the tail of messages not yet known to be written stays short.
	flushEvery = 1024
)

// errPeerClosed is the cause logged when the peer ends a connection; the
// server never writes after its reply, so any read result means that.
var errPeerClosed = errors.New("the peer closed the connection")

// Link is the outbound side of one (machine, peer) pair, or of a shared
// connection (Hello.Shared) between two processes: a queue of messages and
// a goroutine that writes them, in order, to the one connection it keeps
// to the peer, redialing when it drops. Since one queue feeds one TCP
// stream, every (sender, target) pair it carries stays FIFO. Its methods
// are safe for concurrent use.
type Link struct {
	addr    string
	hello   Hello
	backoff Backoff
	secret  []byte
	sync    ClockSync // set by DialWith before the link is shared

	// ctx ends when Close stops waiting; redials watch it.
	ctx    context.Context
	cancel context.CancelFunc
	// wake has room for one signal: "the queue, or closing, changed".
	wake       chan struct{}
	done       chan struct{} // closed when the writer goroutine has exited
	reconnects atomic.Int64

	mu sync.Mutex
	// queue holds what Send accepted and the writer has not taken yet.
	queue   []Envelope
	closing bool
	// deadline is when Close stops waiting; set with closing.
	deadline time.Time
	timer    *time.Timer
	// nc is the writer's current connection, so that Close can bound a
	// write blocked on a peer that does not read; nil while redialing.
	nc net.Conn
	// failed is why the writer stopped before sending everything; from
	// then on Send drops messages and keeps them in undelivered.
	failed      error
	undelivered []Envelope
}

// Envelope is a message and the machine it is for.
type Envelope struct {
	To  core.MachineID
	Msg core.Message
}

func newLink(nc net.Conn, mac *frameMAC, addr string, hello Hello, b Backoff, secret []byte) *Link {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Link{
		addr: addr, hello: hello, backoff: b, secret: secret,
		ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	s := l.attach(nc, mac)
	go l.run(s)
	return l
}

// Sync is what the first dial measured of the peer's clock and, if it was
// asked for, the run's start (see DialWith).
func (l *Link) Sync() ClockSync { return l.sync }

// Addr is the address the link dials.
func (l *Link) Addr() string { return l.addr }

// Reconnects is how many times the link has re-established its connection
// after losing it.
func (l *Link) Reconnects() int { return int(l.reconnects.Load()) }

// Send queues m for the machine the link dialled (Hello.To) and returns at
// once: the queue is unbounded, so a slow or absent peer never blocks the
// sender's ticks. Messages go out in the order of Send calls. Send fails
// only after Close, with ErrClosed. If the link has failed for good (the
// peer refused a redial), Send drops m, and Close reports how many were
// dropped.
func (l *Link) Send(m core.Message) error {
	return l.SendTo(l.hello.To, m)
}

// SendTo is Send for machine to, which on a shared link may be any machine
// of the peer's process; a plain link refuses any target but Hello.To.
func (l *Link) SendTo(to core.MachineID, m core.Message) error {
	if to != l.hello.To && !l.hello.Shared {
		return fmt.Errorf("send to machine %d on the link of machine %d at %s: only a shared link carries other targets", to, l.hello.To, l.addr)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closing:
		return fmt.Errorf("send to %s: %w", l.addr, ErrClosed)
	case l.failed != nil:
		l.undelivered = append(l.undelivered, Envelope{to, m})
		return nil
	}
	l.queue = append(l.queue, Envelope{to, m})
	if len(l.queue) == 1 {
		l.signal()
	}
	return nil
}

// signal wakes the writer if it waits; the buffered slot remembers a
// signal sent while it is busy.
func (l *Link) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Close sends what is queued, waiting at most timeout for the peer (also
// across redials), then closes the connection and stops the writer. It
// returns an error if some messages were not sent. Close is idempotent;
// later calls wait for the first to finish and return its result.
func (l *Link) Close(timeout time.Duration) error {
	l.mu.Lock()
	if !l.closing {
		l.closing = true
		l.deadline = time.Now().Add(timeout)
		if l.nc != nil {
			_ = l.nc.SetWriteDeadline(l.deadline)
		}
		l.timer = time.AfterFunc(max(timeout, 0), l.cancel)
		l.signal()
	}
	l.mu.Unlock()

	<-l.done
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer.Stop()
	if l.failed != nil {
		return fmt.Errorf("link to %s: %d messages not sent: %w", l.addr, len(l.undelivered), l.failed)
	}
	return nil
}

// Undelivered lists, once Close has returned, the messages the link never
// wrote because it failed (the peer was down until Close gave up, or
// refused a redial), in the order they were sent. Messages whose bytes all
// reached a connection that then dropped count as sent: the network may
// lose those, as the model allows.
func (l *Link) Undelivered() []core.Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	msgs := make([]core.Message, len(l.undelivered))
	for i, e := range l.undelivered {
		msgs[i] = e.Msg
	}
	return msgs
}

// UndeliveredTo is Undelivered with each message's target, which a shared
// link needs to say whose message was lost.
func (l *Link) UndeliveredTo() []Envelope {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.undelivered)
}

// session is one established connection of the link.
type session struct {
	nc net.Conn
	cw countingWriter
	bw *bufio.Writer
	// written counts the bytes handed to bw on this connection.
	written int64
	// dead is closed when the peer ends the connection (see watch).
	dead chan struct{}
	// mac tags each frame, on a connection with a secret.
	mac *frameMAC
}

// countingWriter counts the bytes the connection accepted, even from a
// write that failed, which tells exactly which messages made it out.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// watch reads from the connection, which the peer never writes to after
// its reply, so that the link learns of a closed connection while idle
// instead of losing its next messages into it.
func (s *session) watch() {
	defer close(s.dead)
	var b [1]byte
	_, _ = s.nc.Read(b[:])
}

func (s *session) isDead() bool {
	select {
	case <-s.dead:
		return true
	default:
		return false
	}
}

func (l *Link) attach(nc net.Conn, mac *frameMAC) *session {
	s := &session{nc: nc, cw: countingWriter{w: nc}, dead: make(chan struct{}), mac: mac}
	s.bw = bufio.NewWriterSize(&s.cw, writeBufferSize)
	go s.watch()
	l.mu.Lock()
	l.nc = nc
	if l.closing {
		_ = nc.SetWriteDeadline(l.deadline)
	}
	l.mu.Unlock()
	return s
}

// detach closes s and waits for its watcher, so no goroutine outlives it.
func (l *Link) detach(s *session) {
	l.mu.Lock()
	l.nc = nil
	l.mu.Unlock()
	_ = s.nc.Close()
	<-s.dead
}

// run is the writer goroutine. It owns the session and the messages taken
// from the queue until they are known to be written.
func (l *Link) run(s *session) {
	defer close(l.done)
	var (
		// pending are messages taken from the queue and not yet known to be
		// fully written; ends[i] is the session's byte count once
		// pending[i] is, for the first len(ends) of them, which are in bw.
		pending []Envelope
		ends    []int64
		scratch = make([]byte, 0, 1+MaxTaggedMessageSize+FrameMACSize)
		shared  = l.hello.Shared
	)
	for {
		l.mu.Lock()
		pending = append(pending, l.queue...)
		l.queue = l.queue[:0]
		closing := l.closing
		l.mu.Unlock()

		switch {
		case s != nil && s.isDead():
			pending, ends = l.lost(s, pending, ends, errPeerClosed)
			s = nil

		case len(pending) > len(ends):
			if s == nil {
				var err error
				if s, err = l.redial(); err != nil {
					l.fail(err, pending)
					return
				}
			}
			var err error
			for _, e := range pending[len(ends):] {
				if shared {
					scratch = AppendTaggedMessageFrame(scratch[:0], e.To, e.Msg)
				} else {
					scratch = AppendMessageFrame(scratch[:0], e.Msg)
				}
				scratch = s.mac.seal(scratch)
				s.written += int64(len(scratch))
				ends = append(ends, s.written)
				if _, err = s.bw.Write(scratch); err != nil {
					break
				}
			}
			if err == nil && len(ends) >= flushEvery {
				err = s.bw.Flush()
			}
			if err != nil {
				pending, ends = l.lost(s, pending, ends, err)
				s = nil
			} else if s.bw.Buffered() == 0 {
				pending, ends = pending[:0], ends[:0]
			}

		case len(ends) > 0:
			// The queue is empty: flush what the buffer holds.
			if err := s.bw.Flush(); err != nil {
				pending, ends = l.lost(s, pending, ends, err)
				s = nil
				continue
			}
			pending, ends = pending[:0], ends[:0]

		case closing:
			if s != nil {
				l.detach(s)
			}
			return

		default:
			var dead chan struct{}
			if s != nil {
				dead = s.dead
			}
			select {
			case <-l.wake:
			case <-dead:
			}
		}
	}
}

// lost ends a session that failed. Messages whose bytes all reached the
// connection are taken as sent (they may still be lost with it, which the
// model allows); the rest stay pending, in order, for the next connection.
func (l *Link) lost(s *session, pending []Envelope, ends []int64, cause error) ([]Envelope, []int64) {
	k := 0
	for k < len(ends) && ends[k] <= s.cw.n {
		k++
	}
	pending = pending[:copy(pending, pending[k:])]
	l.detach(s)
	l.mu.Lock()
	closing, expired := l.closing, l.closing && !time.Now().Before(l.deadline)
	l.mu.Unlock()
	switch {
	case expired, closing && len(pending) == 0:
		// Close has given up, or has nothing left to send: not news.
	case len(pending) == 0:
		slog.Info("wire: peer closed the connection; will redial for the next message",
			"addr", l.addr, "from", l.hello.From, "to", l.hello.To, "cause", cause)
	default:
		slog.Warn("wire: connection lost; redialing",
			"addr", l.addr, "from", l.hello.From, "to", l.hello.To, "err", cause, "resend", len(pending))
	}
	return pending, ends[:0]
}

func (l *Link) redial() (*session, error) {
	if l.expired() {
		return nil, errors.New("the close timeout passed while the peer was unreachable")
	}
	nc, mac, _, err := connect(l.ctx, l.addr, l.hello, l.backoff, l.secret, time.Now)
	if err != nil {
		return nil, err
	}
	n := l.reconnects.Add(1)
	slog.Info("wire: reconnected", "addr", l.addr, "from", l.hello.From, "to", l.hello.To, "reconnects", n)
	return l.attach(nc, mac), nil
}

// expired reports whether Close has stopped waiting.
func (l *Link) expired() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closing && !time.Now().Before(l.deadline)
}

// fail stops the link for good: what is pending and queued is dropped and
// kept as undelivered, and so is every later Send.
func (l *Link) fail(err error, pending []Envelope) {
	l.mu.Lock()
	l.failed = err
	l.undelivered = append(append(l.undelivered, pending...), l.queue...)
	l.queue = nil
	closing := l.closing
	l.mu.Unlock()
	if !closing {
		slog.Error("wire: link failed; its messages will be dropped",
			"addr", l.addr, "from", l.hello.From, "to", l.hello.To, "err", err)
	}
}
