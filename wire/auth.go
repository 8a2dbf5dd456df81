package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"lamport/internal/msgp"
)

// The handshake, since protocol version 2, is four frames (version 3 added
// the shared flag to the hello):
//
//	dialer → server   Hello       [version, run_id, from, to, fingerprint, dialer_nonce, shared]
//	server → dialer   Challenge   [server_nonce]      (or a refusing HelloReply)
//	dialer → server   Proof       [dialer_proof]
//	server → dialer   HelloReply  [ok, reason, server_proof]
//
// With a shared secret, each proof is an HMAC-SHA256 keyed by the secret
// over everything said so far: the hello's bytes (with the dialer's nonce)
// and the challenge's bytes (with the server's), and for the server's
// proof also the dialer's. Fresh nonces on both sides mean a recorded
// proof is worth nothing in another handshake; a label per direction means
// a proof cannot be reflected back; covering the hello's bytes ties the
// proof to the machine id it claims. The secret itself never leaves the
// process. Without a secret the proofs are empty and the exchange still
// happens, which is how each side notices that the other has a secret
// when it has none.

// NonceSize is the length of each side's random nonce.
const NonceSize = 32

// ProofSize is the length of a proof: one HMAC-SHA256.
const ProofSize = sha256.Size

// maxHandshakeFrame bounds every handshake frame, in both directions. The
// largest legal one is a reply with the longest reason (about 1.1 KiB), so
// a connection that has not authenticated can never make its reader grow
// past the reader's own 4 KiB buffer.
const maxHandshakeFrame = 2 << 10

// Labels separate the two directions' proofs. They still say v2: the
// authentication has not changed since that version.
const (
	dialerLabel = "lamport wire v2 dialer proof\x00"
	serverLabel = "lamport wire v2 server proof\x00"
)

// Challenge is the server's answer to a hello it will consider: its own
// fresh nonce, which the dialer's proof must cover.
type Challenge struct {
	Nonce [NonceSize]byte
}

// AppendChallenge appends c's payload, the msgpack array [nonce], to dst.
func AppendChallenge(dst []byte, c Challenge) []byte {
	dst = msgp.AppendArrayHeader(dst, 1)
	return msgp.AppendBin(dst, c.Nonce[:])
}

// DecodeChallenge parses a challenge payload: exactly one binary element
// of NonceSize bytes and nothing after it. Errors wrap ErrMalformed.
func DecodeChallenge(payload []byte) (Challenge, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 1); err != nil {
		return Challenge{}, fmt.Errorf("challenge: %w", err)
	}
	nonce, err := readNonce(&d)
	if err != nil {
		return Challenge{}, fmt.Errorf("challenge nonce: %w", err)
	}
	if err := noTrailing(&d); err != nil {
		return Challenge{}, fmt.Errorf("challenge: %w", err)
	}
	return Challenge{Nonce: nonce}, nil
}

// readNonce reads a nonce field: binary data of exactly NonceSize bytes.
func readNonce(d *msgp.Decoder) ([NonceSize]byte, error) {
	var nonce [NonceSize]byte
	b, err := d.Bin(NonceSize)
	if err != nil {
		return nonce, malformedValue(err)
	}
	if len(b) != NonceSize {
		return nonce, malformed("%d bytes, want %d", len(b), NonceSize)
	}
	copy(nonce[:], b)
	return nonce, nil
}

// Proof is the dialer's answer to a challenge.
type Proof struct {
	// MAC is DialerProof(secret, ...), or empty when the dialer has no
	// secret.
	MAC []byte
}

// AppendProof appends p's payload, the msgpack array [mac], to dst.
func AppendProof(dst []byte, p Proof) []byte {
	dst = msgp.AppendArrayHeader(dst, 1)
	return msgp.AppendBin(dst, p.MAC)
}

// DecodeProof parses a proof payload: exactly one binary element of 0 or
// ProofSize bytes and nothing after it. Errors wrap ErrMalformed.
func DecodeProof(payload []byte) (Proof, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 1); err != nil {
		return Proof{}, fmt.Errorf("proof: %w", err)
	}
	mac, err := readProof(&d)
	if err != nil {
		return Proof{}, fmt.Errorf("proof: %w", err)
	}
	if err := noTrailing(&d); err != nil {
		return Proof{}, fmt.Errorf("proof: %w", err)
	}
	return Proof{MAC: mac}, nil
}

// readProof reads a proof field: empty, or exactly ProofSize bytes. An
// empty proof decodes as nil, so a decoded value compares like the one
// encoded.
func readProof(d *msgp.Decoder) ([]byte, error) {
	mac, err := d.Bin(ProofSize)
	if err != nil {
		return nil, malformedValue(err)
	}
	switch len(mac) {
	case 0:
		return nil, nil
	case ProofSize:
		return append([]byte(nil), mac...), nil
	}
	return nil, malformed("proof of %d bytes, want 0 or %d", len(mac), ProofSize)
}

// DialerProof is what a dialer holding secret answers to challenge, where
// hello and challenge are the payloads exactly as they went over the wire.
func DialerProof(secret, hello, challenge []byte) []byte {
	return proofOf(secret, dialerLabel, hello, challenge, nil)
}

// ServerProof is what a server holding secret puts in its OK reply after
// the dialer proved itself with dialerProof.
func ServerProof(secret, hello, challenge, dialerProof []byte) []byte {
	return proofOf(secret, serverLabel, hello, challenge, dialerProof)
}

// proofOf MACs the label and each part with its length in front, so that
// no two different transcripts give the same input.
func proofOf(secret []byte, label string, parts ...[]byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(label))
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		mac.Write(binary.AppendUvarint(n[:0], uint64(len(p))))
		mac.Write(p)
	}
	return mac.Sum(nil)
}

// newNonce returns NonceSize bytes from crypto/rand, which never fails on
// the platforms Go supports (it crashes the program rather than return
// weak bytes).
func newNonce() [NonceSize]byte {
	var n [NonceSize]byte
	_, _ = rand.Read(n[:])
	return n
}
