package wire

import (
	"fmt"
	"math"

	"lamport/core"
	"lamport/internal/msgp"
)

// What every payload decoder shares: the payloads are msgpack arrays of a
// fixed length with nothing after them, read by internal/msgp, whose
// errors are wrapped as ErrMalformed here.

// malformedValue wraps a msgpack decoding error as ErrMalformed.
func malformedValue(err error) error {
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// readArrayOf reads an array header that must count exactly n elements.
func readArrayOf(d *msgp.Decoder, n int) error {
	got, err := d.ArrayLen()
	if err != nil {
		return malformedValue(err)
	}
	if got != n {
		return malformed("array of %d elements, want %d", got, n)
	}
	return nil
}

// noTrailing checks that the payload ends where its array does.
func noTrailing(d *msgp.Decoder) error {
	if n := d.Len(); n != 0 {
		return malformed("%d trailing bytes", n)
	}
	return nil
}

// readMachineID reads a machine id: a positive integer that fits 32 bits.
func readMachineID(d *msgp.Decoder) (core.MachineID, error) {
	v, err := d.Uint()
	if err != nil {
		return 0, malformedValue(err)
	}
	if v == 0 || v > math.MaxUint32 {
		return 0, malformed("machine id %d out of range 1..%d", v, uint64(math.MaxUint32))
	}
	return core.MachineID(v), nil
}
