package wire

import (
	"errors"
	"fmt"
)

var (
	// ErrFrameTooLarge is returned when a frame's declared length exceeds
	// the reader's limit (FrameReader.Next, before any payload byte is
	// read or allocated) or when a payload to write exceeds MaxFrameSize
	// (WriteFrame).
	ErrFrameTooLarge = errors.New("wire: frame too large")

	// ErrMalformed is returned when a payload is not a valid message, hello
	// or hello reply: a wrong msgpack type, a wrong array length, a value
	// out of range, an over-long string or trailing bytes. It is always
	// wrapped with the detail.
	ErrMalformed = errors.New("wire: malformed payload")

	// ErrAuth is returned (wrapped) by DialSecret when the server did not
	// prove that it knows the dialer's secret: it has another one, or
	// none. Like a refusal it is final.
	ErrAuth = errors.New("wire: the peer did not prove the shared secret")

	// ErrClosed is returned by Link.Send after Link.Close.
	ErrClosed = errors.New("wire: link closed")
)

// malformed wraps ErrMalformed with a detail. It is only reached on bad
// input, so its allocation never touches the hot path.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
