package wire

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"lamport/core"
)

// HandshakeTimeout bounds each step of a handshake: a dial attempt, the
// dialer's wait for each server frame, and the server's wait for the whole
// handshake. Without it a silent peer could hold a connection, and its
// goroutine, forever.
const HandshakeTimeout = 5 * time.Second

// Defaults for the Server's connection limits. A machine needs one inbound
// connection per peer, and handshakes take a round trip on loopback, so
// these are far above what a run uses and far below what hurts a process.
const (
	DefaultMaxPending = 128
	DefaultMaxConns   = 1024
	// DefaultMaxPendingPerSource caps the handshakes from one source
	// address, so that one host cannot hold every slot of a port while
	// the run's own machines wait: a run's peers need one handshake each,
	// far fewer than this, while a stranger gets at most a quarter of
	// DefaultMaxPending.
	DefaultMaxPendingPerSource = 32
)

// duplicateGrace is how long a hello claiming a machine id that is still
// connected waits for that connection to end before it is refused. A peer
// that lost its connection and redials races the server's noticing of
// the loss; a real duplicate is refused after the wait.
const duplicateGrace = time.Second

// refusalWriteTimeout bounds the write of a refusal.
const refusalWriteTimeout = time.Second

// Server accepts a machine's inbound connections. Each connection carries
// messages from one peer, or from the machines of one process (a shared
// connection, see Route), and is only read from.
type Server struct {
	// HandshakeTimeout is how long a new connection may take to complete
	// its handshake; zero means the package's HandshakeTimeout.
	HandshakeTimeout time.Duration
	// Secret, if not empty, must be proved by every dialer (see auth.go);
	// if empty, a dialer that offers a proof is refused.
	Secret []byte
	// MaxPending caps connections still in their handshake, and MaxConns
	// all connections; a connection over either cap is closed at once,
	// without a goroutine, and counted as ReasonBusy. Zero means the
	// defaults. Set these fields before Serve.
	MaxPending, MaxConns int
	// MaxPendingPerSource caps the connections of one source IP address
	// still in their handshake (counted as ReasonBusy past it), so one
	// source cannot starve the others; zero means
	// DefaultMaxPendingPerSource, and it is never above MaxPending.
	MaxPendingPerSource int
	// Route, if set, admits shared connections (Hello.Shared) that check
	// has passed: each of their tagged messages is handed to Route with
	// its target, in the connection's order. Route judges whether the
	// connection may carry that sender and target; an error from it ends
	// the connection and is counted under the reason it carries (Refuse),
	// ReasonSpoofed by default. Without Route every shared hello is
	// refused. Route runs on the connection's goroutine. Set it before
	// Serve.
	Route func(to core.MachineID, m core.Message) error
	// Now is the clock a clock probe is answered with (Hello.Probes); nil
	// means time.Now. The live driver gives its machines' clock, so the
	// offsets measured are those of the times they record.
	Now func() time.Time
	// Start, if set, answers a dialer that waits for the run's start
	// (Hello.AwaitStart); without it such a dialer is told there is none.
	Start StartFunc

	ln       net.Listener
	stopping atomic.Bool
	stopped  chan struct{} // closed by Close

	closeOnce sync.Once
	closeErr  error

	mu      sync.Mutex
	serving bool
	// shut is set once Serve has stopped accepting; a connection accepted
	// after it is closed at once instead of tracked.
	shut  bool
	conns map[net.Conn]struct{}
	// pending counts tracked connections still in their handshake;
	// pending <= len(conns).
	pending, peakPending int
	// pendingBySource counts the pending connections of each source IP;
	// an address leaves the map when its count drops to 0.
	pendingBySource map[string]int
	// pendingSource is the source IP of each connection still pending.
	pendingSource map[net.Conn]string
	// peers maps each authenticated machine id, plain or shared, to a
	// channel closed when its connection ends; one connection per key.
	peers    map[peerKey]chan struct{}
	accepted uint64
	// rejected is keyed by the Reason constants (and whatever reasons the
	// check passes to Refuse), so it stays as small as that list.
	rejected map[Reason]uint64
	logs     logLimiter
	wg       sync.WaitGroup
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Listen binds addr now, before Serve, so that a port 0 is resolved (see
// Addr) and peers may dial early: their connections wait in the backlog
// until Serve accepts them.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return &Server{
		ln: ln, stopped: make(chan struct{}), conns: map[net.Conn]struct{}{},
		pendingBySource: map[string]int{}, pendingSource: map[net.Conn]string{},
		peers: map[peerKey]chan struct{}{}, rejected: map[Reason]uint64{},
	}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// ServerStats counts what a server did with the connections it accepted.
type ServerStats struct {
	// Accepted counts connections that completed the handshake.
	Accepted uint64
	// Rejected counts refused or dropped connections by reason; reasons
	// that never happened are absent.
	Rejected map[Reason]uint64
	// PeakPending is the most connections that were in their handshake at
	// once; it never exceeds MaxPending.
	PeakPending int
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ServerStats{Accepted: s.accepted, PeakPending: s.peakPending, Rejected: make(map[Reason]uint64, len(s.rejected))}
	for r, n := range s.rejected {
		st.Rejected[r] = n
	}
	return st
}

// Serve accepts connections until ctx is done or Close is called, then
// closes every connection and waits for their goroutines before it returns
// (nil on such a normal stop).
//
// Each connection must complete the handshake (see auth.go) within
// HandshakeTimeout. The server refuses, in this order: a hello that does
// not decode or is of another protocol version, a dialer that does not
// prove Secret (or proves one the server does not have), a shared hello
// when Route is nil, a hello that check rejects, and a hello claiming a
// machine id that already has a connection of the same kind (plain or
// shared). A refusal is answered with HelloReply{OK: false, Reason},
// counted (Stats) and logged at Warn, and the connection closed, while the
// server goes on. A connection that sends garbage, an oversized frame, or
// nothing in time is closed without a reply, counted and logged the same
// way. An admitted connection gets HelloReply{OK: true}, and then
// deliver(h.From, m) is called for each of its messages, in order (for a
// shared connection, Route(to, m) for each tagged message). A frame
// that does not decode, or a message whose From is not the hello's, is
// counted and logged and ends that connection only. No input makes Serve
// panic.
//
// check and deliver run on the connection's goroutine, so they may be
// called from several goroutines at once; the caller serialises. check may
// wrap its error with Refuse to name the reason it is counted under. A nil
// check admits every well-formed hello. Serve may be called only once.
func (s *Server) Serve(ctx context.Context, check func(Hello) error, deliver func(from core.MachineID, m core.Message)) error {
	if deliver == nil {
		return errors.New("wire: Serve needs a deliver function")
	}
	s.mu.Lock()
	if s.serving {
		s.mu.Unlock()
		return errors.New("wire: Serve called twice")
	}
	s.serving = true
	s.mu.Unlock()

	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()

	c := conn{s: s, check: check, deliver: deliver, route: s.Route, timeout: s.HandshakeTimeout, secret: s.Secret}
	if c.timeout <= 0 {
		c.timeout = HandshakeTimeout
	}
	s.accept(c)

	s.mu.Lock()
	s.shut = true
	for nc := range s.conns {
		_ = nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// accept runs until the listener is closed. Other accept errors (running
// out of file descriptors) pass, so they are retried after a pause rather
// than ending the machine's service.
func (s *Server) accept(proto conn) {
	var backoff Backoff
	failures := 0
	maxPending, maxConns := s.MaxPending, s.MaxConns
	if maxPending <= 0 {
		maxPending = DefaultMaxPending
	}
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	perSource := s.MaxPendingPerSource
	if perSource <= 0 {
		perSource = DefaultMaxPendingPerSource
	}
	perSource = min(perSource, maxPending)
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.stopping.Load() {
				return
			}
			d := backoff.Delay(failures)
			failures++
			slog.Warn("wire: accept failed; retrying", "addr", s.ln.Addr().String(), "err", err, "retry_in", d)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-s.stopped:
				t.Stop()
				return
			}
			continue
		}
		failures = 0
		switch s.track(nc, maxPending, maxConns, perSource) {
		case trackShut:
			_ = nc.Close()
			return
		case trackBusy:
			// No reply: a dialer reads the close as a failed attempt and
			// tries again after its backoff, which is what a real peer
			// caught in a flood should do.
			// Counted before the close, so whoever sees the close sees the
			// count.
			s.reject(ReasonBusy, nc.RemoteAddr().String(), "too many connections", false)
			_ = nc.Close()
			continue
		case tracked:
		}
		c := proto
		c.nc = nc
		go func() {
			defer s.wg.Done()
			defer s.untrack(nc)
			c.serve()
		}()
	}
}

type trackResult int

const (
	tracked trackResult = iota
	trackShut
	trackBusy
)

func (s *Server) track(nc net.Conn, maxPending, maxConns, perSource int) trackResult {
	src := sourceIP(nc.RemoteAddr())
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.shut:
		return trackShut
	case s.pending >= maxPending || len(s.conns) >= maxConns || s.pendingBySource[src] >= perSource:
		return trackBusy
	}
	s.conns[nc] = struct{}{}
	s.pendingSource[nc] = src
	s.pendingBySource[src]++
	s.pending++
	s.peakPending = max(s.peakPending, s.pending)
	s.wg.Add(1)
	return tracked
}

// unaccept takes back the count of a connection admitted by
// handshakeOver(true) whose OK reply could not be sent.
func (s *Server) unaccept() {
	s.mu.Lock()
	s.accepted--
	s.mu.Unlock()
}

// handshakeOver marks nc's handshake as ended, either way.
func (s *Server) handshakeOver(nc net.Conn, ok bool) {
	s.mu.Lock()
	s.pending--
	if src, found := s.pendingSource[nc]; found {
		delete(s.pendingSource, nc)
		if s.pendingBySource[src]--; s.pendingBySource[src] <= 0 {
			delete(s.pendingBySource, src)
		}
	}
	if ok {
		s.accepted++
	}
	s.mu.Unlock()
}

func (s *Server) untrack(nc net.Conn) {
	_ = nc.Close()
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
}

// sourceIP is the address a connection comes from, without its port: the
// unit the per-source handshake cap counts.
func sourceIP(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// peerKey names what a connection authenticated as: machine id's own
// connection, or the shared connection of id's process.
type peerKey struct {
	id     core.MachineID
	shared bool
}

func keyOf(h Hello) peerKey { return peerKey{h.From, h.Shared} }

// claim makes nc's connection the one of id, or reports that another
// still is after waiting up to duplicateGrace (and never past deadline)
// for it to end. gone is closed by release.
func (s *Server) claim(id peerKey, gone chan struct{}, deadline time.Time) bool {
	for attempt := 0; ; attempt++ {
		s.mu.Lock()
		old, taken := s.peers[id]
		if !taken {
			s.peers[id] = gone
		}
		s.mu.Unlock()
		if !taken {
			return true
		}
		if attempt > 0 {
			return false
		}
		wait := min(duplicateGrace, time.Until(deadline))
		if wait <= 0 {
			return false
		}
		t := time.NewTimer(wait)
		select {
		case <-old:
		case <-t.C:
		case <-s.stopped:
		}
		t.Stop()
	}
}

// release ends id's claim made with gone.
func (s *Server) release(id peerKey, gone chan struct{}) {
	s.mu.Lock()
	if s.peers[id] == gone {
		delete(s.peers, id)
	}
	s.mu.Unlock()
	close(gone)
}

// reject counts a refused or dropped connection and logs it at Warn, or
// not at all while the log limiter holds its lines back (the count is
// exact either way).
func (s *Server) reject(reason Reason, remote, detail string, afterHandshake bool, attrs ...any) {
	now := time.Now()
	s.mu.Lock()
	s.rejected[reason]++
	total := s.rejected[reason]
	ok, suppressed := s.logs.allow(now)
	s.mu.Unlock()
	if !ok {
		return
	}
	msg := "wire: refused a connection"
	if afterHandshake {
		msg = "wire: dropped a peer's connection"
	}
	attrs = append([]any{"addr", s.ln.Addr().String(), "remote", remote, "kind", string(reason), "reason", detail, "count", total}, attrs...)
	if suppressed > 0 {
		attrs = append(attrs, "not_logged_before", suppressed)
	}
	slog.Warn(msg, attrs...)
}

// Close stops the listener; a running Serve then closes every connection
// and returns. It is safe to call more than once and before Serve.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stopping.Store(true)
		close(s.stopped)
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.closeErr = fmt.Errorf("close listener %s: %w", s.ln.Addr(), err)
		}
	})
	return s.closeErr
}

// conn is one inbound connection being served.
type conn struct {
	s       *Server
	nc      net.Conn
	check   func(Hello) error
	deliver func(core.MachineID, core.Message)
	route   func(core.MachineID, core.Message) error
	timeout time.Duration
	secret  []byte
}

// replyText is what a refused dialer is told. A dialer that has proved
// the run's secret gets the whole reason; without a secret nobody is
// proved, so the reasons that would hand a stranger what it needs to pass
// for a machine (the run's id, its config's fingerprint) are told without
// them. The local log keeps the detail.
func (c *conn) replyText(r *Refusal) string {
	if len(c.secret) > 0 {
		return r.Error()
	}
	switch r.Reason {
	case ReasonWrongRun:
		return "this machine is in another run"
	case ReasonWrongConfig:
		return "this machine's run has another config or parameters (a different config.json?)"
	default:
		return r.Error()
	}
}

func (c *conn) serve() {
	remote := c.nc.RemoteAddr().String()
	fr := NewFrameReader(c.nc, maxHandshakeFrame)
	deadline := time.Now().Add(c.timeout)
	_ = c.nc.SetDeadline(deadline)
	gone := make(chan struct{})
	over := false
	h, mac, smac, err := c.handshake(fr, deadline, gone, &over)
	if !over {
		c.s.handshakeOver(c.nc, false)
	}
	if err != nil {
		var r *Refusal
		if !errors.As(err, &r) {
			r = &Refusal{Reason: ReasonRefused, Err: err}
		}
		if c.s.stopping.Load() && !r.reply {
			// Our own shutdown cut the read short: not the peer's doing.
			return
		}
		c.s.reject(r.Reason, remote, r.Error(), false)
		if r.reply {
			// The handshake's deadline may have passed (a duplicate waits out
			// its grace), but the refusal is still worth a short try: its
			// few bytes fit any socket buffer, so this cannot hold the
			// goroutine long.
			_ = c.nc.SetWriteDeadline(time.Now().Add(refusalWriteTimeout))
			if err := WriteFrame(c.nc, AppendHelloReply(nil, HelloReply{Reason: c.replyText(r)})); err != nil {
				slog.Debug("wire: could not send the refusal", "remote", remote, "err", err)
			}
		}
		return
	}
	defer c.s.release(keyOf(h), gone)
	if h.Probes > 0 || h.AwaitStart {
		// The probes get a deadline of their own; the wait for the start
		// has none but the server's.
		_ = c.nc.SetDeadline(time.Now().Add(c.timeout))
		if err := c.answerClock(fr, mac, smac, h); err != nil {
			switch {
			case errors.Is(err, errForgedProbe):
				c.s.reject(ReasonForged, remote, err.Error(), true, "from", h.From)
			case errors.Is(err, ErrMalformed):
				c.s.reject(ReasonBadMessage, remote, err.Error(), true, "from", h.From)
			default:
				c.readFailed(remote, h.From, err)
			}
			return
		}
	}
	// Peers may stay quiet for long stretches between messages, so after
	// the handshake only TCP keepalive (on by default) watches the line.
	_ = c.nc.SetDeadline(time.Time{})
	slog.Debug("wire: accepted a peer", "addr", c.s.ln.Addr().String(), "remote", remote, "from", h.From, "shared", h.Shared)
	if h.Shared {
		c.serveShared(fr, mac, remote, h.From)
		return
	}
	// No message frame is longer than MaxMessageSize (and its tag), so from
	// here on the reader never needs more than its own buffer.
	fr.max = MaxMessageSize + mac.overhead()

	for {
		payload, ok, err := c.nextMessage(fr, mac)
		if err != nil {
			c.readFailed(remote, h.From, err)
			return
		}
		if !ok {
			c.s.reject(ReasonForged, remote, "a frame's tag does not match the connection's key", true, "from", h.From)
			return
		}
		m, err := DecodeMessage(payload)
		if err != nil {
			c.s.reject(ReasonBadMessage, remote, err.Error(), true, "from", h.From)
			return
		}
		if m.From != h.From {
			c.s.reject(ReasonSpoofed, remote, fmt.Sprintf("message from machine %d on the connection of machine %d", m.From, h.From), true, "from", h.From)
			return
		}
		if err := core.CheckMessageBounds(m); err != nil {
			c.s.reject(ReasonOutOfRange, remote, err.Error(), true, "from", h.From)
			return
		}
		c.deliver(h.From, m)
	}
}

// serveShared reads the tagged messages of an admitted shared connection
// and hands each to route, which judges its sender and target.
func (c *conn) serveShared(fr *FrameReader, mac *frameMAC, remote string, from core.MachineID) {
	fr.max = MaxTaggedMessageSize + mac.overhead()
	for {
		payload, ok, err := c.nextMessage(fr, mac)
		if err != nil {
			c.readFailed(remote, from, err)
			return
		}
		if !ok {
			c.s.reject(ReasonForged, remote, "a frame's tag does not match the connection's key", true, "from", from, "shared", true)
			return
		}
		to, m, err := DecodeTaggedMessage(payload)
		if err != nil {
			c.s.reject(ReasonBadMessage, remote, err.Error(), true, "from", from, "shared", true)
			return
		}
		if err := core.CheckMessageBounds(m); err != nil {
			c.s.reject(ReasonOutOfRange, remote, err.Error(), true, "from", from, "shared", true)
			return
		}
		if err := c.route(to, m); err != nil {
			var r *Refusal
			if !errors.As(err, &r) {
				r = &Refusal{Reason: ReasonSpoofed, Err: err}
			}
			c.s.reject(r.Reason, remote, r.Error(), true, "from", from, "shared", true)
			return
		}
	}
}

// nextMessage reads an admitted connection's next frame and checks its
// tag, if the connection has a secret; ok is false for a wrong tag.
func (c *conn) nextMessage(fr *FrameReader, mac *frameMAC) (payload []byte, ok bool, err error) {
	frame, err := fr.Next()
	if err != nil {
		return nil, false, err
	}
	payload, ok = mac.open(frame)
	return payload, ok, nil
}

// handshake runs the server's side of the handshake up to, and including,
// the OK reply; with a secret it returns what checks the dialer's frames
// that follow and what tags its own. Its errors are *Refusal.
func (c *conn) handshake(fr *FrameReader, deadline time.Time, gone chan struct{}, over *bool) (Hello, *frameMAC, *frameMAC, error) {
	payload, err := fr.Next()
	if err != nil {
		return Hello{}, nil, nil, readRefusal("no hello", err)
	}
	h, err := DecodeHello(payload)
	if err != nil {
		if v, ok := peekVersion(payload); ok && v != ProtocolVersion {
			// A hello of another version may be laid out differently; say so
			// rather than only that it did not parse.
			return Hello{}, nil, nil, replyRefusal(ReasonVersion, fmt.Errorf("protocol version %d, this machine speaks %d: %w", v, ProtocolVersion, err))
		}
		return Hello{}, nil, nil, replyRefusal(ReasonMalformed, err)
	}
	if h.Version != ProtocolVersion {
		return Hello{}, nil, nil, replyRefusal(ReasonVersion, fmt.Errorf("protocol version %d, this machine speaks %d", h.Version, ProtocolVersion))
	}
	hp := append([]byte(nil), payload...)
	cp := AppendChallenge(nil, Challenge{Nonce: newNonce()})
	if err := WriteFrame(c.nc, cp); err != nil {
		return Hello{}, nil, nil, readRefusal("could not send the challenge", err)
	}
	payload, err = fr.Next()
	if err != nil {
		return Hello{}, nil, nil, readRefusal("no proof", err)
	}
	p, err := DecodeProof(payload)
	if err != nil {
		return Hello{}, nil, nil, replyRefusal(ReasonMalformed, err)
	}
	var proof []byte
	switch {
	case len(c.secret) == 0 && len(p.MAC) != 0:
		return Hello{}, nil, nil, replyRefusal(ReasonAuth, errors.New("the dialer has a secret and this machine has none"))
	case len(c.secret) != 0 && len(p.MAC) == 0:
		return Hello{}, nil, nil, replyRefusal(ReasonAuth, errors.New("this machine requires the run's secret (--secret or LAMPORT_SECRET) and the dialer has none"))
	case len(c.secret) != 0:
		if !hmac.Equal(p.MAC, DialerProof(c.secret, hp, cp)) {
			return Hello{}, nil, nil, replyRefusal(ReasonAuth, errors.New("wrong secret"))
		}
		proof = ServerProof(c.secret, hp, cp, p.MAC)
	}
	if h.Shared && c.route == nil {
		return Hello{}, nil, nil, replyRefusal(ReasonRefused, errors.New("this machine takes no shared connections"))
	}
	if c.check != nil {
		if err := c.check(h); err != nil {
			var r *Refusal
			if !errors.As(err, &r) {
				r = &Refusal{Reason: ReasonRefused, Err: err}
			}
			r.reply = true
			return Hello{}, nil, nil, r
		}
	}
	if !c.s.claim(keyOf(h), gone, deadline) {
		if h.Shared {
			return Hello{}, nil, nil, replyRefusal(ReasonDuplicate, fmt.Errorf("the shared connection of machine %d's process is already connected", h.From))
		}
		return Hello{}, nil, nil, replyRefusal(ReasonDuplicate, fmt.Errorf("machine %d is already connected", h.From))
	}
	// Counted before the reply, so a dialer that has its OK finds itself
	// in Stats.
	c.s.handshakeOver(c.nc, true)
	*over = true
	if err := WriteFrame(c.nc, AppendHelloReply(nil, HelloReply{OK: true, Proof: proof})); err != nil {
		c.s.unaccept()
		c.s.release(keyOf(h), gone)
		return Hello{}, nil, nil, readRefusal("could not accept", err)
	}
	return h, newFrameMAC(c.secret, hp, cp, p.MAC), newServerFrameMAC(c.secret, hp, cp, p.MAC), nil
}

// readFailed logs the end of an admitted connection at a level fitting its
// cause: a clean close by the peer, or by our own shutdown, is routine; a
// frame over the limit is counted; anything else says something is wrong
// with the peer or the network.
func (c *conn) readFailed(remote string, from core.MachineID, err error) {
	switch {
	case errors.Is(err, io.EOF) || c.s.stopping.Load():
		slog.Debug("wire: connection ended", "remote", remote, "from", from, "err", err)
	case errors.Is(err, ErrFrameTooLarge) || errors.Is(err, ErrMalformed):
		c.s.reject(ReasonBadMessage, remote, err.Error(), true, "from", from)
	default:
		slog.Warn("wire: connection ended; closing it", "remote", remote, "from", from, "err", err)
	}
}

// WaitIdle waits until no inbound connection is open, or ctx ends, and
// reports whether the server went idle. A machine that has finished its
// run calls it before Close, so peers still running can finish sending and
// close their links first instead of finding the listener gone.
func (s *Server) WaitIdle(ctx context.Context) bool {
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		s.mu.Lock()
		open := len(s.conns)
		s.mu.Unlock()
		if open == 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-poll.C:
		}
	}
}
