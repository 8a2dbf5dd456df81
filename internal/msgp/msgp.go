// Package msgp writes and reads the msgpack values
// (https://github.com/msgpack/msgpack/blob/master/spec.md) that the wire
// protocol's payloads and the store's stats and schema 1-2 chunks are made
// of. Both are on hot paths, so values are appended to and read from byte
// slices by hand, without reflection and without allocating.
//
// The encoders write every value in its shortest msgpack form, so the
// bytes of a value are always the same. The Decoder accepts every form
// msgpack allows for a value, so data written by any msgpack library reads
// too, and it is strict and bounded about everything else: it checks every
// length before it reads, never trusts a count beyond the bytes left, and
// never panics, whatever the input.
package msgp

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The format bytes this package writes or reads.
const (
	PosFixintMax = 0x7f
	FixMap       = 0x80 // | n, n <= 15
	FixArray     = 0x90 // | n, n <= 15
	FixStr       = 0xa0 // | n, n <= 31
	Nil          = 0xc0
	Unused       = 0xc1
	False        = 0xc2
	True         = 0xc3
	Bin8         = 0xc4
	Bin16        = 0xc5
	Bin32        = 0xc6
	Float32      = 0xca
	Float64      = 0xcb
	Uint8        = 0xcc
	Uint16       = 0xcd
	Uint32       = 0xce
	Uint64       = 0xcf
	Int8         = 0xd0
	Int16        = 0xd1
	Int32        = 0xd2
	Int64        = 0xd3
	Str8         = 0xd9
	Str16        = 0xda
	Str32        = 0xdb
	Array16      = 0xdc
	Array32      = 0xdd
	Map16        = 0xde
	Map32        = 0xdf
	NegFixintMin = 0xe0 // 0xe0-0xff: -32..-1
)

// AppendUint appends v in its shortest form: small values, the common case
// for ids, sequence numbers and clocks, take one byte.
func AppendUint(b []byte, v uint64) []byte {
	switch {
	case v <= PosFixintMax:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, Uint8, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, Uint16), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, Uint32), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, Uint64), v)
}

// AppendInt appends v in its shortest form, unsigned when v >= 0.
func AppendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return AppendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, Int8, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, Int16), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, Int32), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, Int64), uint64(v))
}

// AppendArrayHeader starts an array of n elements, which the caller then
// appends. msgpack cannot count beyond 2^32-1 elements, and every caller's
// arrays are far smaller, so a larger or negative n is a bug and panics.
func AppendArrayHeader(b []byte, n int) []byte {
	if uint(n) <= 15 {
		return append(b, FixArray|byte(n)) // small enough to inline
	}
	return appendLongArrayHeader(b, n)
}

func appendLongArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 0:
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, Array16), uint16(n))
	case uint64(n) <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, Array32), uint32(n))
	}
	panic(fmt.Sprintf("msgp: array of %d elements", n))
}

// AppendStr appends s as a msgpack string. Its length is the caller's to
// bound; one beyond 2^32-1 bytes is a bug and panics.
func AppendStr(b []byte, s string) []byte {
	if len(s) <= 31 {
		b = append(b, FixStr|byte(len(s)))
	} else {
		b = appendLen(b, "string", len(s), Str8, Str16, Str32)
	}
	return append(b, s...)
}

// AppendBin appends p as msgpack binary data; like AppendStr it panics
// beyond 2^32-1 bytes.
func AppendBin(b []byte, p []byte) []byte {
	return append(appendLen(b, "binary data", len(p), Bin8, Bin16, Bin32), p...)
}

// appendLen appends the header of a string or binary data of n bytes: the
// format byte of the shortest of its 8, 16 and 32-bit forms and n.
func appendLen(b []byte, what string, n int, f8, f16, f32 byte) []byte {
	switch {
	case n < 0:
	case n <= math.MaxUint8:
		return append(b, f8, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, f16), uint16(n))
	case uint64(n) <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, f32), uint32(n))
	}
	panic(fmt.Sprintf("msgp: %s of %d bytes", what, n))
}

// AppendBool appends v as msgpack true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, True)
	}
	return append(b, False)
}

// AppendNil appends msgpack nil.
func AppendNil(b []byte) []byte { return append(b, Nil) }
