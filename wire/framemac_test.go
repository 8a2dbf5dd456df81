package wire_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"lamport/core"
	"lamport/wire"
)

// tamperProxy stands between a dialer and a server, as someone on the
// network path would. It passes the handshake through, and hands each
// later frame from the dialer to tamper, which returns the frames to
// forward instead (none to drop it, more to inject). It counts the bytes
// the dialer sent after its handshake.
type tamperProxy struct {
	ln     net.Listener
	target string
	tamper func(i int, frame []byte, sent [][]byte) [][]byte

	mu    sync.Mutex
	bytes int // post-handshake bytes received from the dialer
}

func newTamperProxy(t *testing.T, target string, tamper func(i int, frame []byte, sent [][]byte) [][]byte) *tamperProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tamperProxy{ln: ln, target: target, tamper: tamper}
	var wg sync.WaitGroup
	wg.Go(func() {
		// Only the first connection: a redial finds the proxy closed.
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		p.relay(c)
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return p
}

func (p *tamperProxy) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		_, _ = io.Copy(client, server)
		client.Close()
	})
	// The dialer's side, a frame at a time: the length prefix, then the
	// payload. Its first two frames are the hello and the proof.
	br := bufio.NewReader(client)
	var sent [][]byte
	for i := 0; ; i++ {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			server.Close()
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(br, frame); err != nil {
			server.Close()
			return
		}
		out := [][]byte{frame}
		if i >= 2 {
			p.mu.Lock()
			p.bytes += len(binary.AppendUvarint(nil, n)) + int(n)
			p.mu.Unlock()
			out = p.tamper(i-2, frame, sent)
			sent = append(sent, frame)
		}
		for _, f := range out {
			if _, err := server.Write(wire.AppendFrame(nil, f)); err != nil {
				return
			}
		}
	}
}

func (p *tamperProxy) counted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

// sendThroughProxy dials the server through a proxy with tamper, sends
// messages 1..n (clock = seq), closes the link, and returns the proxy.
func sendThroughProxy(t *testing.T, s *wire.Server, secret []byte, n int, tamper func(i int, frame []byte, sent [][]byte) [][]byte) *tamperProxy {
	t.Helper()
	p := newTamperProxy(t, s.Addr().String(), tamper)
	l, err := dialSecret(p.ln.Addr().String(), helloFrom(2, 1), secret)
	if err != nil {
		t.Fatal(err)
	}
	for seq := 1; seq <= n; seq++ {
		if err := l.Send(core.Message{From: 2, Seq: uint64(seq), Clock: uint64(seq)}); err != nil {
			t.Fatal(err)
		}
	}
	_ = l.Close(patience) // the server may end the connection first
	return p
}

func untouched(_ int, frame []byte, _ [][]byte) [][]byte { return [][]byte{frame} }

// TestForgedFramesAreRefusedWithASecret: with a secret, a frame altered,
// replayed, dropped, reordered or stripped of its tag on the way is
// refused and counted as forged, and nothing from it on is delivered;
// every message before it is. Without a secret the same alteration goes
// through, which is what the tag buys.
func TestForgedFramesAreRefusedWithASecret(t *testing.T) {
	captureLogs(t)
	secret := []byte("correct horse battery staple")
	const n = 5
	// flipClock changes the last byte of the message (its clock) in frame
	// 2, leaving its tag, if any, as it was.
	flipClock := func(i int, f []byte, _ [][]byte) [][]byte {
		if i == 2 {
			f = slices.Clone(f)
			f[len(f)-1-tagLen(f)] ^= 0x01
		}
		return [][]byte{f}
	}
	cases := []struct {
		name   string
		tamper func(i int, frame []byte, sent [][]byte) [][]byte
		// delivered is how many messages, 1 up, arrive before the forgery.
		delivered int
	}{
		{"altered", flipClock, 2},
		{"replayed", func(i int, f []byte, sent [][]byte) [][]byte {
			if i == 2 {
				return [][]byte{sent[0], f}
			}
			return [][]byte{f}
		}, 2},
		{"dropped", func(i int, f []byte, _ [][]byte) [][]byte {
			if i == 2 {
				return nil
			}
			return [][]byte{f}
		}, 2},
		{"reordered", func(i int, f []byte, sent [][]byte) [][]byte {
			switch i {
			case 2:
				return nil
			case 3:
				return [][]byte{f, sent[2]}
			}
			return [][]byte{f}
		}, 2},
		{"stripped", func(i int, f []byte, _ [][]byte) [][]byte {
			if i == 2 {
				return [][]byte{f[:len(f)-wire.FrameMACSize]}
			}
			return [][]byte{f}
		}, 2},
		{"injected", func(i int, f []byte, _ [][]byte) [][]byte {
			if i == 2 {
				forged := wire.AppendMessage(nil, core.Message{From: 2, Seq: 99, Clock: 99})
				return [][]byte{append(forged, make([]byte, wire.FrameMACSize)...), f}
			}
			return [][]byte{f}
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			box := newInbox()
			s := serveWithSecret(t, secret, box)
			sendThroughProxy(t, s, secret, n, tc.tamper)
			waitRejected(t, s, map[wire.Reason]uint64{wire.ReasonForged: 1})
			got := box.snapshot()
			want := []core.Message{}
			for seq := 1; seq <= tc.delivered; seq++ {
				want = append(want, core.Message{From: 2, Seq: uint64(seq), Clock: uint64(seq)})
			}
			if !slices.Equal(got, want) {
				t.Fatalf("delivered %v, want %v", got, want)
			}
		})
	}

	t.Run("no secret", func(t *testing.T) {
		box := newInbox()
		s := serveWithSecret(t, nil, box)
		sendThroughProxy(t, s, nil, n, flipClock)
		got := box.waitFor(t, n)
		if got[2].Clock != 3^0x01 || len(s.Stats().Rejected) != 0 {
			t.Fatalf("without a secret the altered frame gave %v (rejections %v); want it delivered altered, as nothing can tell", got, s.Stats().Rejected)
		}
	})
}

// tagLen is the tag a frame carries: frames of a message are at most
// MaxMessageSize bytes without one.
func tagLen(f []byte) int {
	if len(f) > wire.MaxMessageSize {
		return wire.FrameMACSize
	}
	if _, err := wire.DecodeMessage(f); err != nil {
		return wire.FrameMACSize
	}
	return 0
}

// TestFrameMACCostsEightBytesAFrame: the dialer's bytes after the
// handshake, counted on the wire, grow by exactly FrameMACSize per message
// with a secret, and not at all without one.
func TestFrameMACCostsEightBytesAFrame(t *testing.T) {
	captureLogs(t)
	const n = 200
	bytesFor := func(secret []byte) int {
		box := newInbox()
		s := serveWithSecret(t, secret, box)
		p := sendThroughProxy(t, s, secret, n, untouched)
		box.waitFor(t, n)
		return p.counted()
	}
	plain, sealed := bytesFor(nil), bytesFor([]byte("a secret"))
	// Without a tag each frame is its prefix and the message, 1 + 4 bytes
	// for seq and clock below 128, 1 + 6 up to 200 (uint8 encodings).
	if want := 127*5 + (n-127)*7; plain != want {
		t.Errorf("without a secret %d messages took %d bytes, want %d", n, plain, want)
	}
	if sealed-plain != n*wire.FrameMACSize {
		t.Errorf("with a secret %d messages took %d bytes, without %d: %d more, want %d", n, sealed, plain, sealed-plain, n*wire.FrameMACSize)
	}
}
