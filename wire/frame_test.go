package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"lamport/core"
	"lamport/wire"
)

func TestFrameRoundTrip(t *testing.T) {
	// Sizes around the reader's internal buffer (4 KiB) and the limit take
	// both of its paths.
	sizes := []int{0, 1, 127, 128, 300, 4095, 4096, 4097, 20000, wire.MaxFrameSize}
	var stream bytes.Buffer
	for i, n := range sizes {
		if err := wire.WriteFrame(&stream, bytes.Repeat([]byte{byte(i + 1)}, n)); err != nil {
			t.Fatal(err)
		}
	}
	fr := wire.NewFrameReader(&stream, wire.MaxFrameSize)
	for i, n := range sizes {
		p, err := fr.Next()
		if err != nil {
			t.Fatalf("frame %d (%d bytes): %v", i, n, err)
		}
		if !bytes.Equal(p, bytes.Repeat([]byte{byte(i + 1)}, n)) {
			t.Fatalf("frame %d: got %d bytes, want %d bytes of %d", i, len(p), n, i+1)
		}
	}
	for range 2 {
		if _, err := fr.Next(); err != io.EOF {
			t.Fatalf("after the last frame: %v, want io.EOF", err)
		}
	}
}

func TestFrameBytes(t *testing.T) {
	var buf bytes.Buffer
	if err := wire.WriteFrame(&buf, wire.AppendMessage(nil, core.Message{From: 2, Seq: 7, Clock: 42})); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.Bytes(), []byte{0x04, 0x93, 0x02, 0x07, 0x2a}; !bytes.Equal(got, want) {
		t.Errorf("frame % x, want % x", got, want)
	}
	// A 300-byte payload needs a two-byte prefix: 300 = 0b10_0101100.
	if got := wire.AppendFrame(nil, make([]byte, 300))[:2]; !bytes.Equal(got, []byte{0xac, 0x02}) {
		t.Errorf("prefix of a 300-byte frame % x, want ac 02", got)
	}
}

func TestWriteFrameRejectsOversize(t *testing.T) {
	var buf bytes.Buffer
	err := wire.WriteFrame(&buf, make([]byte, wire.MaxFrameSize+1))
	if !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Errorf("got %v, want ErrFrameTooLarge", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes of a rejected frame", buf.Len())
	}
}

func TestFrameReaderTruncated(t *testing.T) {
	full := wire.AppendFrame(nil, make([]byte, 10000))
	cases := map[string][]byte{
		"prefix cut":                {0x80},
		"long prefix cut":           {0xff, 0x80},
		"small payload cut":         {0x05, 0x93, 0x01},
		"prefix only":               {0x05},
		"large payload cut":         full[:5000],
		"second frame cut":          append(wire.AppendFrame(nil, []byte{1, 2}), 0x03, 0x01),
		"large payload, no payload": full[:2],
	}
	for name, stream := range cases {
		fr := wire.NewFrameReader(bytes.NewReader(stream), wire.MaxFrameSize)
		var err error
		for i := 0; i < 3 && err == nil; i++ {
			_, err = fr.Next()
		}
		if err != io.ErrUnexpectedEOF {
			t.Errorf("%s: got %v, want io.ErrUnexpectedEOF", name, err)
		}
		if _, again := fr.Next(); again != err {
			t.Errorf("%s: the error did not stick: then %v", name, again)
		}
	}
}

// headerOnly supplies a frame header one byte per Read and counts how much
// was asked for beyond it.
type headerOnly struct {
	header []byte
	reads  int
	beyond int
}

func (h *headerOnly) Read(p []byte) (int, error) {
	if h.reads >= len(h.header) {
		h.beyond++
		return 0, errors.New("read past the header")
	}
	p[0] = h.header[h.reads]
	h.reads++
	return 1, nil
}

// A frame declaring more than the limit is refused from its prefix alone:
// nothing after the header is read, and nothing of the declared size is
// allocated.
func TestFrameReaderRejectsOversizeBeforeReading(t *testing.T) {
	cases := map[string]struct {
		length   uint64
		max      int
		maxReads int // prefix bytes needed to know
	}{
		"one over the limit": {wire.MaxFrameSize + 1, wire.MaxFrameSize, 3},
		"a gigabyte":         {1 << 30, wire.MaxFrameSize, 5}, // its low bytes are 0x80
		"2^63":               {1 << 63, wire.MaxFrameSize, 10},
		"max uint64":         {1<<64 - 1, wire.MaxFrameSize, 3},
		"small limit":        {200, 100, 2},
	}
	for name, tc := range cases {
		src := &headerOnly{header: binary.AppendUvarint(nil, tc.length)}
		fr := wire.NewFrameReader(src, tc.max)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := fr.Next()
		runtime.ReadMemStats(&after)
		if !errors.Is(err, wire.ErrFrameTooLarge) {
			t.Errorf("%s: got %v, want ErrFrameTooLarge", name, err)
		}
		if src.beyond > 0 || src.reads > tc.maxReads {
			t.Errorf("%s: read %d prefix bytes and tried %d more; want at most %d", name, src.reads, src.beyond, tc.maxReads)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
			t.Errorf("%s: allocated %d bytes while refusing the frame", name, grew)
		}
	}
}

func TestFrameReaderRejectsOverlongPrefix(t *testing.T) {
	// Eleven bytes of a value that stays 0: no limit is crossed, but no
	// uvarint is that long.
	stream := append(bytes.Repeat([]byte{0x80}, 10), 0x00)
	_, err := wire.NewFrameReader(bytes.NewReader(stream), wire.MaxFrameSize).Next()
	if !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("got %v, want ErrMalformed", err)
	}
}

func TestFrameReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := wire.NewFrameReader(io.MultiReader(bytes.NewReader([]byte{0x05, 0x93}), errReader{boom}), 0).Next()
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want an error wrapping the reader's", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Random streams never panic the reader or the decoders, and every error
// is one of the documented kinds.
func TestFrameReaderGarbage(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0xfeed))
		stream := make([]byte, rng.IntN(2000))
		for i := range stream {
			stream[i] = byte(rng.Uint32())
		}
		// Small declared lengths make for more complete frames.
		if len(stream) > 0 && seed%2 == 0 {
			stream[0] &= 0x3f
		}
		fr := wire.NewFrameReader(bytes.NewReader(stream), 512)
		for frames := 0; ; frames++ {
			if frames > len(stream) {
				t.Fatalf("seed %d: more frames than bytes", seed)
			}
			p, err := fr.Next()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF &&
					!errors.Is(err, wire.ErrFrameTooLarge) && !errors.Is(err, wire.ErrMalformed) {
					t.Fatalf("seed %d: unexpected error %v", seed, err)
				}
				break
			}
			if len(p) > 512 {
				t.Fatalf("seed %d: payload of %d bytes over the limit", seed, len(p))
			}
			if _, err := wire.DecodeMessage(p); err != nil && !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("seed %d: DecodeMessage: %v", seed, err)
			}
			if _, err := wire.DecodeHello(p); err != nil && !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("seed %d: DecodeHello: %v", seed, err)
			}
			if _, err := wire.DecodeHelloReply(p); err != nil && !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("seed %d: DecodeHelloReply: %v", seed, err)
			}
		}
	}
}
