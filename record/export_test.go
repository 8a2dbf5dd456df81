package record

// Internals for the external tests, which damage and inspect stores with
// raw bbolt writes.

// ChunkBodyLimit is chunkBodyLimit.
var ChunkBodyLimit = chunkBodyLimit

// DecodeLog decodes one machine's chunks, in order, as readers do.
func DecodeLog(chunks [][]byte) ([]Entry, error) {
	var it chunkIter
	var out []Entry
	for _, c := range chunks {
		if err := it.reset(c); err != nil {
			return nil, err
		}
		for it.left > 0 {
			var e Entry
			if err := it.next(&e); err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// EncodeLog encodes es as one delta chunk that starts from a zero state.
func EncodeLog(es []Entry) []byte {
	var s deltaState
	s.reset(defaultHeads)
	var body []byte
	for i := range es {
		body = appendDeltaEntry(body, &s, &es[i])
	}
	return append(appendDeltaHeader(nil, deltaHeader{n: len(es), flags: chunkReset, heads: defaultHeads}), body...)
}

// EncodeSchema2Chunk encodes es as one chunk of schemas 1 and 2.
func EncodeSchema2Chunk(es []Entry) []byte {
	c, err := appendChunk(nil, es)
	if err != nil {
		panic(err)
	}
	return c
}

// SetReleaseEvery changes how often readers release mapped pages, until
// the returned func restores it.
func SetReleaseEvery(n int) (restore func()) {
	old := releaseEvery
	releaseEvery = n
	return func() { releaseEvery = old }
}
