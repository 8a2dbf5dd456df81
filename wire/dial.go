package wire

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"
)

// RefusedError is returned by Dial when the peer answered the hello with a
// refusal. It is final: retrying the same hello would be refused again.
type RefusedError struct {
	Addr   string
	Reason string
}

func (e *RefusedError) Error() string {
	return "peer at " + e.Addr + " refused the handshake: " + e.Reason
}

// Dial connects to addr, sends hello and waits for the reply, then returns
// a Link that sends messages over the connection.
//
// Connection failures (refused, reset, timed out, closed before the reply)
// are retried with backoff until ctx is done; Dial then returns an error
// naming addr and the last failure that wraps ctx.Err(). A refusal returns
// at once as a *RefusedError, and so does a reply that is not a valid
// HelloReply (wrapping ErrMalformed), since that peer does not speak this
// protocol. ctx bounds only the dial: the Link lives until Link.Close.
//
// Dial has no secret: a server that requires one refuses it.
func Dial(ctx context.Context, addr string, hello Hello, b Backoff) (*Link, error) {
	return DialSecret(ctx, addr, hello, b, nil)
}

// DialSecret is Dial with a shared secret (none if empty): the handshake
// proves to the server that this side knows it, without sending it, and
// requires the server to prove the same in its reply. A server that
// cannot (it has another secret, or none) ends the dial at once with an
// error wrapping ErrAuth, or a *RefusedError when the server noticed
// first. The Link keeps the secret for its redials.
func DialSecret(ctx context.Context, addr string, hello Hello, b Backoff, secret []byte) (*Link, error) {
	return DialWith(ctx, addr, hello, DialOptions{Backoff: b, Secret: secret})
}

// DialOptions are the settings of DialWith.
type DialOptions struct {
	Backoff Backoff
	// Secret is the run's shared secret; empty for none (see DialSecret).
	Secret []byte
	// Now is the clock the hello's clock probes are timed on; nil means
	// time.Now. The live driver gives its machines' clock.
	Now func() time.Time
}

// DialWith is Dial with options. When the hello asks for clock probes or
// the run's start, they follow the OK reply, and Link.Sync holds what they
// measured; ctx bounds the wait for the start too. A redial of the link
// asks for neither.
func DialWith(ctx context.Context, addr string, hello Hello, o DialOptions) (*Link, error) {
	if err := hello.Validate(); err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	secret := append([]byte(nil), o.Secret...)
	nc, mac, cs, err := connect(ctx, addr, hello, o.Backoff, secret, o.Now)
	if err != nil {
		return nil, err
	}
	hello.Probes, hello.AwaitStart = 0, false
	l := newLink(nc, mac, addr, hello, o.Backoff, secret)
	l.sync = cs
	return l, nil
}

// connect makes handshake attempts until one succeeds, one fails for good,
// or ctx is done.
func connect(ctx context.Context, addr string, hello Hello, b Backoff, secret []byte, now func() time.Time) (net.Conn, *frameMAC, ClockSync, error) {
	var last error
	for attempt := 0; ; attempt++ {
		nc, mac, cs, err := handshake(ctx, addr, hello, secret, now)
		if err == nil {
			return nc, mac, cs, nil
		}
		if final(err) {
			return nil, nil, ClockSync{}, err
		}
		if ctx.Err() == nil {
			last = err
		}
		wait := b.Delay(attempt)
		slog.Debug("wire: dial failed; retrying", "addr", addr, "attempt", attempt+1, "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if last == nil {
				return nil, nil, ClockSync{}, fmt.Errorf("dial %s: %w", addr, ctx.Err())
			}
			return nil, nil, ClockSync{}, fmt.Errorf("dial %s: gave up after %d attempts: %w (last failure: %w)", addr, attempt+1, ctx.Err(), last)
		case <-t.C:
		}
	}
}

// final reports whether a failed attempt is not worth repeating: the peer
// refused us, or it does not speak the protocol, or the address is invalid.
func final(err error) bool {
	var refused *RefusedError
	var addrErr *net.AddrError
	return errors.As(err, &refused) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrAuth) ||
		errors.Is(err, ErrFrameTooLarge) || errors.As(err, &addrErr)
}

// pastDeadline is a deadline that has expired, to wake blocked IO.
var pastDeadline = time.Unix(1, 0)

// handshake makes one attempt: connect, then the four frames of the
// handshake (see auth.go), then the clock probes and the start the hello
// asks for (see clocksync.go).
func handshake(ctx context.Context, addr string, hello Hello, secret []byte, now func() time.Time) (net.Conn, *frameMAC, ClockSync, error) {
	d := net.Dialer{Timeout: HandshakeTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, ClockSync{}, err
	}
	// The deadline is set before ctx is watched, so a cancellation always
	// has the last word.
	_ = nc.SetDeadline(time.Now().Add(HandshakeTimeout))
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(pastDeadline) })
	var cs ClockSync
	mac, smac, fr, err := exchange(nc, addr, hello, secret)
	if err == nil && (hello.Probes > 0 || hello.AwaitStart) {
		if cs, err = syncClock(nc, fr, mac, smac, hello, now); err != nil {
			err = fmt.Errorf("peer at %s: %w", addr, err)
		}
	}
	if !stop() && err == nil {
		err = fmt.Errorf("handshake with %s: %w", addr, ctx.Err())
	}
	if err != nil {
		_ = nc.Close()
		return nil, nil, ClockSync{}, err
	}
	_ = nc.SetDeadline(time.Time{})
	return nc, mac, cs, nil
}

// exchange runs the dialer's side of the handshake; with a secret it
// returns what tags the frames that follow and what checks the server's,
// and the reader of the server's frames.
func exchange(nc net.Conn, addr string, hello Hello, secret []byte) (*frameMAC, *frameMAC, *FrameReader, error) {
	// A fresh nonce per attempt: a server's proof recorded from one
	// handshake must not pass in another.
	hello.Nonce = newNonce()
	hp := AppendHello(nil, hello)
	if err := WriteFrame(nc, hp); err != nil {
		return nil, nil, nil, fmt.Errorf("send hello to %s: %w", addr, err)
	}
	fr := NewFrameReader(nc, maxHandshakeFrame)
	payload, err := nextReply(fr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("challenge from %s: %w", addr, err)
	}
	// A server that refuses the hello itself answers with a reply instead
	// of a challenge.
	if r, rerr := DecodeHelloReply(payload); rerr == nil {
		if r.OK {
			return nil, nil, nil, fmt.Errorf("challenge from %s: %w", addr, malformed("an OK reply before the proof"))
		}
		return nil, nil, nil, &RefusedError{Addr: addr, Reason: r.Reason}
	}
	if _, err := DecodeChallenge(payload); err != nil {
		return nil, nil, nil, fmt.Errorf("challenge from %s: %w", addr, err)
	}
	// The reader reuses its buffer, so keep the challenge for the proofs.
	cp := append([]byte(nil), payload...)
	var proof []byte
	if len(secret) > 0 {
		proof = DialerProof(secret, hp, cp)
	}
	if err := WriteFrame(nc, AppendProof(nil, Proof{MAC: proof})); err != nil {
		return nil, nil, nil, fmt.Errorf("send proof to %s: %w", addr, err)
	}
	payload, err = nextReply(fr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("hello reply from %s: %w", addr, err)
	}
	reply, err := DecodeHelloReply(payload)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("hello reply from %s: %w", addr, err)
	}
	if !reply.OK {
		return nil, nil, nil, &RefusedError{Addr: addr, Reason: reply.Reason}
	}
	if len(secret) > 0 && !hmac.Equal(reply.Proof, ServerProof(secret, hp, cp, proof)) {
		if len(reply.Proof) == 0 {
			return nil, nil, nil, fmt.Errorf("peer at %s: %w: it has no secret, this machine has one", addr, ErrAuth)
		}
		return nil, nil, nil, fmt.Errorf("peer at %s: %w: its proof does not match this machine's secret", addr, ErrAuth)
	}
	return newFrameMAC(secret, hp, cp, proof), newServerFrameMAC(secret, hp, cp, proof), fr, nil
}

// nextReply reads the server's next handshake frame.
func nextReply(fr *FrameReader) ([]byte, error) {
	payload, err := fr.Next()
	if errors.Is(err, io.EOF) {
		// The peer hung up without a word: a server shutting down, or one
		// too busy to take another connection. Worth another try, so not
		// ErrMalformed.
		err = io.ErrUnexpectedEOF
	}
	return payload, err
}
