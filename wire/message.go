package wire

import (
	"fmt"

	"lamport/core"
	"lamport/internal/msgp"
)

// MaxMessageSize is the largest payload AppendMessage produces: a fixarray
// header, a uint32 sender and two uint64s. Typical messages (sender below
// 128, sequence and clock below 2^16) take 4 to 8 bytes.
const MaxMessageSize = 1 + 5 + 9 + 9

// AppendMessage appends m's payload, the msgpack array [from, seq, clock]
// with each integer in its smallest encoding, to dst. It does not allocate
// when dst has MaxMessageSize bytes of spare capacity.
func AppendMessage(dst []byte, m core.Message) []byte {
	dst = msgp.AppendArrayHeader(dst, 3)
	dst = msgp.AppendUint(dst, uint64(m.From))
	dst = msgp.AppendUint(dst, m.Seq)
	return msgp.AppendUint(dst, m.Clock)
}

// AppendMessageFrame appends m as a complete frame, length prefix and
// payload, to dst. Since a message payload is never longer than 127 bytes
// its prefix is always one byte, which lets the payload be written in place.
func AppendMessageFrame(dst []byte, m core.Message) []byte {
	dst = append(dst, 0)
	at := len(dst)
	dst = AppendMessage(dst, m)
	dst[at-1] = byte(len(dst) - at)
	return dst
}

// DecodeMessage parses a message payload. It is strict, because a payload
// that is almost right is more likely a bug or an attack than a message:
// the array must have exactly three elements, each a non-negative integer,
// From must be positive and fit a MachineID, and nothing may follow. Errors
// wrap ErrMalformed.
func DecodeMessage(payload []byte) (core.Message, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 3); err != nil {
		return core.Message{}, fmt.Errorf("message: %w", err)
	}
	return decodeMessageFields(&d)
}

// decodeMessageFields parses from, seq and clock, the end of a message
// payload; its errors say which field was wrong.
func decodeMessageFields(d *msgp.Decoder) (core.Message, error) {
	from, err := readMachineID(d)
	if err != nil {
		return core.Message{}, fmt.Errorf("message sender: %w", err)
	}
	seq, err := d.Uint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message seq: %w", malformedValue(err))
	}
	clock, err := d.Uint()
	if err != nil {
		return core.Message{}, fmt.Errorf("message clock: %w", malformedValue(err))
	}
	if err := noTrailing(d); err != nil {
		return core.Message{}, fmt.Errorf("message: %w", err)
	}
	return core.Message{From: from, Seq: seq, Clock: clock}, nil
}

// MaxTaggedMessageSize is the largest payload AppendTaggedMessage
// produces: a message with a uint32 target in front.
const MaxTaggedMessageSize = MaxMessageSize + 5

// AppendTaggedMessage appends the payload of m on a shared connection, the
// msgpack array [to, from, seq, clock] with each integer in its smallest
// encoding, to dst: one byte more than AppendMessage for a target below
// 128. It does not allocate when dst has MaxTaggedMessageSize bytes of
// spare capacity.
func AppendTaggedMessage(dst []byte, to core.MachineID, m core.Message) []byte {
	dst = msgp.AppendArrayHeader(dst, 4)
	dst = msgp.AppendUint(dst, uint64(to))
	dst = msgp.AppendUint(dst, uint64(m.From))
	dst = msgp.AppendUint(dst, m.Seq)
	return msgp.AppendUint(dst, m.Clock)
}

// AppendTaggedMessageFrame appends m for machine to as a complete frame,
// its one-byte length prefix and AppendTaggedMessage's payload, to dst.
func AppendTaggedMessageFrame(dst []byte, to core.MachineID, m core.Message) []byte {
	dst = append(dst, 0)
	at := len(dst)
	dst = AppendTaggedMessage(dst, to, m)
	dst[at-1] = byte(len(dst) - at)
	return dst
}

// DecodeTaggedMessage parses a tagged message payload as strictly as
// DecodeMessage: exactly four non-negative integers, a target and a sender
// that fit a MachineID and are positive, and nothing after them. Errors
// wrap ErrMalformed.
func DecodeTaggedMessage(payload []byte) (core.MachineID, core.Message, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 4); err != nil {
		return 0, core.Message{}, fmt.Errorf("tagged message: %w", err)
	}
	to, err := readMachineID(&d)
	if err != nil {
		return 0, core.Message{}, fmt.Errorf("tagged message target: %w", err)
	}
	m, err := decodeMessageFields(&d)
	if err != nil {
		return 0, core.Message{}, fmt.Errorf("tagged %w", err)
	}
	return to, m, nil
}
