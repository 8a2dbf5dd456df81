package wire_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

// waitRejected waits until the server's rejection counts are want, and
// fails if they pass it or do not get there within patience.
func waitRejected(t *testing.T, s *wire.Server, want map[wire.Reason]uint64) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		got := s.Stats().Rejected
		if maps.Equal(got, want) {
			return
		}
		for r, n := range got {
			if n > want[r] {
				t.Fatalf("rejections %v, want %v: %s counted too often", got, want, r)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rejections %v after %v, want %v", got, patience, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// handshakeBytes is what a client without a secret sends to complete the
// handshake: since its proof is empty whatever the challenge, it need not
// wait for the challenge.
func handshakeBytes(h wire.Hello) []byte {
	return wire.AppendFrame(wire.AppendFrame(nil, wire.AppendHello(nil, h)), wire.AppendProof(nil, wire.Proof{}))
}

// Every class of hostile handshake is refused or timed out, counted once
// under its own reason and logged with it, while an admitted peer's
// messages keep flowing.
func TestHostileHandshakesAreRefusedAndCounted(t *testing.T) {
	logs := captureLogs(t)
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.HandshakeTimeout = 300 * time.Millisecond
	box := newInbox()
	runServer(t, s, checkFor(1), box)
	addr := s.Addr().String()

	// A real peer, connected before the attack and sending throughout.
	peer := dial(t, addr, helloFrom(3, 1))
	seq := uint64(0)
	sendOne := func() {
		seq++
		if err := peer.Send(core.Message{From: 3, Seq: seq, Clock: seq}); err != nil {
			t.Fatal(err)
		}
	}

	hello := wire.AppendFrame(nil, wire.AppendHello(nil, helloFrom(2, 1)))
	next := helloFrom(2, 1)
	next.Version = wire.ProtocolVersion + 1
	cases := []struct {
		name   string
		send   []byte
		silent bool // send, then keep the connection open without a word
		drip   bool // send one byte at a time, slower than the timeout
		reason wire.Reason
	}{
		{name: "garbage frame", send: wire.AppendFrame(nil, []byte{0xde, 0xad, 0xbe, 0xef}), reason: wire.ReasonMalformed},
		{name: "garbage prefix", send: bytes.Repeat([]byte{0x80}, 11), reason: wire.ReasonMalformed},
		{name: "truncated hello", send: hello[:len(hello)/2], reason: wire.ReasonTruncated},
		{name: "frame over MaxFrameSize", send: []byte{0x81, 0x80, 0x04}, reason: wire.ReasonTooLarge},
		{name: "frame over the handshake limit", send: wire.AppendFrame(nil, make([]byte, 3000)), reason: wire.ReasonTooLarge},
		{name: "protocol version 1", send: wire.AppendFrame(nil, mustHex(t, "9501a17202"+"01a0")), reason: wire.ReasonVersion},
		{name: "the next protocol version", send: wire.AppendFrame(nil, wire.AppendHello(nil, next)), reason: wire.ReasonVersion},
		{name: "hello for another run", send: handshakeBytes(wire.Hello{Version: wire.ProtocolVersion, RunID: "other", From: 2, To: 1, Fingerprint: testFingerprint}), reason: wire.ReasonRefused},
		{name: "hang up at once", send: nil, reason: wire.ReasonClosed},
		{name: "hello, then hang up", send: hello, reason: wire.ReasonClosed},
		{name: "garbage proof", send: append(append([]byte{}, hello...), wire.AppendFrame(nil, []byte{0xc1})...), reason: wire.ReasonMalformed},
		{name: "silent (slowloris)", silent: true, reason: wire.ReasonTimeout},
		{name: "hello, then silent", send: hello, silent: true, reason: wire.ReasonTimeout},
		{name: "one byte at a time", send: hello, drip: true, reason: wire.ReasonTimeout},
	}
	want := map[wire.Reason]uint64{}
	for _, tc := range cases {
		sendOne()
		c := rawConn(t, addr)
		switch {
		case tc.drip:
			// Each byte comes well within the timeout of the one before, but
			// the whole hello would take far longer than the timeout.
			for _, b := range tc.send {
				if _, err := c.Write([]byte{b}); err != nil {
					break // closed by the server: what the test waits for
				}
				time.Sleep(100 * time.Millisecond)
			}
		default:
			writeRaw(t, c, tc.send)
			if !tc.silent {
				_ = c.(*net.TCPConn).CloseWrite()
			}
		}
		waitClosedByServer(t, c)
		want[tc.reason]++
		waitRejected(t, s, want)
		if !strings.Contains(logs.String(), "kind="+string(tc.reason)) {
			t.Errorf("%s: no log line with kind=%s", tc.name, tc.reason)
		}
	}
	closeLink(t, peer)
	if got := box.waitFor(t, int(seq)); len(got) != int(seq) {
		t.Errorf("the real peer's %d messages arrived as %d", seq, len(got))
	}
	if st := s.Stats(); st.Accepted != 1 {
		t.Errorf("%d connections accepted, want only the real peer's", st.Accepted)
	}
}

// A second connection claiming a machine id that is connected is refused
// (after a grace period for a peer racing its own old connection), also
// when the handshake timeout is shorter than the grace; once the first has
// gone, the id may connect again.
func TestDuplicateMachineIDIsRefused(t *testing.T) {
	for _, timeout := range []time.Duration{0, 200 * time.Millisecond} {
		t.Run(fmt.Sprintf("handshake timeout %v", timeout), func(t *testing.T) {
			captureLogs(t)
			box := newInbox()
			s, err := wire.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s.HandshakeTimeout = timeout
			runServer(t, s, checkFor(1), box)
			addr := s.Addr().String()
			first := dial(t, addr, helloFrom(2, 1))

			ctx, cancel := context.WithTimeout(context.Background(), patience)
			second, err := wire.Dial(ctx, addr, helloFrom(2, 1), wire.Backoff{})
			cancel()
			var refused *wire.RefusedError
			if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "machine 2 is already connected") {
				if second != nil {
					second.Close(0)
				}
				t.Fatalf("second dial as machine 2: %v, want a refusal naming the duplicate", err)
			}
			waitRejected(t, s, map[wire.Reason]uint64{wire.ReasonDuplicate: 1})

			// The first connection still works.
			if err := first.Send(core.Message{From: 2, Seq: 1, Clock: 1}); err != nil {
				t.Fatal(err)
			}
			box.waitFor(t, 1)
			closeLink(t, first)
			again := dial(t, addr, helloFrom(2, 1))
			if err := again.Send(core.Message{From: 2, Seq: 2, Clock: 2}); err != nil {
				t.Fatal(err)
			}
			closeLink(t, again)
			if got := box.waitFor(t, 2); got[1].Seq != 2 {
				t.Errorf("after the first connection closed, machine 2 reconnected but delivered %+v", got)
			}
		})
	}
}

// Once authenticated, a connection speaks only as its machine id: a
// message with another sender ends it, is counted and is not delivered.
// A frame that is not a message ends it the same way.
func TestAnAdmittedPeerCannotSpoofOrSendGarbage(t *testing.T) {
	logs := captureLogs(t)
	box := newInbox()
	s := serve(t, checkFor(1), box)
	addr := s.Addr().String()
	good := core.Message{From: 2, Seq: 1, Clock: 1}

	cases := []struct {
		name   string
		after  []byte
		reason wire.Reason
	}{
		{"spoofed sender", wire.AppendMessageFrame(nil, core.Message{From: 3, Seq: 1, Clock: 9}), wire.ReasonSpoofed},
		{"garbage message", wire.AppendFrame(nil, []byte{0xc1}), wire.ReasonBadMessage},
		{"frame longer than a message", wire.AppendFrame(nil, make([]byte, wire.MaxMessageSize+1)), wire.ReasonBadMessage},
	}
	want := map[wire.Reason]uint64{}
	for i, tc := range cases {
		c := rawConn(t, addr)
		stream := wire.AppendMessageFrame(handshakeBytes(helloFrom(2, 1)), good)
		stream = append(stream, tc.after...)
		// A message after the bad frame must never be delivered.
		stream = wire.AppendMessageFrame(stream, core.Message{From: 2, Seq: 99, Clock: 99})
		writeRaw(t, c, stream)
		waitClosedByServer(t, c)
		want[tc.reason]++
		waitRejected(t, s, want)
		got := box.waitFor(t, i+1)
		if len(got) != i+1 || got[i] != good {
			t.Fatalf("%s: delivered %+v, want only the good message once per connection", tc.name, got)
		}
		if !strings.Contains(logs.String(), "kind="+string(tc.reason)) {
			t.Errorf("%s: no log line with kind=%s", tc.name, tc.reason)
		}
	}
	for _, from := range box.froms {
		if from != 2 {
			t.Errorf("a message was delivered as from %d", from)
		}
	}
}

// A flood of connections opened at once, none of which says a word, is
// bounded: at most MaxPending are in their handshake at a time, the rest
// are closed at once, every one is counted, a real peer keeps delivering,
// and once the flood ends the goroutines go back to where they were.
func TestConnectionFloodIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2000 connections")
	}
	captureLogs(t)
	const flood = 2000
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.HandshakeTimeout = time.Second
	box := newInbox()
	runServer(t, s, checkFor(1), box)
	addr := s.Addr().String()
	peer := dial(t, addr, helloFrom(2, 1))
	defer peer.Close(0)
	baseline := runtime.NumGoroutine()

	var (
		wg                        sync.WaitGroup
		mu                        sync.Mutex
		connected, dialErrs       int
		closedByServer, stillOpen int
	)
	start := make(chan struct{})
	began := time.Now()
	for range flood {
		wg.Go(func() {
			<-start
			c, err := net.DialTimeout("tcp", addr, patience)
			if err != nil {
				mu.Lock()
				dialErrs++
				mu.Unlock()
				return
			}
			defer c.Close()
			mu.Lock()
			connected++
			mu.Unlock()
			// Silent: wait for the server to hang up (busy: at once;
			// admitted to the handshake: after its timeout).
			_ = c.SetReadDeadline(time.Now().Add(patience))
			var b [1]byte
			_, err = c.Read(b[:])
			var ne net.Error
			mu.Lock()
			if errors.As(err, &ne) && ne.Timeout() {
				stillOpen++
			} else {
				closedByServer++
			}
			mu.Unlock()
		})
	}
	close(start)
	seq := uint64(0)
	for deadline := time.Now().Add(patience); ; {
		seq++
		if err := peer.Send(core.Message{From: 2, Seq: seq, Clock: seq}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		done := closedByServer + stillOpen + dialErrs
		mu.Unlock()
		if done == flood || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	elapsed := time.Since(began)

	if stillOpen != 0 {
		t.Errorf("%d flood connections were still open after %v", stillOpen, patience)
	}
	st := s.Stats()
	var rejected uint64
	for _, n := range st.Rejected {
		rejected += n
	}
	waitRejected(t, s, st.Rejected) // settled
	if rejected != uint64(connected) {
		t.Errorf("%d flood connections reached the server, %d rejections counted (%v)", connected, rejected, st.Rejected)
	}
	if st.Rejected[wire.ReasonBusy] == 0 {
		t.Errorf("no connection was refused as busy in a flood of %d: %v", flood, st.Rejected)
	}
	if st.PeakPending > wire.DefaultMaxPending {
		t.Errorf("%d connections were in their handshake at once, cap %d", st.PeakPending, wire.DefaultMaxPending)
	}
	if st.Accepted != 1 {
		t.Errorf("%d connections accepted, want only the real peer's", st.Accepted)
	}
	if got := box.waitFor(t, int(seq)); len(got) != int(seq) {
		t.Errorf("the real peer sent %d messages during the flood, %d arrived", seq, len(got))
	}
	goroutines := runtime.NumGoroutine()
	for deadline := time.Now().Add(patience); goroutines > baseline+5 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		goroutines = runtime.NumGoroutine()
	}
	if goroutines > baseline+5 {
		t.Errorf("%d goroutines after the flood, %d before", goroutines, baseline)
	}
	t.Logf("flood of %d: %d connected, %d dial errors, %v rejected, peak pending %d, goroutines %d -> %d, over in %v",
		flood, connected, dialErrs, fmt.Sprint(st.Rejected), st.PeakPending, baseline, goroutines, elapsed.Round(time.Millisecond))
}

// The caps are the server's settings: with MaxPending 1 a second silent
// connection is turned away while the first waits, and with MaxConns 2 a
// third connection is turned away while two peers are connected.
func TestConnectionCapsAreConfigurable(t *testing.T) {
	captureLogs(t)
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.MaxPending, s.MaxConns = 1, 2
	box := newInbox()
	runServer(t, s, nil, box)
	addr := s.Addr().String()

	silent := rawConn(t, addr)
	// The silent connection takes the only pending slot once accepted.
	for deadline := time.Now().Add(patience); s.Stats().PeakPending < 1; {
		if time.Now().After(deadline) {
			t.Fatal("the silent connection was never accepted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := waitClosedByServer(t, rawConn(t, addr)); len(got) != 0 {
		t.Errorf("a busy server wrote %x", got)
	}
	waitRejected(t, s, map[wire.Reason]uint64{wire.ReasonBusy: 1})
	silent.Close()

	a := dial(t, addr, helloFrom(2, 1))
	b := dial(t, addr, helloFrom(3, 1))
	waitClosedByServer(t, rawConn(t, addr))
	if got := s.Stats().Rejected[wire.ReasonBusy]; got < 2 {
		t.Errorf("a third connection while two are open was not refused as busy: %v", s.Stats().Rejected)
	}
	closeLink(t, a)
	closeLink(t, b)
	if st := s.Stats(); st.PeakPending != 1 || st.Accepted != 2 {
		t.Errorf("stats %+v, want a peak of 1 pending and 2 accepted", st)
	}
}
