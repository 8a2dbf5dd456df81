package record

import "lamport/core"

// Internals for the external tests, which damage and inspect stores with
// raw bbolt writes.

// ChunkBodyLimit is chunkBodyLimit.
var ChunkBodyLimit = chunkBodyLimit

// DecodeLog decodes one machine's chunks, in order, as readers do.
var DecodeLog = decodeLogChunks

// EncodeLog encodes es as one delta chunk that starts from a zero state.
func EncodeLog(es []core.Entry) []byte { return encodeLog(es, never, never)[0] }

// EncodeSchema2Chunk encodes es as one chunk of schemas 1 and 2.
func EncodeSchema2Chunk(es []core.Entry) []byte {
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
