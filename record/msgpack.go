package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The store's values are msgpack (https://msgpack.org/) written and read by
// hand: a chunk holds hundreds of entries and is rewritten on every flush,
// so the per-entry path must not go through reflection. Only the formats
// below are produced; the decoder accepts every integer format, so values
// written by any msgpack library decode too.
const (
	mpFixArray = 0x90 // 0x90-0x9f: array of 0..15
	mpNil      = 0xc0
	mpUint8    = 0xcc
	mpUint16   = 0xcd
	mpUint32   = 0xce
	mpUint64   = 0xcf
	mpInt8     = 0xd0
	mpInt16    = 0xd1
	mpInt32    = 0xd2
	mpInt64    = 0xd3
	mpArray16  = 0xdc
	mpArray32  = 0xdd
)

// appendUint writes v in the shortest unsigned form.
func appendUint(b []byte, v uint64) []byte {
	switch {
	case v <= 0x7f:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, mpUint8, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, mpUint16), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, mpUint32), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, mpUint64), v)
}

// appendInt writes v in the shortest form: unsigned when v >= 0.
func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v)) // negative fixint 0xe0-0xff
	case v >= math.MinInt8:
		return append(b, mpInt8, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, mpInt16), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, mpInt32), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, mpInt64), uint64(v))
}

// appendArrayHeader starts an array of n elements. n < 2^32 is the caller's
// invariant; chunks and To lists are far smaller.
func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, mpFixArray|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, mpArray16), uint16(n))
	case uint64(n) <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, mpArray32), uint32(n))
	}
	panic(fmt.Sprintf("record: msgpack array of %d elements", n))
}

var errShort = errors.New("value ends early")

// decoder reads msgpack from b, consuming it. Every method checks lengths
// before reading: its input comes from disk.
type decoder struct {
	b []byte
}

func (d *decoder) take(n int) ([]byte, error) {
	if len(d.b) < n {
		return nil, errShort
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p, nil
}

func (d *decoder) byte() (byte, error) {
	if len(d.b) == 0 {
		return 0, errShort
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c, nil
}

// integer reads any msgpack integer; neg reports a negative value, whose
// two's complement is v.
func (d *decoder) integer() (v uint64, neg bool, err error) {
	c, err := d.byte()
	if err != nil {
		return 0, false, err
	}
	switch {
	case c <= 0x7f:
		return uint64(c), false, nil
	case c >= 0xe0:
		return uint64(int64(int8(c))), true, nil
	}
	var p []byte
	switch c {
	case mpUint8, mpInt8:
		if p, err = d.take(1); err == nil {
			v = uint64(p[0])
			if c == mpInt8 {
				v = uint64(int64(int8(p[0])))
			}
		}
	case mpUint16, mpInt16:
		if p, err = d.take(2); err == nil {
			v = uint64(binary.BigEndian.Uint16(p))
			if c == mpInt16 {
				v = uint64(int64(int16(v)))
			}
		}
	case mpUint32, mpInt32:
		if p, err = d.take(4); err == nil {
			v = uint64(binary.BigEndian.Uint32(p))
			if c == mpInt32 {
				v = uint64(int64(int32(v)))
			}
		}
	case mpUint64, mpInt64:
		if p, err = d.take(8); err == nil {
			v = binary.BigEndian.Uint64(p)
		}
	default:
		return 0, false, fmt.Errorf("want an integer, found format byte 0x%02x", c)
	}
	if err != nil {
		return 0, false, err
	}
	signed := c == mpInt8 || c == mpInt16 || c == mpInt32 || c == mpInt64
	return v, signed && int64(v) < 0, nil
}

func (d *decoder) uint() (uint64, error) {
	v, neg, err := d.integer()
	if err != nil {
		return 0, err
	}
	if neg {
		return 0, fmt.Errorf("want an unsigned integer, found %d", int64(v))
	}
	return v, nil
}

// uintMax reads an unsigned integer no larger than max.
func (d *decoder) uintMax(max uint64) (uint64, error) {
	v, err := d.uint()
	if err == nil && v > max {
		err = fmt.Errorf("integer %d out of range (max %d)", v, max)
	}
	return v, err
}

func (d *decoder) int() (int64, error) {
	v, neg, err := d.integer()
	if err != nil {
		return 0, err
	}
	if !neg && v > math.MaxInt64 {
		return 0, fmt.Errorf("integer %d out of range for int64", v)
	}
	return int64(v), nil
}

// intNative reads an integer that must fit Go's int.
func (d *decoder) intNative() (int, error) {
	v, err := d.int()
	if err == nil && (v > math.MaxInt || v < math.MinInt) {
		err = fmt.Errorf("integer %d out of range for int", v)
	}
	return int(v), err
}

// arrayHeader reads an array header. The count is checked against the bytes
// left (every element takes at least one), so a lying header cannot make a
// caller allocate more than the input's size.
func (d *decoder) arrayHeader() (int, error) {
	n, isNil, err := d.nilOrArrayHeader()
	if err == nil && isNil {
		err = errors.New("want an array, found nil")
	}
	return n, err
}

func (d *decoder) nilOrArrayHeader() (n int, isNil bool, err error) {
	c, err := d.byte()
	if err != nil {
		return 0, false, err
	}
	switch {
	case c == mpNil:
		return 0, true, nil
	case c&0xf0 == mpFixArray:
		n = int(c & 0x0f)
	case c == mpArray16:
		p, err := d.take(2)
		if err != nil {
			return 0, false, err
		}
		n = int(binary.BigEndian.Uint16(p))
	case c == mpArray32:
		p, err := d.take(4)
		if err != nil {
			return 0, false, err
		}
		n64 := uint64(binary.BigEndian.Uint32(p))
		if n64 > uint64(len(d.b)) {
			return 0, false, fmt.Errorf("array of %d elements in %d bytes", n64, len(d.b))
		}
		n = int(n64)
	default:
		return 0, false, fmt.Errorf("want an array, found format byte 0x%02x", c)
	}
	if n > len(d.b) {
		return 0, false, fmt.Errorf("array of %d elements in %d bytes", n, len(d.b))
	}
	return n, false, nil
}
