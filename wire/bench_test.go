package wire_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

var benchMessage = core.Message{From: 3, Seq: 123456, Clock: 654321}

// Realistic values for the frame-size benchmarks: a run of 100 machines
// late in a long run, where a sender has produced about 16 000 messages
// and clocks are near 100 000 (seq 16 000-16 999 takes a uint16, clock
// 100 000-104 999 a uint32).
const (
	benchSeq   = 16_000
	benchClock = 100_000
)

// benchEnvelope is the i-th message of a run of n machines: every sender
// in turn, to every other machine in turn.
func benchEnvelope(i, n int) (core.MachineID, core.Message) {
	from := i%n + 1
	to := (from+i/n%(n-1))%n + 1
	return core.MachineID(to), core.Message{From: core.MachineID(from), Seq: benchSeq + uint64(i%1000), Clock: benchClock + uint64(i%5000)}
}

func BenchmarkAppendMessage(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = wire.AppendMessage(buf[:0], benchMessage)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendTaggedMessage(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	to, m := benchEnvelope(12345, 100)
	for b.Loop() {
		buf = wire.AppendTaggedMessage(buf[:0], to, m)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(len(buf)), "payload-B/msg")
}

func BenchmarkDecodeMessage(b *testing.B) {
	b.ReportAllocs()
	payload := wire.AppendMessage(nil, benchMessage)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := wire.DecodeMessage(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTaggedMessage(b *testing.B) {
	b.ReportAllocs()
	to, m := benchEnvelope(12345, 100)
	payload := wire.AppendTaggedMessage(nil, to, m)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, _, err := wire.DecodeTaggedMessage(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopbackThroughput measures messages per second over one
// loopback TCP connection, from the first Send to the last delivery, with
// the realistic values of benchEnvelope, and reports the mean frame
// payload. "plain" is one machine's link to one peer (untagged frames of
// machine 3); "shared-N" is the shared connection of a process of N
// machines, every frame tagged with its target. "-secret" is the same with
// a shared secret, every frame carrying its MAC.
func BenchmarkLoopbackThroughput(b *testing.B) {
	secret := []byte("a benchmark's secret")
	b.Run("plain", func(b *testing.B) { benchLoopback(b, false, 100, nil) })
	b.Run("plain-secret", func(b *testing.B) { benchLoopback(b, false, 100, secret) })
	for _, n := range []int{100, 200} {
		b.Run(fmt.Sprintf("shared-%d", n), func(b *testing.B) { benchLoopback(b, true, n, nil) })
	}
	b.Run("shared-100-secret", func(b *testing.B) { benchLoopback(b, true, 100, secret) })
}

func benchLoopback(b *testing.B, shared bool, machines int, secret []byte) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s.Secret = secret
	var got atomic.Int64
	target := int64(-1)
	all := make(chan struct{})
	count := func() {
		if got.Add(1) == atomic.LoadInt64(&target) {
			close(all)
		}
	}
	s.Route = func(core.MachineID, core.Message) error { count(); return nil }
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- s.Serve(ctx, nil, func(core.MachineID, core.Message) { count() })
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			b.Error(err)
		}
	}()
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	l, err := wire.DialSecret(dctx, s.Addr().String(), wire.Hello{Version: wire.ProtocolVersion, From: 3, To: 1, Shared: shared}, wire.Backoff{}, secret)
	if err != nil {
		b.Fatal(err)
	}

	// The frames this run sends, measured before the clock starts.
	var payload int
	for i := range b.N {
		to, m := benchEnvelope(i, machines)
		if shared {
			payload += len(wire.AppendTaggedMessage(nil, to, m))
		} else {
			m.From = 3
			payload += len(wire.AppendMessage(nil, m))
		}
		if len(secret) > 0 {
			payload += wire.FrameMACSize
		}
	}
	atomic.StoreInt64(&target, int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		to, m := benchEnvelope(i, machines)
		if !shared {
			to, m.From = 1, 3
		}
		if err := l.SendTo(to, m); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("delivered %d of %d", got.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(payload)/float64(b.N), "payload-B/msg")
	if err := l.Close(10 * time.Second); err != nil {
		b.Error(err)
	}
}
