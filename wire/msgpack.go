package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The msgpack format bytes this package writes or reads
// (https://github.com/msgpack/msgpack/blob/master/spec.md).
const (
	mpPosFixintMax = 0x7f
	mpFixArray     = 0x90 // | n, n <= 15
	mpFixStr       = 0xa0 // | n, n <= 31
	mpNil          = 0xc0
	mpFalse        = 0xc2
	mpTrue         = 0xc3
	mpBin8         = 0xc4
	mpBin16        = 0xc5
	mpBin32        = 0xc6
	mpUint8        = 0xcc
	mpUint16       = 0xcd
	mpUint32       = 0xce
	mpUint64       = 0xcf
	mpInt8         = 0xd0
	mpInt16        = 0xd1
	mpInt32        = 0xd2
	mpInt64        = 0xd3
	mpStr8         = 0xd9
	mpStr16        = 0xda
	mpStr32        = 0xdb
	mpArray16      = 0xdc
	mpArray32      = 0xdd
)

// appendUint writes v in the smallest msgpack encoding, so small values,
// the common case for ids, sequence numbers and clocks, cost one byte.
func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v <= mpPosFixintMax:
		return append(dst, byte(v))
	case v <= math.MaxUint8:
		return append(dst, mpUint8, byte(v))
	case v <= math.MaxUint16:
		return append(dst, mpUint16, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		return append(dst, mpUint32, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	default:
		return binary.BigEndian.AppendUint64(append(dst, mpUint64), v)
	}
}

// appendArrayHeader writes a fixarray header. Every array of this protocol
// has a fixed, small length, so a longer one is a bug here, not bad input.
func appendArrayHeader(dst []byte, n int) []byte {
	if n < 0 || n > 15 {
		panic("wire: fixarray length out of range")
	}
	return append(dst, mpFixArray|byte(n))
}

func appendStr(dst []byte, s string) []byte {
	n := len(s)
	switch {
	case n <= 31:
		dst = append(dst, mpFixStr|byte(n))
	case n <= math.MaxUint8:
		dst = append(dst, mpStr8, byte(n))
	case n <= math.MaxUint16:
		dst = append(dst, mpStr16, byte(n>>8), byte(n))
	default:
		dst = append(dst, mpStr32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, s...)
}

// appendBin writes b as msgpack binary data. Every binary field of this
// protocol (nonces, proofs) is short, so bin8 always fits; a longer one is
// a bug here, not bad input.
func appendBin(dst []byte, b []byte) []byte {
	if len(b) > math.MaxUint8 {
		panic("wire: binary field longer than 255 bytes")
	}
	dst = append(dst, mpBin8, byte(len(b)))
	return append(dst, b...)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, mpTrue)
	}
	return append(dst, mpFalse)
}

// The readers below take a payload, decode one value from its front and
// return the rest. They accept every encoding msgpack allows for the value,
// not only the one the appenders write, so another msgpack library can
// speak the protocol.

// readUint reads a non-negative integer. Signed encodings are accepted when
// the value is not negative, because some encoders write every integer as
// signed.
func readUint(b []byte) (uint64, []byte, error) {
	if len(b) == 0 {
		return 0, nil, malformed("want an integer, found the end of the payload")
	}
	c := b[0]
	if c <= mpPosFixintMax {
		return uint64(c), b[1:], nil
	}
	var size int
	signed := false
	switch c {
	case mpUint8:
		size = 1
	case mpUint16:
		size = 2
	case mpUint32:
		size = 4
	case mpUint64:
		size = 8
	case mpInt8:
		size, signed = 1, true
	case mpInt16:
		size, signed = 2, true
	case mpInt32:
		size, signed = 4, true
	case mpInt64:
		size, signed = 8, true
	default:
		if c >= 0xe0 {
			return 0, nil, malformed("want a non-negative integer, found a negative one")
		}
		return 0, nil, malformed("want an integer, found %s", describe(c))
	}
	if len(b) < 1+size {
		return 0, nil, malformed("integer truncated: want %d bytes, have %d", size, len(b)-1)
	}
	var v uint64
	for _, x := range b[1 : 1+size] {
		v = v<<8 | uint64(x)
	}
	if signed && b[1]&0x80 != 0 {
		return 0, nil, malformed("want a non-negative integer, found a negative one")
	}
	return v, b[1+size:], nil
}

func readArrayLen(b []byte) (int, []byte, error) {
	if len(b) == 0 {
		return 0, nil, malformed("want an array, found the end of the payload")
	}
	c := b[0]
	switch {
	case c&0xf0 == mpFixArray:
		return int(c & 0x0f), b[1:], nil
	case c == mpArray16:
		if len(b) < 3 {
			return 0, nil, malformed("array header truncated")
		}
		return int(binary.BigEndian.Uint16(b[1:])), b[3:], nil
	case c == mpArray32:
		if len(b) < 5 {
			return 0, nil, malformed("array header truncated")
		}
		n := binary.BigEndian.Uint32(b[1:])
		if uint64(n) > math.MaxInt32 {
			return 0, nil, malformed("array of %d elements", n)
		}
		return int(n), b[5:], nil
	}
	return 0, nil, malformed("want an array, found %s", describe(c))
}

// readStr reads a string of at most max bytes. The length is checked before
// the string is copied out of the payload, so a hostile length costs
// nothing.
func readStr(b []byte, max int) (string, []byte, error) {
	if len(b) == 0 {
		return "", nil, malformed("want a string, found the end of the payload")
	}
	c := b[0]
	var n uint64
	var rest []byte
	switch {
	case c&0xe0 == mpFixStr:
		n, rest = uint64(c&0x1f), b[1:]
	case c == mpStr8 && len(b) >= 2:
		n, rest = uint64(b[1]), b[2:]
	case c == mpStr16 && len(b) >= 3:
		n, rest = uint64(binary.BigEndian.Uint16(b[1:])), b[3:]
	case c == mpStr32 && len(b) >= 5:
		n, rest = uint64(binary.BigEndian.Uint32(b[1:])), b[5:]
	case c == mpStr8 || c == mpStr16 || c == mpStr32:
		return "", nil, malformed("string header truncated")
	default:
		return "", nil, malformed("want a string, found %s", describe(c))
	}
	if n > uint64(max) {
		return "", nil, malformed("string of %d bytes, limit %d", n, max)
	}
	if uint64(len(rest)) < n {
		return "", nil, malformed("string truncated: want %d bytes, have %d", n, len(rest))
	}
	return string(rest[:n]), rest[n:], nil
}

// readBin reads binary data of at most max bytes and returns a slice of
// b, not a copy; the length is checked before anything is kept.
func readBin(b []byte, max int) ([]byte, []byte, error) {
	if len(b) == 0 {
		return nil, nil, malformed("want binary data, found the end of the payload")
	}
	c := b[0]
	var n uint64
	var rest []byte
	switch {
	case c == mpBin8 && len(b) >= 2:
		n, rest = uint64(b[1]), b[2:]
	case c == mpBin16 && len(b) >= 3:
		n, rest = uint64(binary.BigEndian.Uint16(b[1:])), b[3:]
	case c == mpBin32 && len(b) >= 5:
		n, rest = uint64(binary.BigEndian.Uint32(b[1:])), b[5:]
	case c == mpBin8 || c == mpBin16 || c == mpBin32:
		return nil, nil, malformed("binary header truncated")
	default:
		return nil, nil, malformed("want binary data, found %s", describe(c))
	}
	if n > uint64(max) {
		return nil, nil, malformed("binary data of %d bytes, limit %d", n, max)
	}
	if uint64(len(rest)) < n {
		return nil, nil, malformed("binary data truncated: want %d bytes, have %d", n, len(rest))
	}
	return rest[:n:n], rest[n:], nil
}

func readBool(b []byte) (bool, []byte, error) {
	if len(b) == 0 {
		return false, nil, malformed("want a boolean, found the end of the payload")
	}
	switch b[0] {
	case mpTrue:
		return true, b[1:], nil
	case mpFalse:
		return false, b[1:], nil
	}
	return false, nil, malformed("want a boolean, found %s", describe(b[0]))
}

// describe names a msgpack format byte for error messages.
func describe(c byte) string {
	var kind string
	switch {
	case c <= mpPosFixintMax, c >= 0xe0:
		kind = "an integer"
	case c&0xf0 == 0x80, c == 0xde, c == 0xdf:
		kind = "a map"
	case c&0xf0 == mpFixArray, c == mpArray16, c == mpArray32:
		kind = "an array"
	case c&0xe0 == mpFixStr, c == mpStr8, c == mpStr16, c == mpStr32:
		kind = "a string"
	case c == mpNil:
		kind = "nil"
	case c == mpTrue, c == mpFalse:
		kind = "a boolean"
	case c >= 0xc4 && c <= 0xc6:
		kind = "binary data"
	case c == 0xca, c == 0xcb:
		kind = "a float"
	case c >= mpUint8 && c <= mpInt64:
		kind = "an integer"
	case c == 0xc1:
		kind = "the unused byte"
	default:
		kind = "an extension"
	}
	return fmt.Sprintf("%s (0x%02x)", kind, c)
}
