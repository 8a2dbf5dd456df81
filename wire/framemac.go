package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// FrameMACSize is what a connection with a shared secret adds to every
// frame after the handshake: the first bytes of an HMAC-SHA256. Eight bytes
// leave a forger one chance in 2^64 per try, and a connection ends at its
// first wrong tag, so it gets one try per handshake it can win, which
// without the secret is none.
const FrameMACSize = 8

// frameKeyLabel separates the frame key from the handshake's proofs.
const frameKeyLabel = "lamport wire v4 frame key\x00"

// frameMAC tags or checks the frames one connection carries after its
// handshake. The key is fresh per connection: an HMAC keyed by the secret
// over the handshake (both nonces and the dialer's proof), so a frame
// recorded on one connection is worth nothing on another. Each tag covers
// the frame's number on the connection, 0, 1, 2, ..., so a frame cannot be
// replayed, dropped or moved without the next tag failing.
//
// A nil *frameMAC is a connection without a secret: frames carry no tag.
type frameMAC struct {
	h hash.Hash
	n uint64
	// num and sum are scratch space kept here, so that a frame costs no
	// allocation.
	num [8]byte
	sum [sha256.Size]byte
}

// newFrameMAC derives the frame key of a connection whose handshake was
// hello, challenge and dialerProof, exactly as they went over the wire; nil
// without a secret.
func newFrameMAC(secret, hello, challenge, dialerProof []byte) *frameMAC {
	if len(secret) == 0 {
		return nil
	}
	return newFrameMACLabel(secret, frameKeyLabel, hello, challenge, dialerProof)
}

// newFrameMACLabel derives a frame key under label, which names the
// direction of the frames it tags.
func newFrameMACLabel(secret []byte, label string, hello, challenge, dialerProof []byte) *frameMAC {
	return &frameMAC{h: hmac.New(sha256.New, proofOf(secret, label, hello, challenge, dialerProof))}
}

// next returns the tag of payload as the connection's next frame.
func (f *frameMAC) next(payload []byte) []byte {
	binary.BigEndian.PutUint64(f.num[:], f.n)
	f.n++
	f.h.Reset()
	f.h.Write(f.num[:])
	f.h.Write(payload)
	return f.h.Sum(f.sum[:0])[:FrameMACSize]
}

// seal adds the tag to frame, the connection's next message frame as
// AppendMessageFrame or AppendTaggedMessageFrame made it: a one-byte length
// prefix and the payload. The tagged payload is still below 128 bytes, so
// the prefix stays one byte and the frame is sealed in place.
func (f *frameMAC) seal(frame []byte) []byte {
	if f == nil {
		return frame
	}
	frame = append(frame, f.next(frame[1:])...)
	frame[0] += FrameMACSize
	return frame
}

// open checks the tag of the connection's next frame and returns the
// payload before it; false if the tag is wrong or missing.
func (f *frameMAC) open(frame []byte) ([]byte, bool) {
	if f == nil {
		return frame, true
	}
	if len(frame) < FrameMACSize {
		return nil, false
	}
	payload, tag := frame[:len(frame)-FrameMACSize], frame[len(frame)-FrameMACSize:]
	return payload, hmac.Equal(tag, f.next(payload))
}

// overhead is what f adds to each frame's payload.
func (f *frameMAC) overhead() int {
	if f == nil {
		return 0
	}
	return FrameMACSize
}
