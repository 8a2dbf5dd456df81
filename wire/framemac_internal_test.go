package wire

import (
	"testing"

	"lamport/core"
)

// BenchmarkFrameMAC is the CPU a secret adds to each message frame: the
// sender's seal and the receiver's open of a typical 10-byte message.
func BenchmarkFrameMAC(b *testing.B) {
	frame := AppendMessageFrame(nil, core.Message{From: 3, Seq: 16000, Clock: 100000})
	b.Run("seal", func(b *testing.B) {
		f := newFrameMAC([]byte("secret"), []byte("hello"), []byte("challenge"), []byte("proof"))
		buf := make([]byte, 0, len(frame)+FrameMACSize)
		b.ReportAllocs()
		for b.Loop() {
			buf = f.seal(append(buf[:0], frame...))
		}
	})
	b.Run("open", func(b *testing.B) {
		seal := newFrameMAC([]byte("secret"), []byte("hello"), []byte("challenge"), []byte("proof"))
		open := newFrameMAC([]byte("secret"), []byte("hello"), []byte("challenge"), []byte("proof"))
		sealed := seal.seal(append([]byte(nil), frame...))[1:]
		b.ReportAllocs()
		for b.Loop() {
			// Each open advances the frame number; keep it at the sealed one.
			open.n = 0
			if _, ok := open.open(sealed); !ok {
				b.Fatal("a sealed frame did not open")
			}
		}
	})
}

// TestSealedFrameOpensOnlyInOrder: the receiver's key opens the sender's
// frames in the order sealed, and not a frame sealed by another
// connection's key.
func TestSealedFrameOpensOnlyInOrder(t *testing.T) {
	key := func(nonce string) *frameMAC {
		return newFrameMAC([]byte("secret"), []byte("hello"+nonce), []byte("challenge"), []byte("proof"))
	}
	sender, receiver, other := key("a"), key("a"), key("b")
	var frames [][]byte
	for seq := uint64(1); seq <= 3; seq++ {
		frames = append(frames, sender.seal(AppendMessageFrame(nil, core.Message{From: 1, Seq: seq, Clock: seq})))
	}
	for i, f := range frames {
		if int(f[0]) != len(f)-1 {
			t.Fatalf("frame %d: prefix %d for a %d-byte payload", i, f[0], len(f)-1)
		}
		p, ok := receiver.open(f[1:])
		if !ok {
			t.Fatalf("frame %d did not open in order", i)
		}
		if m, err := DecodeMessage(p); err != nil || m.Seq != uint64(i+1) {
			t.Fatalf("frame %d opened to %v, %v", i, m, err)
		}
	}
	if _, ok := other.open(frames[0][1:]); ok {
		t.Fatal("another connection's key opened a frame")
	}
	if _, ok := key("a").open(frames[1][1:]); ok {
		t.Fatal("frame 1 opened as a connection's first frame")
	}
	if f := (*frameMAC)(nil).seal([]byte{1, 2}); len(f) != 2 {
		t.Fatalf("without a secret a frame grew to %d bytes", len(f))
	}
}
