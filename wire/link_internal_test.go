package wire

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/core"
)

// These tests need to know the moment a link has noticed that its
// connection is gone, which no exported method shows: before it, a message
// may be written into the dying connection and lost, as documented.

const patience = 10 * time.Second

type collected struct {
	mu   sync.Mutex
	msgs []core.Message
}

func (c *collected) deliver(_ core.MachineID, m core.Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *collected) get() []core.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]core.Message(nil), c.msgs...)
}

// startServer serves on addr and returns a function that stops the
// server and waits for Serve to return.
func startServer(t *testing.T, addr string, box *collected) (*Server, func()) {
	t.Helper()
	s, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, nil, box.deliver) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(patience):
				t.Errorf("Serve did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(patience); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", patience, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func disconnected(l *Link) func() bool {
	return func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.nc == nil
	}
}

func dialed(t *testing.T, addr string) *Link {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := Dial(ctx, addr, Hello{Version: ProtocolVersion, RunID: "r", From: 2, To: 1}, Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(0) })
	return l
}

// Messages sent while the peer is away wait in the queue and go out, in
// order, once it is back; Close waits for that.
func TestLinkResendsWhenThePeerComesBack(t *testing.T) {
	first, second := &collected{}, &collected{}
	s, stop := startServer(t, "127.0.0.1:0", first)
	addr := s.Addr().String()
	l := dialed(t, addr)

	if err := l.Send(core.Message{From: 2, Seq: 1, Clock: 1}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first message", func() bool { return len(first.get()) == 1 })
	stop()
	waitUntil(t, "the link to notice the server is gone", disconnected(l))

	var want []core.Message
	for seq := uint64(2); seq <= 6; seq++ {
		m := core.Message{From: 2, Seq: seq, Clock: seq}
		want = append(want, m)
		if err := l.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	// Let the link fail a few redials before the peer returns.
	time.Sleep(100 * time.Millisecond)
	startServer(t, addr, second)

	if err := l.Close(patience); err != nil {
		t.Fatal(err)
	}
	// Close returns once the bytes are written; delivery follows.
	waitUntil(t, "the resent messages", func() bool { return len(second.get()) >= len(want) })
	got := second.get()
	if len(got) != len(want) {
		t.Fatalf("after the peer came back: %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after the peer came back: %+v, want %+v", got, want)
		}
	}
	if l.Reconnects() != 1 {
		t.Errorf("Reconnects() = %d, want 1", l.Reconnects())
	}
}

// Close waits at most its timeout for a peer that never returns, and then
// says how many messages did not go out.
func TestLinkCloseGivesUpOnAnUnreachablePeer(t *testing.T) {
	box := &collected{}
	s, stop := startServer(t, "127.0.0.1:0", box)
	l := dialed(t, s.Addr().String())
	stop()
	waitUntil(t, "the link to notice the server is gone", disconnected(l))

	for seq := uint64(1); seq <= 3; seq++ {
		if err := l.Send(core.Message{From: 2, Seq: seq, Clock: seq}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- l.Close(200 * time.Millisecond) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(patience):
		t.Fatal("Close did not return")
	}
	if err == nil || !strings.Contains(err.Error(), "3 messages not sent") || !strings.Contains(err.Error(), s.Addr().String()) {
		t.Errorf("Close gave %v, want an error counting 3 unsent messages to %s", err, s.Addr())
	}
	if again := l.Close(patience); again == nil || again.Error() != err.Error() {
		t.Errorf("second Close gave %v, want the first's %v", again, err)
	}
	if len(box.get()) != 0 {
		t.Errorf("delivered %+v", box.get())
	}
	if l.Reconnects() != 0 {
		t.Errorf("Reconnects() = %d, want 0", l.Reconnects())
	}
}
