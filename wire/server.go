package wire

import (
	"context"
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

// HandshakeTimeout bounds each step of a handshake: a dial attempt, and the
// wait for a hello (server) or a reply (dialer). Without it a silent peer
// could hold a connection, and its goroutine, forever.
const HandshakeTimeout = 5 * time.Second

// Server accepts a machine's inbound connections. Each connection carries
// messages from one peer and is only read from.
type Server struct {
	// HandshakeTimeout is how long a new connection may take to send its
	// hello; zero means the package's HandshakeTimeout. Set it before Serve.
	HandshakeTimeout time.Duration

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
	wg    sync.WaitGroup
}

// Listen binds addr now, before Serve, so that a port 0 is resolved (see
// Addr) and peers may dial early: their connections wait in the backlog
// until Serve accepts them.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return &Server{ln: ln, stopped: make(chan struct{}), conns: map[net.Conn]struct{}{}}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until ctx is done or Close is called, then
// closes every connection and waits for their goroutines before it returns
// (nil on such a normal stop).
//
// Each connection must open with a Hello frame within HandshakeTimeout.
// check decides whether to admit it; a refusal (or a malformed hello) is
// answered with HelloReply{OK: false, Reason}, logged at Warn and the
// connection closed, while the server goes on. An admitted connection gets
// HelloReply{OK: true}, and then deliver(h.From, m) is called for each of
// its messages, in order. A frame that does not decode, or a message whose
// From is not the hello's, is logged and ends that connection only. No
// input makes Serve panic.
//
// check and deliver run on the connection's goroutine, so they may be
// called from several goroutines at once; the caller serialises. A nil
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

	c := conn{s: s, check: check, deliver: deliver, timeout: s.HandshakeTimeout}
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
		if !s.track(nc) {
			_ = nc.Close()
			return
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

func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return false
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(nc net.Conn) {
	_ = nc.Close()
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
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
	timeout time.Duration
}

func (c *conn) serve() {
	remote := c.nc.RemoteAddr().String()
	fr := NewFrameReader(c.nc, MaxFrameSize)

	_ = c.nc.SetDeadline(time.Now().Add(c.timeout))
	payload, err := fr.Next()
	if err != nil {
		c.readFailed("no hello", remote, err)
		return
	}
	h, err := DecodeHello(payload)
	if v, ok := peekVersion(payload); err != nil && ok && v != ProtocolVersion {
		// A hello of another version may be laid out differently; say so
		// rather than only that it did not parse.
		err = fmt.Errorf("protocol version %d, this machine speaks %d: %w", v, ProtocolVersion, err)
	}
	if err == nil && c.check != nil {
		err = c.check(h)
	}
	if err != nil {
		reason := err.Error()
		slog.Warn("wire: refused a connection", "addr", c.s.ln.Addr().String(), "remote", remote, "reason", reason)
		if err := WriteFrame(c.nc, AppendHelloReply(nil, HelloReply{Reason: reason})); err != nil {
			slog.Debug("wire: could not send the refusal", "remote", remote, "err", err)
		}
		return
	}
	if err := WriteFrame(c.nc, AppendHelloReply(nil, HelloReply{OK: true})); err != nil {
		c.readFailed("could not accept", remote, err)
		return
	}
	// Peers may stay quiet for long stretches between messages, so after
	// the handshake only TCP keepalive (on by default) watches the line.
	_ = c.nc.SetDeadline(time.Time{})
	slog.Debug("wire: accepted a peer", "addr", c.s.ln.Addr().String(), "remote", remote, "from", h.From)

	for {
		payload, err := fr.Next()
		if err != nil {
			c.readFailed("connection ended", remote, err, "from", h.From)
			return
		}
		m, err := DecodeMessage(payload)
		if err != nil {
			slog.Warn("wire: bad message; closing the connection", "remote", remote, "from", h.From, "err", err)
			return
		}
		if m.From != h.From {
			slog.Warn("wire: message from another sender than the hello's; closing the connection",
				"remote", remote, "from", h.From, "message_from", m.From)
			return
		}
		c.deliver(h.From, m)
	}
}

// readFailed logs the end of a connection at a level fitting its cause: a
// clean close by the peer, or by our own shutdown, is routine; anything
// else says something is wrong with the peer or the network.
func (c *conn) readFailed(what, remote string, err error, attrs ...any) {
	attrs = append([]any{"remote", remote, "err", err}, attrs...)
	if errors.Is(err, io.EOF) || c.s.stopping.Load() {
		slog.Debug("wire: "+what, attrs...)
		return
	}
	slog.Warn("wire: "+what+"; closing the connection", attrs...)
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
