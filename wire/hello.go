package wire

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"lamport/core"
	"lamport/internal/msgp"
)

// ProtocolVersion is the version a Hello carries. It changes whenever the
// payload or frame layout does; a server refuses a version it does not
// speak before anything else. Version 2 added the nonce to the hello, the
// challenge and proof frames, and the proof to the reply (see auth.go).
// Version 3 added Shared to the hello: a shared connection carries the
// messages of many machine pairs, each frame tagged with its target.
// Version 4 added, on a connection with a secret, a MAC to every frame
// after the handshake (see framemac.go). Version 5 added Probes and
// AwaitStart to the hello: the clock probes and the run's start that
// follow an OK reply (see clocksync.go).
const ProtocolVersion = 5

// Bounds on the handshake's strings, so that a hostile hello or reply can
// make its reader allocate at most a few kilobytes.
const (
	MaxRunIDLen       = 256
	MaxFingerprintLen = 256
	MaxReasonLen      = 1024
)

// Hello is the first frame on every connection, sent by the dialer: who it
// is, whom it believes it is calling, and what run it belongs to, so that a
// machine never accepts messages from another run or another config.
type Hello struct {
	Version     uint16
	RunID       string
	From        core.MachineID // the dialing machine
	To          core.MachineID // the machine it believes it is dialing
	Fingerprint string         // core.Fingerprint of the run's config and params
	// Nonce is the dialer's fresh random challenge to the server; Dial
	// fills it for every attempt, whatever the caller put here.
	Nonce [NonceSize]byte
	// Shared says the connection is not machine From's alone: it carries
	// messages between any machines of the dialing process (From is one
	// of them) and any machines of the listening one (To is the one whose
	// address was dialled), each frame tagged with its target
	// (AppendTaggedMessage). A plain connection (false) carries only From's
	// messages to To, untagged (AppendMessage).
	Shared bool
	// Probes is how many clock probes the dialer sends after an OK reply,
	// each answered with the server's clock (0..MaxProbes), so the dialer
	// can estimate the offset between the two machines' clocks.
	Probes uint8
	// AwaitStart asks the server, after the probes, for the instant the
	// run starts; the dialer waits for it.
	AwaitStart bool
}

// Validate reports whether h can be encoded as a hello that DecodeHello
// accepts. Dial checks it up front, so a bad hello is a local error rather
// than a refusal by every peer.
func (h Hello) Validate() error {
	switch {
	case h.From == 0:
		return errors.New("hello: From must be a positive machine id")
	case h.To == 0:
		return errors.New("hello: To must be a positive machine id")
	case len(h.RunID) > MaxRunIDLen:
		return fmt.Errorf("hello: run id of %d bytes, limit %d", len(h.RunID), MaxRunIDLen)
	case len(h.Fingerprint) > MaxFingerprintLen:
		return fmt.Errorf("hello: fingerprint of %d bytes, limit %d", len(h.Fingerprint), MaxFingerprintLen)
	case h.Probes > MaxProbes:
		return fmt.Errorf("hello: %d clock probes, limit %d", h.Probes, MaxProbes)
	}
	return nil
}

// AppendHello appends h's payload, the msgpack array
// [version, runID, from, to, fingerprint, nonce, shared, probes,
// await_start], to dst. It
// encodes h as it is; call Validate first if h may break the limits.
func AppendHello(dst []byte, h Hello) []byte {
	dst = msgp.AppendArrayHeader(dst, helloFields)
	dst = msgp.AppendUint(dst, uint64(h.Version))
	dst = msgp.AppendStr(dst, h.RunID)
	dst = msgp.AppendUint(dst, uint64(h.From))
	dst = msgp.AppendUint(dst, uint64(h.To))
	dst = msgp.AppendStr(dst, h.Fingerprint)
	dst = msgp.AppendBin(dst, h.Nonce[:])
	dst = msgp.AppendBool(dst, h.Shared)
	dst = msgp.AppendUint(dst, uint64(h.Probes))
	return msgp.AppendBool(dst, h.AwaitStart)
}

// helloFields is the length of a hello's array in this version.
const helloFields = 9

// DecodeHello parses a hello payload: exactly nine elements, a version
// that fits uint16, machine ids in 1..2^32-1, strings within their limits,
// a binary nonce of exactly NonceSize bytes, a boolean, a probe count up
// to MaxProbes, a boolean, and no trailing
// bytes. It does not judge the values; that is the server's check. Errors
// wrap ErrMalformed.
func DecodeHello(payload []byte) (Hello, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, helloFields); err != nil {
		return Hello{}, fmt.Errorf("hello: %w", err)
	}
	var h Hello
	version, err := d.Uint()
	if err != nil {
		return Hello{}, fmt.Errorf("hello version: %w", malformedValue(err))
	}
	if version > math.MaxUint16 {
		return Hello{}, fmt.Errorf("hello version: %w", malformed("%d does not fit 16 bits", version))
	}
	h.Version = uint16(version)
	if h.RunID, err = d.Str(MaxRunIDLen); err != nil {
		return Hello{}, fmt.Errorf("hello run id: %w", malformedValue(err))
	}
	if h.From, err = readMachineID(&d); err != nil {
		return Hello{}, fmt.Errorf("hello from: %w", err)
	}
	if h.To, err = readMachineID(&d); err != nil {
		return Hello{}, fmt.Errorf("hello to: %w", err)
	}
	if h.Fingerprint, err = d.Str(MaxFingerprintLen); err != nil {
		return Hello{}, fmt.Errorf("hello fingerprint: %w", malformedValue(err))
	}
	if h.Nonce, err = readNonce(&d); err != nil {
		return Hello{}, fmt.Errorf("hello nonce: %w", err)
	}
	if h.Shared, err = d.Bool(); err != nil {
		return Hello{}, fmt.Errorf("hello shared: %w", malformedValue(err))
	}
	probes, err := d.UintMax(MaxProbes)
	if err != nil {
		return Hello{}, fmt.Errorf("hello probes: %w", malformedValue(err))
	}
	h.Probes = uint8(probes)
	if h.AwaitStart, err = d.Bool(); err != nil {
		return Hello{}, fmt.Errorf("hello await start: %w", malformedValue(err))
	}
	if err := noTrailing(&d); err != nil {
		return Hello{}, fmt.Errorf("hello: %w", err)
	}
	return h, nil
}

// peekVersion reads the version a hello payload starts with, if it starts
// like a hello at all, so a refusal can name a version mismatch.
func peekVersion(payload []byte) (uint64, bool) {
	d := msgp.NewDecoder(payload)
	if err := d.SkipArrayHeader(); err == nil {
		if v, err := d.Uint(); err == nil {
			return v, true
		}
	}
	return 0, false
}

// HelloReply is the server's last handshake frame: whether it admits the
// dialer and, if not, why, in words meant for the person running the
// dialer. It also ends a handshake early, in place of the challenge, when
// the hello itself is refused.
type HelloReply struct {
	OK     bool
	Reason string
	// Proof is the server's proof of the shared secret (ServerProof), or
	// empty when the server has none or refuses.
	Proof []byte
}

// AppendHelloReply appends r's payload, the msgpack array
// [ok, reason, proof], to dst. A reason longer than MaxReasonLen bytes is
// cut (at a rune boundary) to fit, since an explanation is worth sending
// even when shortened.
func AppendHelloReply(dst []byte, r HelloReply) []byte {
	dst = msgp.AppendArrayHeader(dst, 3)
	dst = msgp.AppendBool(dst, r.OK)
	dst = msgp.AppendStr(dst, truncateUTF8(r.Reason, MaxReasonLen))
	return msgp.AppendBin(dst, r.Proof)
}

// DecodeHelloReply parses a reply payload: exactly [bool, string, bin] with
// the string within MaxReasonLen, a proof of 0 or ProofSize bytes and no
// trailing bytes. Errors wrap ErrMalformed.
func DecodeHelloReply(payload []byte) (HelloReply, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 3); err != nil {
		return HelloReply{}, fmt.Errorf("hello reply: %w", err)
	}
	var (
		r   HelloReply
		err error
	)
	if r.OK, err = d.Bool(); err != nil {
		return HelloReply{}, fmt.Errorf("hello reply ok: %w", malformedValue(err))
	}
	if r.Reason, err = d.Str(MaxReasonLen); err != nil {
		return HelloReply{}, fmt.Errorf("hello reply reason: %w", malformedValue(err))
	}
	if r.Proof, err = readProof(&d); err != nil {
		return HelloReply{}, fmt.Errorf("hello reply proof: %w", err)
	}
	if err := noTrailing(&d); err != nil {
		return HelloReply{}, fmt.Errorf("hello reply: %w", err)
	}
	return r, nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// A rune is at most UTFMax bytes, so look back no further: in invalid
	// UTF-8 there may be no rune start at all.
	for cut := n; cut > n-utf8.UTFMax && cut > 0; cut-- {
		if utf8.RuneStart(s[cut]) {
			return s[:cut]
		}
	}
	return s[:n]
}
