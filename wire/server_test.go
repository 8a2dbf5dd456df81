package wire_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

func TestLoopbackDeliversEveryMessageInOrder(t *testing.T) {
	box := newInbox()
	s := serve(t, checkFor(1), box)
	l := dial(t, s.Addr().String(), helloFrom(2, 1))

	const n = 10_000
	for i := 1; i <= n; i++ {
		if err := l.Send(core.Message{From: 2, Seq: uint64(i), Clock: uint64(3 * i)}); err != nil {
			t.Fatal(err)
		}
	}
	closeLink(t, l)

	got := box.waitFor(t, n)
	if len(got) != n {
		t.Fatalf("got %d messages, want %d", len(got), n)
	}
	for i, m := range got {
		if want := (core.Message{From: 2, Seq: uint64(i + 1), Clock: uint64(3 * (i + 1))}); m != want {
			t.Fatalf("message %d is %+v, want %+v", i, m, want)
		}
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	for i, from := range box.froms {
		if from != 2 {
			t.Fatalf("message %d delivered as from %d, want 2", i, from)
		}
	}
	if l.Reconnects() != 0 {
		t.Errorf("Reconnects() = %d on a healthy connection", l.Reconnects())
	}
}

func TestHandshakeRefusals(t *testing.T) {
	logs := captureLogs(t)
	box := newInbox()
	s := serve(t, checkFor(1), box)
	addr := s.Addr().String()

	cases := map[string]struct {
		hello  wire.Hello
		reason string
	}{
		"wrong run":         {wire.Hello{Version: wire.ProtocolVersion, RunID: "other", From: 2, To: 1, Fingerprint: testFingerprint}, "wrong run other"},
		"wrong fingerprint": {wire.Hello{Version: wire.ProtocolVersion, RunID: testRun, From: 2, To: 1, Fingerprint: "ffff"}, "wrong fingerprint ffff"},
		"wrong target":      {helloFrom(2, 3), "hello is for another machine"},
	}
	for name, tc := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		l, err := wire.Dial(ctx, addr, tc.hello, wire.Backoff{})
		cancel()
		var refused *wire.RefusedError
		if !errors.As(err, &refused) {
			if l != nil {
				l.Close(0)
			}
			t.Errorf("%s: Dial gave %v, want a *RefusedError", name, err)
			continue
		}
		if refused.Addr != addr || refused.Reason != tc.reason {
			t.Errorf("%s: refused %+v, want addr %s and reason %q", name, refused, addr, tc.reason)
		}
		if !strings.Contains(logs.String(), tc.reason) {
			t.Errorf("%s: the refusal was not logged; logs:\n%s", name, logs)
		}
	}
	if got := strings.Count(logs.String(), "level=WARN msg=\"wire: refused a connection\""); got != len(cases) {
		t.Errorf("%d refusals logged at Warn, want %d; logs:\n%s", got, len(cases), logs)
	}
	if !strings.Contains(logs.String(), "remote=127.0.0.1:") {
		t.Errorf("refusals do not name the remote address; logs:\n%s", logs)
	}

	// The server goes on serving a correct client.
	l := dial(t, addr, helloFrom(2, 1))
	if err := l.Send(core.Message{From: 2, Seq: 1, Clock: 1}); err != nil {
		t.Fatal(err)
	}
	closeLink(t, l)
	if got := box.waitFor(t, 1); got[0] != (core.Message{From: 2, Seq: 1, Clock: 1}) {
		t.Errorf("got %+v", got)
	}
}

func TestDialRejectsAnInvalidHelloLocally(t *testing.T) {
	// Nothing listens at the address: the error must come before any dial.
	addr := freePort(t)
	for _, h := range []wire.Hello{
		{Version: 1, From: 0, To: 1},
		{Version: 1, From: 1, To: 2, RunID: strings.Repeat("r", wire.MaxRunIDLen+1)},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		l, err := wire.Dial(ctx, addr, h, wire.Backoff{})
		cancel()
		if err == nil || l != nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Dial(%+v) = %v, %v; want an immediate error", h, l, err)
		}
	}
}

// rawConn dials the server without the package, to send what a correct
// client never would.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(patience)); err != nil {
		t.Fatal(err)
	}
	return c
}

// readFrames splits what a server wrote into frame payloads.
func readFrames(t *testing.T, b []byte) [][]byte {
	t.Helper()
	fr := wire.NewFrameReader(bytes.NewReader(b), 0)
	var frames [][]byte
	for range len(b) + 1 {
		p, err := fr.Next()
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatalf("server wrote %x, which does not split into frames: %v", b, err)
		}
		frames = append(frames, bytes.Clone(p))
	}
	t.Fatalf("more frames than bytes in %x", b)
	return nil
}

// waitClosedByServer reads until the server closes the connection.
func waitClosedByServer(t *testing.T, c net.Conn) []byte {
	t.Helper()
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection within %v", patience)
	}
	return got
}

func writeRaw(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestServerSurvivesGarbage(t *testing.T) {
	box := newInbox()
	s := serve(t, checkFor(1), box)
	addr := s.Addr().String()
	// Without a secret the proof is empty, whatever the challenge, so a raw
	// client can send it with the hello.
	hello := wire.AppendFrame(wire.AppendFrame(nil, wire.AppendHello(nil, helloFrom(2, 1))), wire.AppendProof(nil, wire.Proof{}))
	good := core.Message{From: 2, Seq: 1, Clock: 1}

	cases := map[string]struct {
		send []byte
		// wantReply is what the server writes before closing: a refusal
		// of a malformed hello, the OK of a good one, or nothing.
		wantReply string
	}{
		"http request":          {[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ""},
		"random bytes":          {[]byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37}, ""},
		"huge declared length":  {[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, ""},
		"overlong prefix":       {append(make([]byte, 0, 11), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), ""},
		"malformed hello":       {wire.AppendFrame(nil, []byte{0x93, 0x01, 0x02, 0x03}), "refused"},
		"empty hello frame":     {[]byte{0x00}, "refused"},
		"garbage after hello":   {append(append([]byte{}, hello...), wire.AppendFrame(nil, []byte{0xc1, 0xc1})...), "ok"},
		"huge frame after ok":   {append(append([]byte{}, hello...), 0xff, 0xff, 0xff, 0x7f), "ok"},
		"impostor message":      {wire.AppendMessageFrame(append([]byte{}, hello...), core.Message{From: 3, Seq: 1, Clock: 1}), "ok"},
		"message then cut":      {append(wire.AppendMessageFrame(append([]byte{}, hello...), good), 0x04, 0x93), "ok"},
		"hello frame then none": {hello[:len(hello)-6], ""},
		"hello then no proof":   {hello[:len(hello)-3], "challenge"},
	}
	for name, tc := range cases {
		c := rawConn(t, addr)
		writeRaw(t, c, tc.send)
		if tcp, ok := c.(*net.TCPConn); ok {
			// Half-close, so a server waiting for more bytes sees the end.
			_ = tcp.CloseWrite()
		}
		reply := waitClosedByServer(t, c)
		switch tc.wantReply {
		case "":
			if len(reply) != 0 {
				t.Errorf("%s: server wrote %x", name, reply)
			}
		case "ok", "challenge":
			frames := readFrames(t, reply)
			if len(frames) == 0 {
				t.Errorf("%s: server wrote %x, want a challenge", name, reply)
				continue
			}
			if _, err := wire.DecodeChallenge(frames[0]); err != nil {
				t.Errorf("%s: first frame %x: %v, want a challenge", name, frames[0], err)
			}
			if tc.wantReply == "challenge" {
				if len(frames) != 1 {
					t.Errorf("%s: server wrote %d frames after a hello without a proof, want only the challenge", name, len(frames))
				}
				continue
			}
			if len(frames) != 2 {
				t.Errorf("%s: server wrote %d frames, want a challenge and a reply", name, len(frames))
				continue
			}
			if r, err := wire.DecodeHelloReply(frames[1]); err != nil || !r.OK || len(r.Proof) != 0 {
				t.Errorf("%s: reply %+v, %v; want OK without a proof", name, r, err)
			}
		case "refused":
			p, err := wire.NewFrameReader(strings.NewReader(string(reply)), 0).Next()
			if err != nil {
				t.Errorf("%s: reply %x: %v", name, reply, err)
				continue
			}
			r, err := wire.DecodeHelloReply(p)
			if err != nil || r.OK || !strings.Contains(r.Reason, "malformed") {
				t.Errorf("%s: reply %+v, %v; want a refusal naming the malformed hello", name, r, err)
			}
		}
	}

	// Only the one good message got through, and the server still serves.
	l := dial(t, addr, helloFrom(2, 1))
	next := core.Message{From: 2, Seq: 2, Clock: 2}
	if err := l.Send(next); err != nil {
		t.Fatal(err)
	}
	closeLink(t, l)
	got := box.waitFor(t, 2)
	if len(got) != 2 || got[0] != good || got[1] != next {
		t.Errorf("delivered %+v, want only %+v then %+v", got, good, next)
	}
}

func TestServerDropsASilentClient(t *testing.T) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.HandshakeTimeout = 100 * time.Millisecond
	runServer(t, s, checkFor(1), newInbox())

	c := rawConn(t, s.Addr().String())
	if got := waitClosedByServer(t, c); len(got) != 0 {
		t.Errorf("server wrote %x to a client that never said hello", got)
	}
}

// Serve ends with its context even while connections are open and silent,
// and closes them.
func TestServeStopsWithOpenConnections(t *testing.T) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, checkFor(1), newInbox().deliver) }()

	l := dial(t, s.Addr().String(), helloFrom(2, 1))
	raw := rawConn(t, s.Addr().String()) // in its handshake, silent
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(patience):
		t.Fatal("Serve did not return after its context ended")
	}
	waitClosedByServer(t, raw)
	if err := l.Close(0); err != nil {
		t.Errorf("Close of an idle link: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after Serve: %v", err)
	}
}

func TestServeAfterClose(t *testing.T) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), nil, newInbox().deliver) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Close: %v", err)
		}
	case <-time.After(patience):
		t.Fatal("Serve after Close did not return")
	}
}

func TestListenReportsBusyAddress(t *testing.T) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := wire.Listen(s.Addr().String()); err == nil || !strings.Contains(err.Error(), s.Addr().String()) {
		t.Errorf("second Listen on %s: %v, want an error naming the address", s.Addr(), err)
	}
}

// A hello of another protocol version that does not parse is refused with
// the version named, so the person running the old build knows why.
func TestMalformedHelloOfAnotherVersionNamesIt(t *testing.T) {
	s := serve(t, checkFor(1), newInbox())
	for _, tc := range []struct {
		version int
		hello   []byte
	}{
		// A version 1 hello: five elements, no nonce.
		{1, []byte{0x95, 0x01, 0xa1, 0x72, 0x02, 0x01, 0xa0}},
		// A version 2 hello: six elements, no shared flag.
		{2, append([]byte{0x96, 0x02, 0xa1, 0x72, 0x02, 0x01, 0xa0, 0xc4, 0x20}, make([]byte, 32)...)},
		// A hello cut short after its version: its array claims more
		// elements than there are bytes.
		{1, []byte{0x95, 0x01}},
	} {
		c := rawConn(t, s.Addr().String())
		writeRaw(t, c, wire.AppendFrame(nil, tc.hello))
		p, err := wire.NewFrameReader(c, 0).Next()
		if err != nil {
			t.Fatal(err)
		}
		r, err := wire.DecodeHelloReply(p)
		want := fmt.Sprintf("protocol version %d, this machine speaks %d", tc.version, wire.ProtocolVersion)
		if err != nil || r.OK || !strings.Contains(r.Reason, want) {
			t.Errorf("reply %+v, %v; want a refusal naming the versions (%q)", r, err, want)
		}
	}
}

func TestWaitIdleWaitsForPeersToHangUp(t *testing.T) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(context.Background(), nil, func(core.MachineID, core.Message) {})
	}()
	defer func() { s.Close(); <-done }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := wire.Dial(ctx, s.Addr().String(), wire.Hello{Version: wire.ProtocolVersion, RunID: "r", From: 1, To: 2, Fingerprint: "f"}, wire.Backoff{})
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	if s.WaitIdle(short) {
		t.Fatal("WaitIdle reported idle while a link was open")
	}
	if err := l.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	if !s.WaitIdle(ctx) {
		t.Fatal("WaitIdle did not see the link close within 10s")
	}
}
