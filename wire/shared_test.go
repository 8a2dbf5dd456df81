package wire_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

func TestTaggedMessageRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		to  core.MachineID
		m   core.Message
		hex string
	}{
		{1, core.Message{From: 2, Seq: 7, Clock: 42}, "9401" + "02072a"},
		{200, core.Message{From: 100, Seq: 16000, Clock: 100000}, "94ccc8" + "64cd3e80ce000186a0"},
		{math.MaxUint32, core.Message{From: math.MaxUint32, Seq: math.MaxUint64, Clock: math.MaxUint64},
			"94ceffffffff" + "ceffffffffcfffffffffffffffffcfffffffffffffffff"},
	} {
		payload := wire.AppendTaggedMessage(nil, tc.to, tc.m)
		if got := hex.EncodeToString(payload); got != tc.hex {
			t.Errorf("%d %+v: payload %s, want %s", tc.to, tc.m, got, tc.hex)
		}
		if len(payload) > wire.MaxTaggedMessageSize {
			t.Errorf("payload of %d bytes exceeds MaxTaggedMessageSize %d", len(payload), wire.MaxTaggedMessageSize)
		}
		to, m, err := wire.DecodeTaggedMessage(payload)
		if err != nil || to != tc.to || m != tc.m {
			t.Errorf("decoded %d %+v, %v; want %d %+v", to, m, err, tc.to, tc.m)
		}
		if frame := wire.AppendTaggedMessageFrame([]byte("xy"), tc.to, tc.m); !bytes.Equal(frame, wire.AppendFrame([]byte("xy"), payload)) {
			t.Errorf("AppendTaggedMessageFrame %x, want the payload framed", frame)
		}
	}
	buf := make([]byte, 0, 64)
	m := core.Message{From: 3, Seq: 1 << 40, Clock: 70000}
	if n := testing.AllocsPerRun(100, func() { buf = wire.AppendTaggedMessageFrame(buf[:0], 9, m) }); n != 0 {
		t.Errorf("AppendTaggedMessageFrame: %v allocations per run", n)
	}
}

// The budget (docs/PERFORMANCE.md) is 12 bytes of payload per message: a tagged message
// keeps it for machine ids below 128 and clocks below 2^32, and goes past
// it only with larger ids or clocks.
func TestTaggedMessagePayloadSize(t *testing.T) {
	for _, tc := range []struct {
		to   core.MachineID
		m    core.Message
		size int
	}{
		{3, core.Message{From: 1, Seq: 100, Clock: 120}, 5},
		{99, core.Message{From: 100, Seq: 16000, Clock: 100000}, 11},
		{127, core.Message{From: 126, Seq: math.MaxUint16, Clock: math.MaxUint32}, 11},
		{127, core.Message{From: 126, Seq: math.MaxUint32, Clock: math.MaxUint32}, 13},
		{200, core.Message{From: 150, Seq: 16000, Clock: 100000}, 13},
	} {
		if n := len(wire.AppendTaggedMessage(nil, tc.to, tc.m)); n != tc.size {
			t.Errorf("%d %+v: %d bytes, want %d", tc.to, tc.m, n, tc.size)
		}
	}
}

func TestDecodeTaggedMessageRejects(t *testing.T) {
	for name, h := range map[string]string{
		"empty":          "",
		"untagged":       "93020304",
		"five elements":  "950102030405",
		"target 0":       "9400020304",
		"sender 0":       "9401000304",
		"target too big": "94cf0000000100000000020304",
		"negative seq":   "940102ff04",
		"truncated":      "94010203",
		"trailing":       "940102030400",
		"not an array":   "c0",
	} {
		_, _, err := wire.DecodeTaggedMessage(mustHex(t, h))
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s (%s): %v, want ErrMalformed", name, h, err)
		}
	}
}

// routed records what a server handed to its Route, per (sender, target).
type routed struct {
	mu     sync.Mutex
	byPair map[[2]core.MachineID][]core.Message
	total  int
	refuse func(to core.MachineID, m core.Message) error
}

func newRouted() *routed { return &routed{byPair: map[[2]core.MachineID][]core.Message{}} }

func (r *routed) route(to core.MachineID, m core.Message) error {
	if r.refuse != nil {
		if err := r.refuse(to, m); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]core.MachineID{m.From, to}
	r.byPair[k] = append(r.byPair[k], m)
	r.total++
	return nil
}

func (r *routed) waitFor(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(patience); ; {
		r.mu.Lock()
		got := r.total
		r.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("routed %d of %d messages in %v", got, n, patience)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sharedServer(t *testing.T, r *routed) *wire.Server {
	t.Helper()
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Route = r.route
	runServer(t, s, checkFor(1), newInbox())
	return s
}

func sharedHello(from, to core.MachineID) wire.Hello {
	h := helloFrom(from, to)
	h.Shared = true
	return h
}

// Many senders share one connection to many targets: every message arrives
// once, at its target, and each (sender, target) pair keeps its order.
func TestSharedConnectionKeepsEveryPairInOrder(t *testing.T) {
	r := newRouted()
	s := sharedServer(t, r)
	l := dial(t, s.Addr().String(), sharedHello(1, 1))
	const senders, targets, per = 6, 5, 500
	var wg sync.WaitGroup
	for from := core.MachineID(1); from <= senders; from++ {
		wg.Go(func() {
			for seq := uint64(1); seq <= per; seq++ {
				to := core.MachineID(seq%targets) + 1
				if err := l.SendTo(to, core.Message{From: from, Seq: seq, Clock: seq * 3}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	closeLink(t, l)
	r.waitFor(t, senders*per)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.total != senders*per {
		t.Fatalf("routed %d messages, want %d", r.total, senders*per)
	}
	for pair, msgs := range r.byPair {
		if len(msgs) != per/targets {
			t.Errorf("%d to %d: %d messages, want %d", pair[0], pair[1], len(msgs), per/targets)
		}
		for i, m := range msgs {
			if core.MachineID(m.Seq%targets)+1 != pair[1] || m.Clock != 3*m.Seq || (i > 0 && m.Seq <= msgs[i-1].Seq) {
				t.Fatalf("%d to %d: message %d is %+v after %+v", pair[0], pair[1], i, m, msgs[max(i-1, 0)])
			}
		}
	}
}

// A server without Route refuses a shared hello; a second shared
// connection of the same process is a duplicate; a plain link refuses a
// message for another target than the one it dialled.
func TestSharedConnectionRefusals(t *testing.T) {
	plain := serve(t, checkFor(1), newInbox())
	expectRefused(t, plain.Addr().String(), sharedHello(2, 1), "takes no shared connections")

	s := sharedServer(t, newRouted())
	l := dial(t, s.Addr().String(), sharedHello(2, 1))
	defer closeLink(t, l)
	expectRefused(t, s.Addr().String(), sharedHello(2, 1), "shared connection of machine 2's process is already connected")
	// The plain connection of machine 2 is another thing, and is admitted.
	closeLink(t, dial(t, s.Addr().String(), helloFrom(2, 1)))

	pl := dial(t, plain.Addr().String(), helloFrom(2, 1))
	defer closeLink(t, pl)
	if err := pl.SendTo(3, core.Message{From: 2, Seq: 1}); err == nil || !strings.Contains(err.Error(), "only a shared link") {
		t.Errorf("SendTo another target on a plain link: %v", err)
	}
}

func expectRefused(t *testing.T, addr string, h wire.Hello, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := wire.Dial(ctx, addr, h, wire.Backoff{})
	var refused *wire.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, reason) {
		if l != nil {
			l.Close(0)
		}
		t.Fatalf("dial %+v: %v, want a refusal containing %q", h, err, reason)
	}
}

// A shared connection carries only what Route admits and only tagged
// frames: anything else ends it, is counted, and nothing after it is
// delivered.
func TestASharedConnectionCannotCarryWhatRouteRefuses(t *testing.T) {
	r := newRouted()
	r.refuse = func(to core.MachineID, m core.Message) error {
		switch {
		case m.From == 9:
			return fmt.Errorf("machine %d is not of the dialing process", m.From)
		case to == 8:
			return wire.Refuse(wire.ReasonBadMessage, errors.New("no machine 8 here"))
		}
		return nil
	}
	s := sharedServer(t, r)
	good := core.Message{From: 2, Seq: 1, Clock: 1}
	cases := []struct {
		name   string
		after  []byte
		reason wire.Reason
	}{
		{"sender route refuses", wire.AppendTaggedMessageFrame(nil, 1, core.Message{From: 9, Seq: 1}), wire.ReasonSpoofed},
		{"target route refuses", wire.AppendTaggedMessageFrame(nil, 8, core.Message{From: 2, Seq: 2}), wire.ReasonBadMessage},
		{"untagged message", wire.AppendMessageFrame(nil, core.Message{From: 2, Seq: 2}), wire.ReasonBadMessage},
		{"garbage", wire.AppendFrame(nil, []byte{0xc1}), wire.ReasonBadMessage},
		{"frame longer than a tagged message", wire.AppendFrame(nil, make([]byte, wire.MaxTaggedMessageSize+1)), wire.ReasonBadMessage},
	}
	want := map[wire.Reason]uint64{}
	for i, tc := range cases {
		c := rawConn(t, s.Addr().String())
		stream := wire.AppendTaggedMessageFrame(handshakeBytes(sharedHello(1, 1)), 3, good)
		stream = append(stream, tc.after...)
		stream = wire.AppendTaggedMessageFrame(stream, 3, core.Message{From: 2, Seq: 99, Clock: 99})
		writeRaw(t, c, stream)
		waitClosedByServer(t, c)
		want[tc.reason]++
		waitRejected(t, s, want)
		r.waitFor(t, i+1)
		r.mu.Lock()
		got := r.byPair[[2]core.MachineID{2, 3}]
		r.mu.Unlock()
		if r.total != i+1 || len(got) != i+1 || got[i] != good {
			t.Fatalf("%s: routed %+v, want only the good message once per connection", tc.name, got)
		}
	}
}
