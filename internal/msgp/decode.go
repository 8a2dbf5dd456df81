package msgp

import (
	"errors"
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
		return 0, fmt.Errorf("want %s, found %d of the %d bytes after 0x%02x", want, len(d.b)-1, size, d.b[0])
	}
	var v uint64
	for _, x := range d.b[1 : 1+size] {
		v = v<<8 | uint64(x)
	}
	d.b = d.b[1+size:]
	return v, nil
}

// integer reads any msgpack integer. neg reports a negative value, whose
// two's complement is v.
func (d *Decoder) integer() (v uint64, neg bool, err error) {
	const want = "an integer"
	if len(d.b) == 0 {
		return 0, false, fmt.Errorf("want %s, found the end of the input", want)
	}
	c := d.b[0]
	var size int
	switch {
	case c <= PosFixintMax:
		d.b = d.b[1:]
		return uint64(c), false, nil
	case c >= NegFixintMin:
		d.b = d.b[1:]
		return uint64(int64(int8(c))), true, nil
	case c == Uint8, c == Int8:
		size = 1
	case c == Uint16, c == Int16:
		size = 2
	case c == Uint32, c == Int32:
		size = 4
	case c == Uint64, c == Int64:
		size = 8
	default:
		return 0, false, fmt.Errorf("want %s, found %s", want, describe(c))
	}
	if v, err = d.header(want, size); err != nil {
		return 0, false, err
	}
	if c >= Int8 {
		shift := 64 - 8*size
		v = uint64(int64(v<<shift) >> shift) // sign-extend
		neg = int64(v) < 0
	}
	return v, neg, nil
}

// Uint reads a non-negative integer in any encoding: signed ones too,
// because some writers encode every integer as signed.
func (d *Decoder) Uint() (uint64, error) {
	v, neg, err := d.integer()
	if err == nil && neg {
		err = fmt.Errorf("want a non-negative integer, found %d", int64(v))
	}
	return v, err
}

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
	v, neg, err := d.integer()
	if err == nil && !neg && v > math.MaxInt64 {
		err = fmt.Errorf("integer %d out of range for int64", v)
	}
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
	n, isNil, err := d.NilOrArrayLen()
	if err == nil && isNil {
		err = fmt.Errorf("want an array, found %s", describe(Nil))
	}
	return n, err
}

// NilOrArrayLen reads nil or an array header, checked as ArrayLen checks
// it.
func (d *Decoder) NilOrArrayLen() (n int, isNil bool, err error) {
	v, isNil, err := d.arrayHeader()
	if err == nil && v > uint64(len(d.b)) {
		err = fmt.Errorf("array of %d elements in %d bytes", v, len(d.b))
	}
	return int(v), isNil, err
}

// SkipArrayHeader steps over an array header whose count the caller does
// not use, so it need not fit the bytes left: a reader that peeks at the
// first element of a payload it could not decode reads on from there.
func (d *Decoder) SkipArrayHeader() error {
	_, isNil, err := d.arrayHeader()
	if err == nil && isNil {
		err = fmt.Errorf("want an array, found %s", describe(Nil))
	}
	return err
}

// arrayHeader reads nil or an array header and returns the count as it
// stands.
func (d *Decoder) arrayHeader() (n uint64, isNil bool, err error) {
	const want = "an array"
	if len(d.b) == 0 {
		return 0, false, fmt.Errorf("want %s, found the end of the input", want)
	}
	switch c := d.b[0]; {
	case c == Nil:
		d.b = d.b[1:]
		return 0, true, nil
	case c&0xf0 == FixArray:
		d.b = d.b[1:]
		return uint64(c & 0x0f), false, nil
	case c == Array16:
		n, err = d.header(want, 2)
	case c == Array32:
		n, err = d.header(want, 4)
	default:
		err = fmt.Errorf("want %s, found %s", want, describe(c))
	}
	return n, false, err
}

// raw reads a string or binary header of the given format bytes (fix is
// the fix format's mask for strings, 0 for binary data) and its bytes, at
// most max of them; the length is checked before anything is kept.
func (d *Decoder) raw(want string, max int, fix, b8, b16, b32 byte) ([]byte, error) {
	if len(d.b) == 0 {
		return nil, fmt.Errorf("want %s, found the end of the input", want)
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
		return nil, fmt.Errorf("want %s, found %s", want, describe(c))
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
	if len(d.b) == 0 {
		return false, errors.New("want a boolean, found the end of the input")
	}
	switch c := d.b[0]; c {
	case True, False:
		d.b = d.b[1:]
		return c == True, nil
	default:
		return false, fmt.Errorf("want a boolean, found %s", describe(c))
	}
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
