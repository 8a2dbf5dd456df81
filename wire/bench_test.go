package wire_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

var benchMessage = core.Message{From: 3, Seq: 123456, Clock: 654321}

func BenchmarkAppendMessage(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = wire.AppendMessage(buf[:0], benchMessage)
	}
	b.SetBytes(int64(len(buf)))
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

// BenchmarkLoopbackThroughput measures messages per second from one Link to
// one Server over loopback TCP, from the first Send to the last delivery.
func BenchmarkLoopbackThroughput(b *testing.B) {
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64
	target := int64(-1)
	all := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- s.Serve(ctx, nil, func(_ core.MachineID, _ core.Message) {
			if got.Add(1) == atomic.LoadInt64(&target) {
				close(all)
			}
		})
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			b.Error(err)
		}
	}()
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	l, err := wire.Dial(dctx, s.Addr().String(), wire.Hello{Version: wire.ProtocolVersion, From: 3, To: 1}, wire.Backoff{})
	if err != nil {
		b.Fatal(err)
	}

	atomic.StoreInt64(&target, int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	m := benchMessage
	for i := range b.N {
		m.Seq = uint64(i + 1)
		if err := l.Send(m); err != nil {
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
	if err := l.Close(10 * time.Second); err != nil {
		b.Error(err)
	}
}
