package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxFrameSize is the largest frame payload accepted. A reader checks a
// frame's declared length against it before it allocates or reads the
// payload, so a peer cannot make it allocate more.
const MaxFrameSize = 64 << 10

// readBufferSize is the FrameReader's buffer: frames up to this size are
// returned straight from it, without a copy.
const readBufferSize = 4 << 10

// AppendFrame appends a frame, the payload's length as a uvarint and then
// the payload, to dst. It does not check MaxFrameSize; WriteFrame does.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...)
}

// WriteFrame writes payload as one frame with a single Write, so an
// unbuffered connection sends prefix and payload together. It rejects a
// payload over MaxFrameSize with ErrFrameTooLarge, since no reader would
// accept it.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) > MaxFrameSize {
		return fmt.Errorf("%w: payload of %d bytes, limit %d", ErrFrameTooLarge, len(payload), MaxFrameSize)
	}
	frame := AppendFrame(make([]byte, 0, binary.MaxVarintLen64+len(payload)), payload)
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// FrameReader reads frames from a stream. It reuses its buffers, so a
// payload it returns is valid only until the next call to Next. It is not
// safe for concurrent use.
type FrameReader struct {
	br  *bufio.Reader
	max int
	// buf holds payloads too large for br's buffer; it grows to the largest
	// frame seen, which is at most max.
	buf []byte
	// err is the first error; once the stream is out of step every later
	// frame boundary would be a guess, so Next keeps returning it.
	err error
}

// NewFrameReader returns a reader of frames from r whose payloads may be at
// most max bytes (MaxFrameSize when max <= 0).
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = MaxFrameSize
	}
	return &FrameReader{br: bufio.NewReaderSize(r, readBufferSize), max: max}
}

// Next returns the next frame's payload, valid until the next call. It
// returns io.EOF when the stream ends cleanly between frames,
// io.ErrUnexpectedEOF when it ends inside one, and an error wrapping
// ErrFrameTooLarge, before reading or allocating the payload, when the
// declared length exceeds the limit. After any error it returns the same
// error again.
func (fr *FrameReader) Next() ([]byte, error) {
	if fr.err != nil {
		return nil, fr.err
	}
	p, err := fr.next()
	if err != nil {
		fr.err = err
		return nil, err
	}
	return p, nil
}

func (fr *FrameReader) next() ([]byte, error) {
	n, err := fr.readLength()
	if err != nil {
		return nil, err
	}
	if n <= fr.br.Size() {
		p, err := fr.br.Peek(n)
		if err != nil {
			return nil, insideFrame(err)
		}
		// Discard cannot fail for bytes Peek has just buffered; the payload
		// stays in the buffer until the next read refills it.
		_, _ = fr.br.Discard(n)
		return p, nil
	}
	if cap(fr.buf) < n {
		fr.buf = make([]byte, n)
	}
	p := fr.buf[:n]
	if _, err := io.ReadFull(fr.br, p); err != nil {
		return nil, insideFrame(err)
	}
	return p, nil
}

// readLength reads the uvarint prefix a byte at a time and stops as soon as
// the value can only exceed the limit: later bytes of a uvarint only add
// higher bits, so there is no need to read (or wait for) the rest.
func (fr *FrameReader) readLength() (int, error) {
	var v uint64
	for i := range binary.MaxVarintLen64 {
		b, err := fr.br.ReadByte()
		if err != nil {
			if i == 0 && errors.Is(err, io.EOF) {
				return 0, io.EOF
			}
			return 0, insideFrame(err)
		}
		if i == binary.MaxVarintLen64-1 {
			if b >= 0x80 {
				return 0, fmt.Errorf("%w: length prefix longer than %d bytes", ErrMalformed, binary.MaxVarintLen64)
			}
			if b > 1 {
				return 0, fmt.Errorf("%w: declared length does not fit 64 bits", ErrFrameTooLarge)
			}
		}
		v |= uint64(b&0x7f) << (7 * i)
		if v > uint64(fr.max) {
			return 0, fmt.Errorf("%w: declared length of at least %d bytes, limit %d", ErrFrameTooLarge, v, fr.max)
		}
		if b < 0x80 {
			return int(v), nil
		}
	}
	panic("unreachable: the last prefix byte always returns")
}

// insideFrame reports an error met after a frame had begun: a clean EOF
// there means the frame was cut short.
func insideFrame(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read frame: %w", err)
}
