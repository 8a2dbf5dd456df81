package wire_test

import (
	"context"
	"net"
	"testing"
	"time"

	"lamport/wire"
)

// TestOneSourceCannotHoldEveryHandshakeSlot: a stranger on 127.0.0.2 opens
// as many silent connections as the server has handshake slots and keeps
// them open; it gets at most DefaultMaxPendingPerSource of them, the rest
// are turned away as busy, and a machine dialing from 127.0.0.1 is still
// admitted at once. Without the per-source cap the stranger held all 128
// slots and the machine waited out the stranger's handshake timeout.
func TestOneSourceCannotHoldEveryHandshakeSlot(t *testing.T) {
	captureLogs(t)
	stranger := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: patience}
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Long enough that no silent connection times out during the test.
	s.HandshakeTimeout = time.Minute
	runServer(t, s, checkFor(1), newInbox())
	addr := s.Addr().String()

	for i := range wire.DefaultMaxPending {
		c, err := stranger.Dial("tcp", addr)
		if err != nil && i == 0 {
			t.Skipf("cannot dial from 127.0.0.2 here: %v", err)
		}
		if err != nil {
			t.Fatalf("stranger's dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
	wantBusy := uint64(wire.DefaultMaxPending - wire.DefaultMaxPendingPerSource)
	for deadline := time.Now().Add(patience); s.Stats().Rejected[wire.ReasonBusy] < wantBusy; {
		if time.Now().After(deadline) {
			t.Fatalf("after %d silent connections from one source, %d were turned away as busy, want %d (stats %+v)",
				wire.DefaultMaxPending, s.Stats().Rejected[wire.ReasonBusy], wantBusy, s.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := s.Stats(); st.PeakPending > wire.DefaultMaxPendingPerSource {
		t.Errorf("one source held %d handshakes at once, cap %d", st.PeakPending, wire.DefaultMaxPendingPerSource)
	}

	// The run's own peer, from another address, gets in well before any
	// of the stranger's connections could time out.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := wire.Dial(ctx, addr, helloFrom(2, 1), wire.Backoff{})
	if err != nil {
		t.Fatalf("a peer could not connect while a stranger held slots: %v (stats %+v)", err, s.Stats())
	}
	closeLink(t, l)
}
