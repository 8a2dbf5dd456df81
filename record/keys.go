package record

import (
	"encoding/binary"

	"lamport/core"
)

// Bucket and key names. They are part of the on-disk format (docs/STORE.md);
// renaming one is a schema change.
var (
	bucketMeta = []byte("meta")   // store-wide settings
	keySchema  = []byte("schema") // in meta: SchemaVersion as ASCII decimal
	bucketRuns = []byte("runs")   // run id -> RunMeta as JSON
	bucketData = []byte("data")   // run id -> the run's logs (machinelog.go)
	// The nested layout of schemas 1 to 3: machine key -> {stats, chunks}.
	keyStats     = []byte("stats")  // in a machine bucket: statsRecord, msgpack
	bucketChunks = []byte("chunks") // in a machine bucket: chunk key -> chunk
)

// machineKey is a machine id as 4 bytes big-endian, so that bbolt's byte
// order is numeric order.
func machineKey(id core.MachineID) []byte {
	return binary.BigEndian.AppendUint32(make([]byte, 0, 4), uint32(id))
}

func parseMachineKey(k []byte) (core.MachineID, bool) {
	if len(k) != 4 {
		return 0, false
	}
	return core.MachineID(binary.BigEndian.Uint32(k)), true
}

// parseChunkKey reads a chunk number (from 1), 8 bytes big-endian: keys
// are appended in increasing order, which is what a high FillPercent suits.
func parseChunkKey(k []byte) (uint64, bool) {
	if len(k) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k), true
}

// appendFillPercent is the FillPercent of the buckets that hold logs, whose
// keys grow at the end (of the bucket, or of each machine's range of keys):
// pages split full instead of half full.
const appendFillPercent = 1.0
