package wire_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"lamport/core"
	"lamport/wire"
)

// serveWithSecret starts a server that requires secret (none if nil).
func serveWithSecret(t *testing.T, secret []byte, box *inbox) *wire.Server {
	t.Helper()
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Secret = secret
	runServer(t, s, checkFor(1), box)
	return s
}

func dialSecret(addr string, h wire.Hello, secret []byte) (*wire.Link, error) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	return wire.DialSecret(ctx, addr, h, wire.Backoff{}, secret)
}

// The right secret connects; any mismatch, either way round, is refused
// at once, with a reason and counted as auth by the server that noticed.
func TestSecretMismatchIsRefusedBothWays(t *testing.T) {
	captureLogs(t)
	right, wrong := []byte("correct horse battery staple"), []byte("correct horse battery stapler")
	cases := []struct {
		name           string
		server, dialer []byte
		refusal        string // in the server's reason; "" if admitted
	}{
		{"same secret", right, right, ""},
		{"no secret on either side", nil, nil, ""},
		{"wrong secret", right, wrong, "wrong secret"},
		{"dialer has none", right, nil, "requires the run's secret"},
		{"server has none", nil, right, "the dialer has a secret and this machine has none"},
	}
	for _, tc := range cases {
		box := newInbox()
		s := serveWithSecret(t, tc.server, box)
		l, err := dialSecret(s.Addr().String(), helloFrom(2, 1), tc.dialer)
		if tc.refusal == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if err := l.Send(core.Message{From: 2, Seq: 1, Clock: 1}); err != nil {
				t.Fatal(err)
			}
			closeLink(t, l)
			box.waitFor(t, 1)
			if st := s.Stats(); st.Accepted != 1 || len(st.Rejected) != 0 {
				t.Errorf("%s: stats %+v", tc.name, st)
			}
			continue
		}
		var refused *wire.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, tc.refusal) {
			if l != nil {
				l.Close(0)
			}
			t.Errorf("%s: dial gave %v, want a refusal containing %q", tc.name, err, tc.refusal)
			continue
		}
		waitRejected(t, s, map[wire.Reason]uint64{wire.ReasonAuth: 1})
		if len(box.snapshot()) != 0 {
			t.Errorf("%s: a refused dialer delivered messages", tc.name)
		}
	}
}

// A dialer with a secret does not trust a server that admits it without
// proving the secret back: neither one that has none nor an impostor that
// answers with a made-up proof.
func TestDialerRequiresTheServersProof(t *testing.T) {
	secret := []byte("s3cret")
	for name, proof := range map[string][]byte{
		"no proof":     nil,
		"forged proof": bytes.Repeat([]byte{0x42}, wire.ProofSize),
	} {
		peer := newScriptedPeer(t, func(c net.Conn, fr *wire.FrameReader) error {
			return answerHello(c, fr, wire.HelloReply{OK: true, Proof: proof})
		})
		l, err := dialSecret(peer.addr(), helloFrom(2, 1), secret)
		if l != nil {
			l.Close(0)
		}
		if !errors.Is(err, wire.ErrAuth) {
			t.Errorf("%s: DialSecret gave %v, want ErrAuth", name, err)
		}
		peer.wait(t)
	}
}

// recordingProxy forwards one connection to addr and keeps every byte the
// client sent.
type recordingProxy struct {
	ln   net.Listener
	mu   sync.Mutex
	sent bytes.Buffer
	done chan struct{}
}

func newRecordingProxy(t *testing.T, addr string) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		up, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		defer up.Close()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
		_, _ = io.Copy(io.MultiWriter(up, p), c)
	}()
	t.Cleanup(func() { ln.Close(); <-p.done })
	return p
}

func (p *recordingProxy) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent.Write(b)
}

func (p *recordingProxy) bytes() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.sent.Bytes())
}

// The secret never goes over the wire: every byte a dialer sends through a
// whole connection (handshake and messages) is free of it, in any common
// spelling, while a proof was indeed sent.
func TestSecretIsNeverOnTheWire(t *testing.T) {
	secret := []byte("a-distinctive-secret-0f9e8d7c")
	box := newInbox()
	s := serveWithSecret(t, secret, box)
	proxy := newRecordingProxy(t, s.Addr().String())
	l, err := dialSecret(proxy.ln.Addr().String(), helloFrom(2, 1), secret)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := l.Send(core.Message{From: 2, Seq: uint64(i), Clock: uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	closeLink(t, l)
	box.waitFor(t, 100)
	<-proxy.done

	sent := proxy.bytes()
	for _, spelling := range [][]byte{secret, []byte(hex.EncodeToString(secret)), bytes.ToUpper(secret)} {
		if bytes.Contains(sent, spelling) {
			t.Fatalf("the dialer sent the secret (as %q) over the wire", spelling)
		}
	}
	// The second frame is the proof: it must be there and non-empty, or the
	// test above would pass for a handshake that proved nothing.
	fr := wire.NewFrameReader(bytes.NewReader(sent), 0)
	if _, err := fr.Next(); err != nil {
		t.Fatal(err)
	}
	p, err := fr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if proof, err := wire.DecodeProof(p); err != nil || len(proof.MAC) != wire.ProofSize {
		t.Fatalf("second frame %x: %+v, %v; want a proof", p, proof, err)
	}
}

// A recorded handshake cannot be replayed: the server's fresh nonce makes
// the old proof worthless.
func TestARecordedHandshakeCannotBeReplayed(t *testing.T) {
	captureLogs(t)
	secret := []byte("replay-me-if-you-can")
	box := newInbox()
	s := serveWithSecret(t, secret, box)
	proxy := newRecordingProxy(t, s.Addr().String())
	l, err := dialSecret(proxy.ln.Addr().String(), helloFrom(2, 1), secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Send(core.Message{From: 2, Seq: 1, Clock: 1}); err != nil {
		t.Fatal(err)
	}
	closeLink(t, l)
	box.waitFor(t, 1)
	<-proxy.done

	c := rawConn(t, s.Addr().String())
	writeRaw(t, c, proxy.bytes())
	reply := readFrames(t, waitClosedByServer(t, c))
	if len(reply) != 2 {
		t.Fatalf("server answered the replay with %d frames, want a challenge and a refusal", len(reply))
	}
	if r, err := wire.DecodeHelloReply(reply[1]); err != nil || r.OK || r.Reason != "wrong secret" {
		t.Errorf("replayed handshake: reply %+v, %v; want a refusal for the wrong secret", r, err)
	}
	waitRejected(t, s, map[wire.Reason]uint64{wire.ReasonAuth: 1})
	if got := box.snapshot(); len(got) != 1 {
		t.Errorf("the replay delivered messages: %+v", got)
	}
}
