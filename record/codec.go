package record

import (
	"errors"
	"fmt"

	"lamport/core"
	"lamport/internal/msgp"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// decodeChunk decodes a whole chunk. Readers stream with chunkIter instead.
func decodeChunk(chunk []byte) ([]core.Entry, error) {
	var it chunkIter
	if err := it.reset(chunk); err != nil {
		return nil, err
	}
	es := make([]core.Entry, 0, it.left)
	for it.left > 0 {
		var e core.Entry
		if err := it.next(&e); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}

// chunkIter decodes a log's chunks, in order, one entry at a time: delta
// chunks (schema 3), whose state carries from chunk to chunk, and msgpack
// ones (schemas 1 and 2).
type chunkIter struct {
	d       msgp.Decoder // msgpack chunks
	delta   deltaDecoder
	isDelta bool
	left    int // entries not yet decoded
	pos     int // entries decoded, for error messages
}

// reset starts the log's next chunk, which must follow the one before.
func (it *chunkIter) reset(chunk []byte) error {
	if len(chunk) > 0 && chunk[0] == deltaMagic {
		h, body, err := splitDeltaHeader(chunk)
		if err != nil {
			return err
		}
		if h.flags&chunkReset == 0 && !(it.isDelta && it.left == 0) {
			return errors.New("delta chunk carries on from a chunk that is not a whole delta chunk")
		}
		it.delta.startChunk(h, body)
		it.isDelta, it.left, it.pos = true, h.n, 0
		return nil
	}
	n, body, err := splitChunk(chunk)
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("empty chunk")
	}
	it.d, it.isDelta, it.left, it.pos = msgp.NewDecoder(body), false, n, 0
	return nil
}

// next decodes the next entry into e; the caller checks left > 0 first.
// After the last entry it checks that nothing follows.
func (it *chunkIter) next(e *core.Entry) error {
	var (
		err  error
		rest int
	)
	if it.isDelta {
		err = it.delta.next(e)
		rest = len(it.delta.r.b)
	} else {
		*e, err = decodeEntry(&it.d)
		rest = it.d.Len()
	}
	if err != nil {
		return fmt.Errorf("entry %d: %w", it.pos, err)
	}
	it.pos++
	it.left--
	if it.left == 0 && rest != 0 {
		return fmt.Errorf("%d bytes after the last entry", rest)
	}
	return nil
}
