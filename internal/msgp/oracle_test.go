package msgp_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"lamport/internal/msgp"
)

// The msgpack library github.com/vmihailenco/msgpack/v5 is the oracle: an
// implementation written apart from this one. Every value this package
// writes must be byte for byte what the library writes with its compact
// encoders (the shortest form) and read back by the library; every form
// the library writes, the shortest and the fixed-width ones, must read
// back here as the same value.

// lib runs one of the library's encoders and returns what it wrote.
func lib(t testing.TB, encode func(*msgpack.Encoder) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := encode(msgpack.NewEncoder(&buf)); err != nil {
		t.Fatalf("msgpack library: %v", err)
	}
	return buf.Bytes()
}

// libDecoder returns a library decoder of b and a function that reports
// how many bytes of b it has not read.
func libDecoder(b []byte) (*msgpack.Decoder, func() int) {
	r := bytes.NewReader(b)
	return msgpack.NewDecoder(r), r.Len
}

// sizes are the lengths around every boundary of msgpack's length fields.
var sizes = []int{0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536}

func uintCases(rng *rand.Rand) []uint64 {
	vs := []uint64{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000,
		math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64}
	for range 2000 {
		// Random magnitudes, so every width gets many values.
		vs = append(vs, rng.Uint64()>>rng.IntN(64))
	}
	return vs
}

func intCases(rng *rand.Rand) []int64 {
	vs := []int64{0, 1, -1, 0x7f, 0x80, -32, -33, math.MinInt8, math.MinInt8 - 1, math.MinInt16, math.MinInt16 - 1,
		math.MinInt32, math.MinInt32 - 1, math.MaxInt32, math.MaxInt64, math.MinInt64}
	for range 2000 {
		vs = append(vs, int64(rng.Uint64())>>rng.IntN(64))
	}
	return vs
}

// agree checks v both ways. ours, this package's encoding of v, must be
// what the library's encode writes, and the library's decode must read it
// back as v; read, this package's reader, must read v from ours and from
// every other form given, leaving nothing. It returns all the forms.
func agree[T comparable](t *testing.T, v T, ours []byte, encode func(*msgpack.Encoder) error,
	decode func(*msgpack.Decoder) (T, error), read func(*msgp.Decoder) (T, error), forms ...[]byte) [][]byte {
	t.Helper()
	if want := lib(t, encode); !bytes.Equal(ours, want) {
		t.Fatalf("%v encodes as %.12x, the library writes %.12x", v, ours, want)
	}
	dec, left := libDecoder(ours)
	if got, err := decode(dec); err != nil || got != v || left() != 0 {
		t.Fatalf("the library reads %.12x as %v, %v, %d bytes left; want %v", ours, got, err, left(), v)
	}
	forms = append(forms, ours)
	for _, b := range forms {
		d := msgp.NewDecoder(b)
		if got, err := read(&d); err != nil || got != v || d.Len() != 0 {
			t.Fatalf("%.12x reads as %v, %v, %d bytes left; want %v", b, got, err, d.Len(), v)
		}
	}
	return forms
}

func TestUintAgainstLibrary(t *testing.T) {
	for _, v := range uintCases(rand.New(rand.NewPCG(1, 2))) {
		wide := [][]byte{lib(t, func(e *msgpack.Encoder) error { return e.EncodeUint64(v) })}
		if v <= math.MaxInt64 {
			wide = append(wide, lib(t, func(e *msgpack.Encoder) error { return e.EncodeInt64(int64(v)) }))
		}
		ours := msgp.AppendUint(nil, v)
		agree(t, v, ours, func(e *msgpack.Encoder) error { return e.EncodeUint(v) },
			(*msgpack.Decoder).DecodeUint64, (*msgp.Decoder).Uint, wide...)
		d := msgp.NewDecoder(ours)
		if got, err := d.UintMax(v); err != nil || got != v {
			t.Fatalf("UintMax(%d) reads %x as %d, %v", v, ours, got, err)
		}
		d = msgp.NewDecoder(ours)
		if _, err := d.UintMax(v - 1); v > 0 && err == nil {
			t.Fatalf("UintMax(%d) took %d", v-1, v)
		}
	}
}

func TestIntAgainstLibrary(t *testing.T) {
	for _, v := range intCases(rand.New(rand.NewPCG(3, 4))) {
		wide := [][]byte{lib(t, func(e *msgpack.Encoder) error { return e.EncodeInt64(v) })}
		if v >= 0 {
			wide = append(wide, lib(t, func(e *msgpack.Encoder) error { return e.EncodeUint64(uint64(v)) }))
		}
		forms := agree(t, v, msgp.AppendInt(nil, v), func(e *msgpack.Encoder) error { return e.EncodeInt(v) },
			(*msgpack.Decoder).DecodeInt64, (*msgp.Decoder).Int64, wide...)
		for _, b := range forms {
			d := msgp.NewDecoder(b)
			if got, err := d.Int(); err != nil || int64(got) != v {
				t.Fatalf("Int reads %x as %d, %v; want %d", b, got, err, v)
			}
			d = msgp.NewDecoder(b)
			got, err := d.Uint()
			if v >= 0 && (err != nil || got != uint64(v)) {
				t.Fatalf("Uint reads %x as %d, %v; want %d", b, got, err, v)
			}
			if v < 0 && err == nil {
				t.Fatalf("Uint took %x, which is %d", b, v)
			}
		}
	}
}

func TestArrayHeaderAgainstLibrary(t *testing.T) {
	for _, n := range append(sizes, math.MaxUint32) {
		ours := msgp.AppendArrayHeader(nil, n)
		if want := lib(t, func(e *msgpack.Encoder) error { return e.EncodeArrayLen(n) }); !bytes.Equal(ours, want) {
			t.Fatalf("AppendArrayHeader(%d) = %x, library %x", n, ours, want)
		}
		dec, _ := libDecoder(ours)
		if got, err := dec.DecodeArrayLen(); err != nil || got != n {
			t.Fatalf("library reads AppendArrayHeader(%d) = %x as %d, %v", n, ours, got, err)
		}
		if n > 1<<20 {
			continue // the decoder wants n bytes of elements after it
		}
		elements := bytes.Repeat([]byte{0}, n)
		for _, b := range [][]byte{ours, {msgp.Array16, byte(n >> 8), byte(n)}, {msgp.Array32, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}} {
			if n > math.MaxUint16 && b[0] == msgp.Array16 {
				continue
			}
			d := msgp.NewDecoder(append(b, elements...))
			if got, err := d.ArrayLen(); err != nil || got != n || d.Len() != n {
				t.Fatalf("ArrayLen reads %x as %d, %v, %d bytes left; want %d", b, got, err, d.Len(), n)
			}
			d = msgp.NewDecoder(append(b, elements...))
			if got, isNil, err := d.NilOrArrayLen(); err != nil || isNil || got != n {
				t.Fatalf("NilOrArrayLen reads %x as %d, %v, %v; want %d", b, got, isNil, err, n)
			}
		}
	}
	nilBytes := msgp.AppendNil(nil)
	if want := lib(t, (*msgpack.Encoder).EncodeNil); !bytes.Equal(nilBytes, want) {
		t.Fatalf("AppendNil = %x, library %x", nilBytes, want)
	}
	d := msgp.NewDecoder(nilBytes)
	if n, isNil, err := d.NilOrArrayLen(); err != nil || !isNil || n != 0 || d.Len() != 0 {
		t.Fatalf("NilOrArrayLen reads nil as %d, %v, %v", n, isNil, err)
	}
}

func TestStrAndBinAgainstLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lengths := sizes
	for range 200 {
		lengths = append(lengths, rng.IntN(70000))
	}
	for _, n := range lengths {
		s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
		read := func(d *msgp.Decoder) (string, error) { return d.Str(n) }
		ours := msgp.AppendStr(nil, s)
		agree(t, s, ours, func(e *msgpack.Encoder) error { return e.EncodeString(s) }, (*msgpack.Decoder).DecodeString, read)
		d := msgp.NewDecoder(ours)
		if _, err := d.Str(n - 1); n > 0 && err == nil {
			t.Fatalf("Str(%d) took a string of %d bytes", n-1, n)
		}

		p := []byte(s)
		agree(t, s, msgp.AppendBin(nil, p), func(e *msgpack.Encoder) error { return e.EncodeBytes(p) },
			func(d *msgpack.Decoder) (string, error) { b, err := d.DecodeBytes(); return string(b), err },
			func(d *msgp.Decoder) (string, error) { b, err := d.Bin(n); return string(b), err })
	}
	// Every width of the length field reads, not only the shortest.
	for _, b := range [][]byte{
		{msgp.Str8, 2, 'h', 'i'}, {msgp.Str16, 0, 2, 'h', 'i'}, {msgp.Str32, 0, 0, 0, 2, 'h', 'i'},
	} {
		d := msgp.NewDecoder(b)
		if got, err := d.Str(2); err != nil || got != "hi" {
			t.Errorf("Str reads %x as %q, %v", b, got, err)
		}
		b[0] -= msgp.Str8 - msgp.Bin8 // the same length field as binary data
		d = msgp.NewDecoder(b)
		if got, err := d.Bin(2); err != nil || string(got) != "hi" {
			t.Errorf("Bin reads %x as %q, %v", b, got, err)
		}
	}
}

func TestBoolAgainstLibrary(t *testing.T) {
	for _, v := range []bool{false, true} {
		agree(t, v, msgp.AppendBool(nil, v), func(e *msgpack.Encoder) error { return e.EncodeBool(v) },
			(*msgpack.Decoder).DecodeBool, (*msgp.Decoder).Bool)
	}
}
