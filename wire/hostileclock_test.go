package wire_test

import (
	"math"
	"strings"
	"testing"

	"lamport/core"
	"lamport/wire"
)

// A peer that has passed the handshake cannot send a clock or sequence
// number no run reaches: on a plain or a shared connection the message
// ends the connection, is counted under out_of_range and logged, is not
// delivered, and the receiving machine's clock stays where the honest
// messages put it.
func TestAnImpossibleClockOrSeqIsRefusedAndCounted(t *testing.T) {
	logs := captureLogs(t)
	// Both servers hand what they admit to one inbox: the plain one as
	// its deliver, the shared one through Route.
	box := newInbox()
	plain := serve(t, checkFor(1), box)
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Route = func(to core.MachineID, m core.Message) error {
		box.deliver(m.From, m)
		return nil
	}
	runServer(t, s, checkFor(1), newInbox())

	cases := []struct {
		name   string
		shared bool
		forged core.Message
	}{
		{"clock 2^64-1", false, core.Message{From: 2, Seq: 2, Clock: math.MaxUint64}},
		{"seq 2^60", false, core.Message{From: 2, Seq: 1 << 60, Clock: 2}},
		{"clock just above the bound", false, core.Message{From: 2, Seq: 2, Clock: core.MaxClock + 1}},
		{"shared, clock 2^64-1", true, core.Message{From: 2, Seq: 2, Clock: math.MaxUint64}},
		{"shared, seq 2^60", true, core.Message{From: 2, Seq: 1 << 60, Clock: 2}},
	}
	want := map[*wire.Server]map[wire.Reason]uint64{s: {}, plain: {}}
	for i, tc := range cases {
		good := core.Message{From: 2, Seq: 1, Clock: uint64(i + 1)}
		after := core.Message{From: 2, Seq: 3, Clock: 3}
		srv := plain
		var stream []byte
		if tc.shared {
			srv = s
			stream = wire.AppendTaggedMessageFrame(handshakeBytes(sharedHello(2, 1)), 1, good)
			stream = wire.AppendTaggedMessageFrame(stream, 1, tc.forged)
			stream = wire.AppendTaggedMessageFrame(stream, 1, after)
		} else {
			stream = wire.AppendMessageFrame(handshakeBytes(helloFrom(2, 1)), good)
			stream = wire.AppendMessageFrame(stream, tc.forged)
			stream = wire.AppendMessageFrame(stream, after)
		}
		c := rawConn(t, srv.Addr().String())
		writeRaw(t, c, stream)
		waitClosedByServer(t, c)
		want[srv][wire.ReasonOutOfRange]++
		waitRejected(t, srv, want[srv])
		got := box.waitFor(t, i+1)
		if len(got) != i+1 || got[i] != good {
			t.Fatalf("%s: delivered %+v, want only the good message once per connection", tc.name, got)
		}
	}
	if !strings.Contains(logs.String(), "kind="+string(wire.ReasonOutOfRange)) {
		t.Errorf("no log line with kind=%s", wire.ReasonOutOfRange)
	}
	// A real machine fed everything that was delivered, one honest message
	// per connection with clocks 1 to len(cases), ends at max(clock,
	// message)+1 after each: len(cases)+1 at most, nowhere near a forged
	// value (nor wrapped past one to 0).
	m, err := core.NewMachine(1, []core.MachineID{1, 2}, core.DefaultParams(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range box.snapshot() {
		m.Deliver(msg)
		m.Tick()
	}
	if got := m.Clock(); got == 0 || got > uint64(len(cases)+1) {
		t.Fatalf("the receiving machine's clock is %d after honest clocks 1..%d", got, len(cases))
	}
}
