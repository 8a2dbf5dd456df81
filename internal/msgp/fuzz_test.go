package msgp_test

import (
	"bytes"
	"encoding/hex"
	"math"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"lamport/internal/msgp"
)

// FuzzDecoder reads data with the readers ops names, one op byte a value
// (its remainder by 7 picks the reader), until one fails. It must never
// panic. Whatever a reader accepts, the msgpack library must read as the
// same value from the same bytes, and re-encoding it must give no more
// bytes than were read (the encoders write the shortest form) and exactly
// what the library's compact encoders write.
func FuzzDecoder(f *testing.F) {
	seeds := []struct{ ops, data string }{
		{"00", "7f"}, {"00", "cc80"}, {"00", "cd0100"}, {"00", "ce00010000"}, {"00", "cf0000000100000000"},
		{"00", "d001"}, {"01", "ff"}, {"01", "d080"}, {"01", "d1ff7f"}, {"01", "d2ffff7fff"}, {"01", "d38000000000000000"},
		{"0200", "9301"}, {"0300", "c0"}, {"02", "dc0001ff"}, {"02", "dd00000001ff"}, {"02", "ddffffffff"},
		{"04", "a3616263"}, {"04", "d903616263"}, {"04", "da0003616263"}, {"04", "db00000003616263"}, {"04", "dbffffffff"},
		{"05", "c40100"}, {"05", "c5000100"}, {"05", "c600000001ff"}, {"06", "c3"}, {"06", "c2"},
		{"fc", "ccfc"}, {"fc", "ccfd"}, {"00", "cf8000000000000000"}, {"00", "cf7fffffffffffffff"},
		{"0201000405060700", "94cd01002ca161c400c3cc10"},
	}
	for _, s := range seeds {
		ops, _ := hex.DecodeString(s.ops)
		data, _ := hex.DecodeString(s.data)
		f.Add(ops, data)
	}
	f.Fuzz(func(t *testing.T, ops, data []byte) {
		r := reading{t: t, d: msgp.NewDecoder(data), libR: bytes.NewReader(data)}
		r.ld = msgpack.NewDecoder(r.libR)
		for _, op := range ops {
			var ok bool
			switch op % 7 {
			case 0:
				at := r.d.Rest()
				var v uint64
				if v, ok = step(&r, (*msgp.Decoder).Uint, (*msgpack.Decoder).DecodeUint64, msgp.AppendUint, (*msgpack.Encoder).EncodeUint); ok {
					sameAs(t, at, v, uint64(op))
				}
			case 1:
				_, ok = step(&r, (*msgp.Decoder).Int64, (*msgpack.Decoder).DecodeInt64, msgp.AppendInt, (*msgpack.Encoder).EncodeInt)
			case 2:
				_, ok = step(&r, r.arrayLen, (*msgpack.Decoder).DecodeArrayLen, msgp.AppendArrayHeader, (*msgpack.Encoder).EncodeArrayLen)
			case 3:
				_, ok = step(&r, r.nilOrArrayLen, (*msgpack.Decoder).DecodeArrayLen, appendNilOrArrayHeader, encodeNilOrArrayLen)
			case 4:
				_, ok = step(&r, func(d *msgp.Decoder) (string, error) { return d.Str(1 << 16) },
					(*msgpack.Decoder).DecodeString, msgp.AppendStr, (*msgpack.Encoder).EncodeString)
			case 5:
				_, ok = step(&r, func(d *msgp.Decoder) (string, error) { p, err := d.Bin(1 << 16); return string(p), err },
					func(d *msgpack.Decoder) (string, error) { p, err := d.DecodeBytes(); return string(p), err },
					func(b []byte, s string) []byte { return msgp.AppendBin(b, []byte(s)) },
					func(e *msgpack.Encoder, s string) error { return e.EncodeBytes([]byte(s)) })
			case 6:
				_, ok = step(&r, (*msgp.Decoder).Bool, (*msgpack.Decoder).DecodeBool, msgp.AppendBool, (*msgpack.Encoder).EncodeBool)
			}
			if !ok {
				return
			}
		}
	})
}

// reading is FuzzDecoder's input, read side by side by this package and by
// the library.
type reading struct {
	t    *testing.T
	d    msgp.Decoder
	libR *bytes.Reader
	ld   *msgpack.Decoder
}

// step reads one value with read. If it is accepted, the library's decode
// must read the same value from the same bytes, and both this package's
// append and the library's encode must write it as the same bytes, no more
// than were read. ok is false when read refused the value.
func step[T comparable](r *reading, read func(*msgp.Decoder) (T, error), decode func(*msgpack.Decoder) (T, error),
	appendOurs func([]byte, T) []byte, encode func(*msgpack.Encoder, T) error) (v T, ok bool) {
	t := r.t
	t.Helper()
	before := r.d.Len()
	v, err := read(&r.d)
	if err != nil {
		return v, false
	}
	used := before - r.d.Len()
	oracle, err := decode(r.ld)
	if err != nil || oracle != v || r.libR.Len() != r.d.Len() {
		t.Fatalf("at byte %d: read %v from %d bytes; the library reads %v, %v, leaving %d bytes, not %d",
			r.libR.Size()-int64(before), v, used, oracle, err, r.libR.Len(), r.d.Len())
	}
	again := appendOurs(nil, v)
	libOut := lib(t, func(e *msgpack.Encoder) error { return encode(e, v) })
	if len(again) > used || !bytes.Equal(again, libOut) {
		t.Fatalf("%v read from %d bytes encodes as %x; the library writes %x", v, used, again, libOut)
	}
	return v, true
}

// arrayLen is ArrayLen, checking that the count fits the bytes left.
func (r *reading) arrayLen(d *msgp.Decoder) (int, error) {
	n, err := d.ArrayLen()
	if err == nil && n > d.Len() {
		r.t.Fatalf("array of %d elements with %d bytes left", n, d.Len())
	}
	return n, err
}

// nilOrArrayLen is NilOrArrayLen with nil counted as -1, as the library
// counts it.
func (r *reading) nilOrArrayLen(d *msgp.Decoder) (int, error) {
	n, isNil, err := d.NilOrArrayLen()
	if err == nil && n > d.Len() {
		r.t.Fatalf("array of %d elements with %d bytes left", n, d.Len())
	}
	if isNil {
		return -1, err
	}
	return n, err
}

func appendNilOrArrayHeader(b []byte, n int) []byte {
	if n < 0 {
		return msgp.AppendNil(b)
	}
	return msgp.AppendArrayHeader(b, n)
}

func encodeNilOrArrayLen(e *msgpack.Encoder, n int) error {
	if n < 0 {
		return e.EncodeNil()
	}
	return e.EncodeArrayLen(n)
}

// sameAs checks the readers that narrow Uint on b, from which Uint read v:
// UintMax(max) takes v if and only if v <= max, and Int64 and Int take it
// if and only if it fits.
func sameAs(t *testing.T, b []byte, v, max uint64) {
	t.Helper()
	d := msgp.NewDecoder(b)
	if got, err := d.UintMax(max); (err == nil) != (v <= max) || err == nil && got != v {
		t.Fatalf("UintMax(%d) of %d: %d, %v", max, v, got, err)
	}
	d = msgp.NewDecoder(b)
	if got, err := d.Int64(); (err == nil) != (v <= math.MaxInt64) || err == nil && uint64(got) != v {
		t.Fatalf("Int64 of %d: %d, %v", v, got, err)
	}
	d = msgp.NewDecoder(b)
	if got, err := d.Int(); (err == nil) != (v <= math.MaxInt) || err == nil && uint64(got) != v {
		t.Fatalf("Int of %d: %d, %v", v, got, err)
	}
}
