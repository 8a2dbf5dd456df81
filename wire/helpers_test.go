package wire_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

// patience bounds every wait of these tests. It is generous because a
// loaded two-core CI machine must not turn a slow run into a failure; no
// test asserts that anything is fast.
const patience = 10 * time.Second

const (
	testRun         = "run-1"
	testFingerprint = "0123456789abcdef"
)

func helloFrom(from, to core.MachineID) wire.Hello {
	return wire.Hello{Version: wire.ProtocolVersion, RunID: testRun, From: from, To: to, Fingerprint: testFingerprint}
}

// checkFor admits hellos of the test run addressed to machine self.
func checkFor(self core.MachineID) func(wire.Hello) error {
	return func(h wire.Hello) error {
		switch {
		case h.RunID != testRun:
			return errors.New("wrong run " + h.RunID)
		case h.Fingerprint != testFingerprint:
			return errors.New("wrong fingerprint " + h.Fingerprint)
		case h.To != self:
			return errors.New("hello is for another machine")
		}
		return nil
	}
}

// inbox records what a server delivered.
type inbox struct {
	mu      sync.Mutex
	msgs    []core.Message
	froms   []core.MachineID
	changed chan struct{}
}

func newInbox() *inbox { return &inbox{changed: make(chan struct{}, 1)} }

func (b *inbox) deliver(from core.MachineID, m core.Message) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	b.froms = append(b.froms, from)
	b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

func (b *inbox) snapshot() []core.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]core.Message(nil), b.msgs...)
}

// waitFor waits until at least n messages arrived and returns them.
func (b *inbox) waitFor(t *testing.T, n int) []core.Message {
	t.Helper()
	deadline := time.NewTimer(patience)
	defer deadline.Stop()
	for {
		if msgs := b.snapshot(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-b.changed:
		case <-deadline.C:
			t.Fatalf("waited %v for %d messages, have %d", patience, n, len(b.snapshot()))
		}
	}
}

// serve starts a Server on a free loopback port and stops it, checking that
// Serve returned nil, when the test ends.
func serve(t *testing.T, check func(wire.Hello) error, box *inbox) *wire.Server {
	t.Helper()
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runServer(t, s, check, box)
	return s
}

func runServer(t *testing.T, s *wire.Server, check func(wire.Hello) error, box *inbox) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, check, box.deliver) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(patience):
			t.Errorf("Serve did not return within %v of its context ending", patience)
		}
	})
}

func dial(t *testing.T, addr string, h wire.Hello) *wire.Link {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := wire.Dial(ctx, addr, h, wire.Backoff{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func closeLink(t *testing.T, l *wire.Link) {
	t.Helper()
	if err := l.Close(patience); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// freePort reserves a loopback port and releases it, for a test that must
// dial an address before anything listens there.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// captureLogs sends slog's default logger to a buffer for the rest of the
// test. Tests of this package do not run in parallel, so the swap is safe.
func captureLogs(t *testing.T) *logBuffer {
	t.Helper()
	buf := &logBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad test hex %q: %v", s, err)
	}
	return b
}
