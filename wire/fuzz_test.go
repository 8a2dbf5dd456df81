package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"lamport/core"
	"lamport/wire"
)

func seedMessages(f *testing.F) {
	for _, tc := range roundTripMessages {
		f.Add(wire.AppendMessage(nil, tc.m))
	}
	for _, h := range []string{"", "c0", "90", "93000203", "9301020300", "dc0003010203", "93d0010203", "93ff0203", "93cf"} {
		f.Add(mustHex(f, h))
	}
}

func FuzzDecodeMessage(f *testing.F) {
	seedMessages(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, err := wire.DecodeMessage(payload)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again := wire.AppendMessage(nil, m)
		if len(again) > len(payload) {
			t.Fatalf("re-encoding %x as %x grew it; the encoder must pick the smallest form", payload, again)
		}
		back, err := wire.DecodeMessage(again)
		if err != nil || back != m {
			t.Fatalf("%+v re-encoded as %x decodes to %+v, %v", m, again, back, err)
		}
		if lib := libEncode(t, uint64(m.From), m.Seq, m.Clock); !bytes.Equal(lib, again) {
			t.Fatalf("msgpack library wrote %x; AppendMessage %x", lib, again)
		}
	})
}

func FuzzDecodeTaggedMessage(f *testing.F) {
	f.Add(wire.AppendTaggedMessage(nil, 1, core.Message{From: 2, Seq: 7, Clock: 42}))
	f.Add(wire.AppendTaggedMessage(nil, 200, core.Message{From: 100, Seq: 16000, Clock: 100000}))
	for _, h := range []string{"", "94", "9400020304", "94010203", "940102030400", "93020304", "94cf0000000100000000020304"} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		to, m, err := wire.DecodeTaggedMessage(payload)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again := wire.AppendTaggedMessage(nil, to, m)
		if len(again) > len(payload) {
			t.Fatalf("re-encoding %x as %x grew it; the encoder must pick the smallest form", payload, again)
		}
		if bto, back, err := wire.DecodeTaggedMessage(again); err != nil || bto != to || back != m {
			t.Fatalf("%d %+v re-encoded as %x decodes to %d %+v, %v", to, m, again, bto, back, err)
		}
	})
}

func FuzzDecodeHello(f *testing.F) {
	f.Add(wire.AppendHello(nil, helloFrom(2, 1)))
	f.Add(wire.AppendHello(nil, wire.Hello{Version: wire.ProtocolVersion, RunID: "r", From: 1, To: 1, Shared: true}))
	f.Add(wire.AppendHello(nil, wire.Hello{Version: 65535, RunID: strings.Repeat("r", 256), From: 1<<32 - 1, To: 1}))
	f.Add(wire.AppendHello(nil, wire.Hello{From: 1, To: 2, RunID: strings.Repeat("x", 300)}))
	for _, h := range []string{"", "95", "9501a0", "9501a00101a0", "9501a00101a000", "9501dbffffffff0101a0",
		"9602a00101a0c420" + strings.Repeat("00", 32), "9602a00101a0c41f", "9602a00101a0c6ffffffff"} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		h, err := wire.DecodeHello(payload)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("decoded hello %+v fails Validate: %v", h, err)
		}
		back, err := wire.DecodeHello(wire.AppendHello(nil, h))
		if err != nil || back != h {
			t.Fatalf("%+v re-encoded decodes to %+v, %v", h, back, err)
		}
	})
}

func FuzzDecodeHelloReply(f *testing.F) {
	f.Add(wire.AppendHelloReply(nil, wire.HelloReply{OK: true}))
	f.Add(wire.AppendHelloReply(nil, wire.HelloReply{Reason: "wrong run"}))
	f.Add(wire.AppendHelloReply(nil, wire.HelloReply{Reason: strings.Repeat("é", 600)}))
	for _, h := range []string{"", "92", "92c3", "92c3a000", "92c0a0", "92c2dbffffffff"} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := wire.DecodeHelloReply(payload)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		back, err := wire.DecodeHelloReply(wire.AppendHelloReply(nil, r))
		if err != nil || back.OK != r.OK || back.Reason != r.Reason || !bytes.Equal(back.Proof, r.Proof) {
			t.Fatalf("%+v re-encoded decodes to %+v, %v", r, back, err)
		}
	})
}

func FuzzDecodeChallenge(f *testing.F) {
	f.Add(wire.AppendChallenge(nil, wire.Challenge{}))
	var c wire.Challenge
	for i := range c.Nonce {
		c.Nonce[i] = byte(i)
	}
	f.Add(wire.AppendChallenge(nil, c))
	for _, h := range []string{"", "91", "91c4", "91c420", "91c41f", "92c400c400", "91c5002000", "91c6ffffffff", "91a0"} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := wire.DecodeChallenge(payload)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		back, err := wire.DecodeChallenge(wire.AppendChallenge(nil, c))
		if err != nil || back != c {
			t.Fatalf("%+v re-encoded decodes to %+v, %v", c, back, err)
		}
	})
}

func FuzzDecodeProof(f *testing.F) {
	f.Add(wire.AppendProof(nil, wire.Proof{}))
	f.Add(wire.AppendProof(nil, wire.Proof{MAC: wire.DialerProof([]byte("k"), []byte("hello"), []byte("challenge"))}))
	for _, h := range []string{"", "91", "91c4", "91c401", "91c41f", "91c421", "91c40000", "91c50000", "91c6ffffffff", "90"} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := wire.DecodeProof(payload)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if n := len(p.MAC); n != 0 && n != wire.ProofSize {
			t.Fatalf("decoded a proof of %d bytes", n)
		}
		back, err := wire.DecodeProof(wire.AppendProof(nil, p))
		if err != nil || !bytes.Equal(back.MAC, p.MAC) {
			t.Fatalf("%x re-encoded decodes to %x, %v", p.MAC, back.MAC, err)
		}
	})
}

// FuzzFrameReader reads a stream under a small limit. Every payload it
// returns must respect the limit and survive being framed again; every
// message in it must survive re-encoding.
func FuzzFrameReader(f *testing.F) {
	var stream []byte
	for _, tc := range roundTripMessages {
		stream = wire.AppendMessageFrame(stream, tc.m)
	}
	f.Add(stream)
	f.Add(wire.AppendFrame(wire.AppendFrame(nil, wire.AppendHello(nil, helloFrom(2, 1))), wire.AppendMessage(nil, core.Message{From: 2, Seq: 1, Clock: 1})))
	f.Add([]byte{})
	f.Add([]byte{0x00})
	f.Add([]byte{0x80})
	f.Add([]byte{0x05, 0x93, 0x01})
	f.Add(binary.AppendUvarint(nil, 1<<40))
	f.Add(append(bytes.Repeat([]byte{0x80}, 10), 0))
	f.Add(wire.AppendFrame(nil, bytes.Repeat([]byte{0x93}, 300)))

	const limit = 256
	f.Fuzz(func(t *testing.T, stream []byte) {
		fr := wire.NewFrameReader(bytes.NewReader(stream), limit)
		var payloads [][]byte
		var err error
		for len(payloads) <= len(stream) {
			var p []byte
			if p, err = fr.Next(); err != nil {
				break
			}
			if len(p) > limit {
				t.Fatalf("payload of %d bytes over the limit %d", len(p), limit)
			}
			payloads = append(payloads, bytes.Clone(p))

			m, derr := wire.DecodeMessage(p)
			if derr != nil {
				continue
			}
			// A message frame's prefix is one byte, so the frame can be
			// checked without another reader.
			frame := wire.AppendMessageFrame(nil, m)
			if int(frame[0]) != len(frame)-1 {
				t.Fatalf("%+v framed as %x: prefix does not match the payload", m, frame)
			}
			if m2, derr := wire.DecodeMessage(frame[1:]); derr != nil || m2 != m {
				t.Fatalf("%+v re-framed decodes to %+v, %v", m, m2, derr)
			}
		}
		switch {
		case err == nil:
			t.Fatalf("%d frames from %d bytes", len(payloads), len(stream))
		case err == io.EOF, err == io.ErrUnexpectedEOF,
			errors.Is(err, wire.ErrFrameTooLarge), errors.Is(err, wire.ErrMalformed):
		default:
			t.Fatalf("unexpected error %v", err)
		}

		// The frames read so far, written again, read back the same.
		var again bytes.Buffer
		for _, p := range payloads {
			if werr := wire.WriteFrame(&again, p); werr != nil {
				t.Fatal(werr)
			}
		}
		fr = wire.NewFrameReader(&again, limit)
		for i, want := range payloads {
			got, rerr := fr.Next()
			if rerr != nil || !bytes.Equal(got, want) {
				t.Fatalf("frame %d rewritten reads back as %x, %v; want %x", i, got, rerr, want)
			}
		}
		if _, rerr := fr.Next(); rerr != io.EOF {
			t.Fatalf("rewritten stream ends with %v, want io.EOF", rerr)
		}
	})
}
