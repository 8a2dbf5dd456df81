package msgp

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Decoder reads msgpack values from the front of a byte slice, consuming
// them. Its input may come from a peer or from disk, so every method checks
// a length before it reads or keeps anything. Errors say what was wanted
// and what was found; the caller names the field and wraps them as its own
// kind of error, and reads no further: after an error the position is
// unspecified.
type Decoder struct {
	b []byte
}

// NewDecoder returns a decoder reading b. It keeps b: strings are copied
// out of it, binary data is returned as slices of it.
func NewDecoder(b []byte) Decoder { return Decoder{b: b} }

// Rest returns the bytes not read yet.
func (d *Decoder) Rest() []byte { return d.b }

// Len is the number of bytes not read yet.
func (d *Decoder) Len() int { return len(d.b) }

// header consumes a format byte, which the caller has seen, and the size
// bytes that follow it, and returns them as a big-endian number.
func (d *Decoder) header(want string, size int) (uint64, error) {
	if len(d.b) < 1+size {
		return 0, d.cut(want, size)
	}
	var v uint64
	for _, x := range d.b[1 : 1+size] {
		v = v<<8 | uint64(x)
	}
	d.b = d.b[1+size:]
	return v, nil
}

// cut is header's error, apart so that header stays small.
func (d *Decoder) cut(want string, size int) error {
	return fmt.Errorf("want %s, found %d of the %d bytes after 0x%02x", want, len(d.b)-1, size, d.b[0])
}

// wrong is the error for a value that is not what was wanted, or for no
// value at all.
func (d *Decoder) wrong(want string) error {
	if len(d.b) == 0 {
		return fmt.Errorf("want %s, found the end of the input", want)
	}
	return fmt.Errorf("want %s, found %s", want, describe(d.b[0]))
}

// integer reads any msgpack integer that fits uint64, or int64 when signed,
// and returns it (its two's complement when negative). It is on the hot
// path of every message, so it reads each width directly, and the methods
// over it are small enough to be inlined.
func (d *Decoder) integer(signed bool) (uint64, error) {
	const want = "an integer"
	b := d.b
	if len(b) == 0 {
		return 0, d.wrong(want)
	}
	c := b[0]
	var (
		v    uint64
		size int
	)
	switch {
	case c <= PosFixintMax:
		d.b = b[1:]
		return uint64(c), nil
	case c >= NegFixintMin:
		v = uint64(int64(int8(c)))
	case c == Uint8, c == Int8:
		size = 1
	case c == Uint16, c == Int16:
		size = 2
	case c == Uint32, c == Int32:
		size = 4
	case c == Uint64, c == Int64:
		size = 8
	default:
		return 0, d.wrong(want)
	}
	if len(b) <= size {
		return 0, d.cut(want, size)
	}
	switch size {
	case 1:
		v = uint64(b[1])
	case 2:
		v = uint64(binary.BigEndian.Uint16(b[1:]))
	case 4:
		v = uint64(binary.BigEndian.Uint32(b[1:]))
	case 8:
		v = binary.BigEndian.Uint64(b[1:])
	}
	neg := c >= NegFixintMin
	if c >= Int8 && c <= Int64 {
		shift := 64 - 8*size
		v = uint64(int64(v<<shift) >> shift) // sign-extend
		neg = int64(v) < 0
	}
	switch {
	case neg && !signed:
		return 0, fmt.Errorf("want a non-negative integer, found %d", int64(v))
	case !neg && signed && v > math.MaxInt64:
		return 0, fmt.Errorf("integer %d out of range for int64", v)
	}
	d.b = b[1+size:]
	return v, nil
}

// Uint reads a non-negative integer in any encoding: signed ones too,
// because some writers encode every integer as signed.
func (d *Decoder) Uint() (uint64, error) { return d.integer(false) }

// UintMax reads a non-negative integer no larger than max.
func (d *Decoder) UintMax(max uint64) (uint64, error) {
	v, err := d.Uint()
	if err == nil && v > max {
		err = fmt.Errorf("integer %d out of range 0..%d", v, max)
	}
	return v, err
}

// Int64 reads an integer that fits int64.
func (d *Decoder) Int64() (int64, error) {
	v, err := d.integer(true)
	return int64(v), err
}

// Int reads an integer that fits Go's int.
func (d *Decoder) Int() (int, error) {
	v, err := d.Int64()
	if err == nil && (v > math.MaxInt || v < math.MinInt) {
		err = fmt.Errorf("integer %d out of range for int", v)
	}
	return int(v), err
}

// ArrayLen reads an array header and returns its count. The count is
// checked against the bytes left, since every element takes at least one,
// so a lying header cannot make a caller allocate more than the input's
// size.
func (d *Decoder) ArrayLen() (int, error) {
	n, _, err := d.array(false, true)
	return n, err
}

// NilOrArrayLen reads nil or an array header, checked as ArrayLen checks
// it.
func (d *Decoder) NilOrArrayLen() (n int, isNil bool, err error) {
	return d.array(true, true)
}

// SkipArrayHeader steps over an array header whose count the caller does
// not use, so it need not fit the bytes left: a reader that peeks at the
// first element of a payload it could not decode reads on from there.
func (d *Decoder) SkipArrayHeader() error {
	_, _, err := d.array(false, false)
	return err
}

// array reads an array header, or nil when nilOK, and returns its count,
// held to the bytes left when bounded.
func (d *Decoder) array(nilOK, bounded bool) (int, bool, error) {
	const want = "an array"
	if len(d.b) == 0 {
		return 0, false, d.wrong(want)
	}
	var (
		n   uint64
		err error
	)
	switch c := d.b[0]; {
	case c == Nil && nilOK:
		d.b = d.b[1:]
		return 0, true, nil
	case c&0xf0 == FixArray:
		d.b, n = d.b[1:], uint64(c&0x0f)
	case c == Array16:
		n, err = d.header(want, 2)
	case c == Array32:
		n, err = d.header(want, 4)
	default:
		err = d.wrong(want)
	}
	if err == nil && bounded && n > uint64(len(d.b)) {
		err = fmt.Errorf("array of %d elements in %d bytes", n, len(d.b))
	}
	return int(n), false, err
}

// raw reads a string or binary header of the given format bytes (fix is
// the fix format's mask for strings, 0 for binary data) and its bytes, at
// most max of them; the length is checked before anything is kept.
func (d *Decoder) raw(want string, max int, fix, b8, b16, b32 byte) ([]byte, error) {
	if len(d.b) == 0 {
		return nil, d.wrong(want)
	}
	var (
		n   uint64
		err error
	)
	switch c := d.b[0]; {
	case fix != 0 && c&0xe0 == fix:
		d.b, n = d.b[1:], uint64(c&0x1f)
	case c == b8:
		n, err = d.header(want, 1)
	case c == b16:
		n, err = d.header(want, 2)
	case c == b32:
		n, err = d.header(want, 4)
	default:
		return nil, d.wrong(want)
	}
	switch {
	case err != nil:
		return nil, err
	case n > uint64(max):
		return nil, fmt.Errorf("%s of %d bytes, limit %d", want, n, max)
	case n > uint64(len(d.b)):
		return nil, fmt.Errorf("want %s of %d bytes, found %d", want, n, len(d.b))
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p, nil
}

// Str reads a string of at most max bytes, in any string format. The
// length is checked before the string is copied, so a hostile length
// costs nothing.
func (d *Decoder) Str(max int) (string, error) {
	p, err := d.raw("a string", max, FixStr, Str8, Str16, Str32)
	return string(p), err
}

// Bin reads binary data of at most max bytes, in any binary format, and
// returns a slice of the input, not a copy.
func (d *Decoder) Bin(max int) ([]byte, error) {
	return d.raw("binary data", max, 0, Bin8, Bin16, Bin32)
}

// Bool reads true or false.
func (d *Decoder) Bool() (bool, error) {
	if len(d.b) == 0 || d.b[0] != True && d.b[0] != False {
		return false, d.wrong("a boolean")
	}
	v := d.b[0] == True
	d.b = d.b[1:]
	return v, nil
}

// describe names a format byte for error messages: "a map (0x81)".
func describe(c byte) string {
	var kind string
	switch {
	case c <= PosFixintMax, c >= NegFixintMin, c >= Uint8 && c <= Int64:
		kind = "an integer"
	case c&0xf0 == FixMap, c == Map16, c == Map32:
		kind = "a map"
	case c&0xf0 == FixArray, c == Array16, c == Array32:
		kind = "an array"
	case c&0xe0 == FixStr, c == Str8, c == Str16, c == Str32:
		kind = "a string"
	case c == Nil:
		kind = "nil"
	case c == True, c == False:
		kind = "a boolean"
	case c >= Bin8 && c <= Bin32:
		kind = "binary data"
	case c == Float32, c == Float64:
		kind = "a float"
	case c == Unused:
		kind = "the unused byte"
	default:
		kind = "an extension"
	}
	return fmt.Sprintf("%s (0x%02x)", kind, c)
}
