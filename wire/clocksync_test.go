package wire_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

// skewedNow is a clock off by skew from this process's.
func skewedNow(skew time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(skew) }
}

// Cristian's bound holds by construction: the server reads its clock
// between the probe's send and its answer's arrival, so whatever the
// network does, the true offset is within Offset ± Bound. Here the true
// offset is known exactly, since both ends share one machine's clock.
func TestClockProbesMeasureTheOffsetWithinTheBound(t *testing.T) {
	for _, tc := range []struct {
		name         string
		server, dial time.Duration // each side's skew from the real clock
		secret       []byte
	}{
		{"server ahead 3s", 3 * time.Second, 0, nil},
		{"server behind 1.5s, with a secret", -1500 * time.Millisecond, 0, []byte("s3cret")},
		{"both skewed", 250 * time.Millisecond, -2 * time.Second, []byte("s3cret")},
		{"none", 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := wire.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s.Secret, s.Now = tc.secret, skewedNow(tc.server)
			box := newInbox()
			runServer(t, s, checkFor(1), box)
			h := helloFrom(2, 1)
			h.Probes = 8
			ctx, cancel := context.WithTimeout(context.Background(), patience)
			defer cancel()
			l, err := wire.DialWith(ctx, s.Addr().String(), h, wire.DialOptions{Secret: tc.secret, Now: skewedNow(tc.dial)})
			if err != nil {
				t.Fatal(err)
			}
			cs := l.Sync()
			want := tc.server - tc.dial
			if cs.Probes != 8 {
				t.Errorf("%d probes answered, want 8", cs.Probes)
			}
			if cs.Bound <= 0 || cs.Bound > patience {
				t.Errorf("bound %v: want a positive half round trip", cs.Bound)
			}
			// A nanosecond of slack: the midpoint of an odd round trip.
			if d := cs.Offset - want; d > cs.Bound+1 || d < -cs.Bound-1 {
				t.Errorf("offset %v ± %v, the true offset is %v", cs.Offset, cs.Bound, want)
			}
			if !cs.Start.IsZero() {
				t.Errorf("start %v without asking for one", cs.Start)
			}
			// The messages after the probes are numbered after them: with a
			// secret, a wrong count would fail their tags.
			m := core.Message{From: 2, Seq: 1, Clock: 5}
			if err := l.Send(m); err != nil {
				t.Fatal(err)
			}
			if got := box.waitFor(t, 1); got[0] != m {
				t.Errorf("delivered %+v, want %+v", got[0], m)
			}
			closeLink(t, l)
		})
	}
}

func TestAwaitStartWaitsForTheServersAnswer(t *testing.T) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 123456789)
	release := make(chan struct{})
	asked := make(chan core.MachineID, 1)
	s.Secret = []byte("k")
	s.Start = func(h wire.Hello, done <-chan struct{}) (time.Time, error) {
		asked <- h.From
		select {
		case <-release:
			return start, nil
		case <-done:
			return time.Time{}, errors.New("server closed")
		}
	}
	runServer(t, s, checkFor(1), newInbox())
	h := helloFrom(3, 1)
	h.Probes, h.AwaitStart = 2, true
	type result struct {
		l   *wire.Link
		err error
	}
	got := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		l, err := wire.DialWith(ctx, s.Addr().String(), h, wire.DialOptions{Secret: []byte("k")})
		got <- result{l, err}
	}()
	select {
	case from := <-asked:
		if from != 3 {
			t.Errorf("Start asked for machine %d, want 3", from)
		}
	case <-time.After(patience):
		t.Fatal("the server never asked for the start")
	}
	select {
	case r := <-got:
		t.Fatalf("the dial returned before the start was given: %v", r.err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer closeLink(t, r.l)
	if cs := r.l.Sync(); !cs.Start.Equal(start) || cs.Probes != 2 {
		t.Errorf("sync %+v, want start %v after 2 probes", cs, start)
	}
}

func TestAwaitStartWithoutAStarterGetsNone(t *testing.T) {
	s := serve(t, checkFor(1), newInbox())
	h := helloFrom(2, 1)
	h.AwaitStart = true
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := wire.DialWith(ctx, s.Addr().String(), h, wire.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeLink(t, l)
	if cs := l.Sync(); !cs.Start.IsZero() || cs.Probes != 0 {
		t.Errorf("sync %+v, want nothing", cs)
	}
}

func TestProbePayloadsAreStrict(t *testing.T) {
	at := time.Unix(0, 1_700_000_000_123_456_789)
	n, got, err := wire.DecodeProbeReply(wire.AppendProbeReply(nil, 3, at))
	if err != nil || n != 3 || !got.Equal(at) {
		t.Errorf("probe reply round trip: %d %v %v", n, got, err)
	}
	if n, err := wire.DecodeProbe(wire.AppendProbe(nil, wire.MaxProbes-1)); err != nil || n != wire.MaxProbes-1 {
		t.Errorf("probe round trip: %d %v", n, err)
	}
	if s, err := wire.DecodeStart(wire.AppendStart(nil, time.Time{})); err != nil || !s.IsZero() {
		t.Errorf("no start round trip: %v %v", s, err)
	}
	for name, payload := range map[string][]byte{
		"probe out of range":   wire.AppendProbe(nil, wire.MaxProbes),
		"probe trailing":       append(wire.AppendProbe(nil, 1), 0),
		"probe reply short":    mustHex(t, "9101"),
		"start not an integer": mustHex(t, "91c0"),
		"empty":                nil,
	} {
		_, err1 := wire.DecodeProbe(payload)
		_, _, err2 := wire.DecodeProbeReply(payload)
		_, err3 := wire.DecodeStart(payload)
		for i, err := range []error{err1, err2, err3} {
			if name == "probe reply short" && i != 1 || name == "start not an integer" && i != 2 {
				continue
			}
			if i > 0 && (name == "probe out of range" || name == "probe trailing") {
				continue
			}
			if !errors.Is(err, wire.ErrMalformed) {
				t.Errorf("%s (decoder %d): %v, want ErrMalformed", name, i, err)
			}
		}
	}
}
