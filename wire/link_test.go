package wire_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

func TestBackoffDelay(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		b       wire.Backoff
		attempt int
		want    time.Duration
	}{
		{wire.Backoff{}, 0, 20 * ms},
		{wire.Backoff{}, 1, 40 * ms},
		{wire.Backoff{}, 5, 640 * ms},
		{wire.Backoff{}, 6, time.Second},
		{wire.Backoff{}, 1000, time.Second},
		{wire.Backoff{Initial: ms, Max: 5 * ms}, 2, 4 * ms},
		{wire.Backoff{Initial: ms, Max: 5 * ms}, 3, 5 * ms},
		{wire.Backoff{Initial: 50 * ms}, 10, time.Second},
		{wire.Backoff{Initial: 2 * time.Second}, 0, 2 * time.Second}, // a Max below Initial yields to it
		{wire.Backoff{Max: 10 * ms}, 0, 10 * ms},
	}
	for _, tc := range cases {
		if got := tc.b.Delay(tc.attempt); got != tc.want {
			t.Errorf("%+v.Delay(%d) = %v, want %v", tc.b, tc.attempt, got, tc.want)
		}
	}
}

// A machine may dial a peer that has not started listening yet.
func TestDialWaitsForALateServer(t *testing.T) {
	logs := captureLogs(t)
	addr := freePort(t)
	type result struct {
		l   *wire.Link
		err error
	}
	res := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		l, err := wire.Dial(ctx, addr, helloFrom(2, 1), wire.Backoff{})
		res <- result{l, err}
	}()

	// Start the server only after the dialer has failed at least once.
	time.Sleep(200 * time.Millisecond)
	for deadline := time.Now().Add(patience); !strings.Contains(logs.String(), "dial failed; retrying"); {
		if time.Now().After(deadline) {
			t.Fatalf("no failed dial attempt logged; logs:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s, err := wire.Listen(addr)
	if err != nil {
		t.Fatalf("listen on the reserved port: %v", err)
	}
	box := newInbox()
	runServer(t, s, checkFor(1), box)

	var r result
	select {
	case r = <-res:
	case <-time.After(2 * patience):
		t.Fatal("Dial did not return")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if err := r.l.Send(core.Message{From: 2, Seq: 1, Clock: 5}); err != nil {
		t.Fatal(err)
	}
	closeLink(t, r.l)
	if got := box.waitFor(t, 1); got[0] != (core.Message{From: 2, Seq: 1, Clock: 5}) {
		t.Errorf("got %+v", got)
	}
}

func TestDialGivesUpWhenItsContextEnds(t *testing.T) {
	addr := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	l, err := wire.Dial(ctx, addr, helloFrom(2, 1), wire.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond})
	if l != nil {
		l.Close(0)
		t.Fatal("Dial to a closed port succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap the context's", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %v does not name %s and the last failure", err, addr)
	}
}

// scriptedPeer is a listener that plays the server side by hand, one
// script per accepted connection, so tests can make a server misbehave.
type scriptedPeer struct {
	ln   net.Listener
	done chan struct{}
}

func newScriptedPeer(t *testing.T, scripts ...func(net.Conn, *wire.FrameReader) error) *scriptedPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &scriptedPeer{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i, script := range scripts {
			c, err := ln.Accept()
			if err != nil {
				return // the test is over
			}
			err = script(c, wire.NewFrameReader(c, 0))
			c.Close()
			if err != nil {
				t.Errorf("peer script %d: %v", i, err)
				return
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-p.done
	})
	return p
}

func (p *scriptedPeer) addr() string { return p.ln.Addr().String() }

func (p *scriptedPeer) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(patience):
		t.Fatal("the scripted peer did not finish")
	}
}

// answerHello plays a server without a secret through the handshake: it
// reads a hello, sends a challenge, reads the proof and replies with r.
func answerHello(c net.Conn, fr *wire.FrameReader, r wire.HelloReply) error {
	p, err := fr.Next()
	if err != nil {
		return fmt.Errorf("read hello: %w", err)
	}
	if _, err := wire.DecodeHello(p); err != nil {
		return err
	}
	if err := wire.WriteFrame(c, wire.AppendChallenge(nil, wire.Challenge{})); err != nil {
		return err
	}
	if p, err = fr.Next(); err != nil {
		return fmt.Errorf("read proof: %w", err)
	}
	if _, err := wire.DecodeProof(p); err != nil {
		return err
	}
	return wire.WriteFrame(c, wire.AppendHelloReply(nil, r))
}

func readMessages(fr *wire.FrameReader, n int) ([]core.Message, error) {
	var got []core.Message
	for n < 0 || len(got) < n {
		p, err := fr.Next()
		if err != nil {
			if n < 0 {
				return got, nil
			}
			return got, err
		}
		m, err := wire.DecodeMessage(p)
		if err != nil {
			return got, err
		}
		got = append(got, m)
	}
	return got, nil
}

// When the server drops the connection, the link redials and what is sent
// once it has noticed arrives, in order and once. Messages written into
// the dying connection may be lost, so the test counts only from the
// reconnect on.
func TestLinkReconnectsAfterTheServerDropsIt(t *testing.T) {
	const before = 50
	var (
		first, second []core.Message
		dropped       = make(chan struct{})
	)
	peer := newScriptedPeer(t,
		func(c net.Conn, fr *wire.FrameReader) error {
			if err := answerHello(c, fr, wire.HelloReply{OK: true}); err != nil {
				return err
			}
			var err error
			first, err = readMessages(fr, before)
			close(dropped) // the script's return closes c
			return err
		},
		func(c net.Conn, fr *wire.FrameReader) error {
			if err := answerHello(c, fr, wire.HelloReply{OK: true}); err != nil {
				return err
			}
			var err error
			second, err = readMessages(fr, -1)
			return err
		},
	)
	l := dial(t, peer.addr(), helloFrom(2, 1))
	t.Cleanup(func() { l.Close(0) })
	msg := func(seq int) core.Message { return core.Message{From: 2, Seq: uint64(seq), Clock: uint64(seq)} }

	seq := 0
	for range before {
		seq++
		if err := l.Send(msg(seq)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-dropped:
	case <-time.After(patience):
		t.Fatal("the peer did not get the first messages")
	}
	for deadline := time.Now().Add(patience); l.Reconnects() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect within %v", patience)
		}
		seq++
		if err := l.Send(msg(seq)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mark := seq + 1
	for range 100 {
		seq++
		if err := l.Send(msg(seq)); err != nil {
			t.Fatal(err)
		}
	}
	closeLink(t, l)
	peer.wait(t)

	for i, m := range first {
		if m != msg(i+1) {
			t.Fatalf("first connection: message %d is %+v", i, m)
		}
	}
	seen := map[uint64]bool{}
	for i, m := range second {
		if m.Seq <= before || (i > 0 && m.Seq <= second[i-1].Seq) {
			t.Fatalf("second connection: %+v at %d breaks the order (or repeats the first connection)", m, i)
		}
		seen[m.Seq] = true
	}
	for s := mark; s <= seq; s++ {
		if !seen[uint64(s)] {
			t.Errorf("message %d, sent after the reconnect, was lost", s)
		}
	}
	if l.Reconnects() < 1 {
		t.Errorf("Reconnects() = %d", l.Reconnects())
	}
}

// A peer that refuses the redial ends the link for good: Close reports
// the refusal, and messages are not retried forever.
func TestLinkFailsWhenTheRedialIsRefused(t *testing.T) {
	captureLogs(t)
	dropped, refused := make(chan struct{}), make(chan struct{})
	peer := newScriptedPeer(t,
		func(c net.Conn, fr *wire.FrameReader) error {
			defer close(dropped)
			return answerHello(c, fr, wire.HelloReply{OK: true})
		},
		func(c net.Conn, fr *wire.FrameReader) error {
			defer close(refused)
			return answerHello(c, fr, wire.HelloReply{Reason: "run is over"})
		},
	)
	l := dial(t, peer.addr(), helloFrom(2, 1))
	t.Cleanup(func() { l.Close(0) })
	<-dropped
	for seq, deadline := 1, time.Now().Add(patience); ; seq++ {
		if err := l.Send(core.Message{From: 2, Seq: uint64(seq), Clock: 1}); err != nil {
			t.Fatalf("Send before Close: %v", err)
		}
		select {
		case <-refused:
		case <-time.After(5 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("the link never redialed")
			}
			continue
		}
		break
	}
	err := l.Close(patience)
	var r *wire.RefusedError
	if !errors.As(err, &r) || r.Reason != "run is over" {
		t.Errorf("Close gave %v, want the refusal", err)
	}
	peer.wait(t)
}

// A peer that answers with something other than a HelloReply does not
// speak the protocol; retrying would not help.
func TestDialStopsAtAMalformedReply(t *testing.T) {
	peer := newScriptedPeer(t, func(c net.Conn, fr *wire.FrameReader) error {
		if _, err := fr.Next(); err != nil {
			return err
		}
		return wire.WriteFrame(c, []byte{0xc1})
	})
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := wire.Dial(ctx, peer.addr(), helloFrom(2, 1), wire.Backoff{})
	if l != nil {
		l.Close(0)
	}
	if !errors.Is(err, wire.ErrMalformed) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial gave %v, want an immediate ErrMalformed", err)
	}
	peer.wait(t)
}

func TestLinkCloseIsIdempotentAndEndsSend(t *testing.T) {
	box := newInbox()
	s := serve(t, checkFor(1), box)
	l := dial(t, s.Addr().String(), helloFrom(2, 1))
	for i := 1; i <= 3; i++ {
		if err := l.Send(core.Message{From: 2, Seq: uint64(i), Clock: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := l.Close(patience); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Send(core.Message{From: 2, Seq: 4, Clock: 1}); !errors.Is(err, wire.ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
	if got := box.waitFor(t, 3); len(got) != 3 {
		t.Errorf("delivered %+v", got)
	}
}

// Send may be called from several goroutines; each one's messages keep
// their order.
func TestLinkConcurrentSenders(t *testing.T) {
	box := newInbox()
	s := serve(t, checkFor(1), box)
	l := dial(t, s.Addr().String(), helloFrom(2, 1))
	const senders, each = 4, 2000
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				// Clock names the sender, Seq its count.
				if err := l.Send(core.Message{From: 2, Seq: uint64(i), Clock: uint64(g)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	closeLink(t, l)
	got := box.waitFor(t, senders*each)
	next := make([]uint64, senders)
	for _, m := range got {
		if m.Clock >= senders || m.Seq != next[m.Clock] {
			t.Fatalf("got %+v, want seq %d of sender %d", m, next[min(m.Clock, senders-1)], m.Clock)
		}
		next[m.Clock]++
	}
}

// Close's timeout also bounds a write blocked on a peer that accepted the
// handshake but does not read.
func TestLinkCloseBoundsAWriteToAStuckPeer(t *testing.T) {
	captureLogs(t)
	release := make(chan struct{})
	peer := newScriptedPeer(t, func(c net.Conn, fr *wire.FrameReader) error {
		if tcp, ok := c.(*net.TCPConn); ok {
			_ = tcp.SetReadBuffer(4096)
		}
		if err := answerHello(c, fr, wire.HelloReply{OK: true}); err != nil {
			return err
		}
		<-release
		return nil
	})
	defer close(release)
	l := dial(t, peer.addr(), helloFrom(2, 1))
	// Far more than the socket buffers hold (about 12 MB on the wire).
	const n = 1_000_000
	for i := range n {
		if err := l.Send(core.Message{From: 2, Seq: 1<<20 + uint64(i), Clock: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- l.Close(200 * time.Millisecond) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "messages not sent") {
			t.Errorf("Close gave %v, want an error counting unsent messages", err)
		}
	case <-time.After(patience):
		t.Fatal("Close did not return")
	}
}
