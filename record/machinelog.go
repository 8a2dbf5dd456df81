package record

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
)

// A machine's log lives in its run's bucket, data/<run id>, in one of two
// layouts (docs/STORE.md):
//
//   - flat (schema 4): key <machine> holds the stats and key
//     <machine><chunk> each chunk, so all the logs of a run share one
//     B+tree and a machine costs two keys;
//   - nested (schemas 1 to 3): key <machine> is a bucket holding "stats"
//     and a "chunks" bucket.
//
// Nested buckets cost a page each once they outgrow being inline: a run of
// 10 000 machines took 84 MB for 35 000 events. A log keeps the layout it
// was started in, so a run recorded by an older lamport can be resumed;
// every new log is flat. machineLog is the one place that knows both.
type machineLog struct {
	run *bolt.Bucket
	id  core.MachineID
	// nested is the machine's bucket in the nested layout, nil when flat.
	nested *bolt.Bucket
	// flatStats is a found flat log's stats value, as the lookup met it.
	flatStats []byte
}

// flatChunkKeyLen is the length of a flat chunk key: machine and chunk.
const flatChunkKeyLen = 4 + 8

// findLog returns machine id's log in run, and false when it has none.
func findLog(run *bolt.Bucket, id core.MachineID) (machineLog, bool) {
	if run == nil {
		return machineLog{}, false
	}
	// One seek tells the layouts apart: a bucket's key has no value.
	k := machineKey(id)
	switch found, v := run.Cursor().Seek(k); {
	case !bytes.Equal(found, k):
		return machineLog{}, false
	case v != nil:
		return machineLog{run: run, id: id, flatStats: v}, true
	}
	return machineLog{run: run, id: id, nested: run.Bucket(k)}, true
}

// newLog is machine id's log in run: the existing one, whatever its
// layout, or a new flat one.
func newLog(run *bolt.Bucket, id core.MachineID) machineLog {
	if l, ok := findLog(run, id); ok {
		return l
	}
	return machineLog{run: run, id: id}
}

// stats is the stored stats value, nil if there is none.
func (l machineLog) stats() []byte {
	if l.nested != nil {
		return l.nested.Get(keyStats)
	}
	return l.flatStats
}

// chunks is a cursor over the log's chunks, or false when a nested log
// has no chunks bucket.
func (l machineLog) chunks() (chunkCursor, bool) {
	if l.nested != nil {
		b := l.nested.Bucket(bucketChunks)
		if b == nil {
			return chunkCursor{}, false
		}
		return chunkCursor{c: b.Cursor()}, true
	}
	return chunkCursor{c: l.run.Cursor(), prefix: machineKey(l.id)}, true
}

// putStats stores the stats value v, which bbolt keeps until the commit.
func (l machineLog) putStats(key, v []byte) error {
	if l.nested != nil {
		return l.nested.Put(keyStats, v)
	}
	return l.run.Put(key, v)
}

// statsKey and chunkKeyIn are the keys putStats and putChunk take,
// appended to b (an arena's: bbolt keeps keys until the commit).
func (l machineLog) statsKey(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(l.id))
}

func (l machineLog) chunkKeyIn(b []byte, n uint64) []byte {
	if l.nested == nil {
		b = binary.BigEndian.AppendUint32(b, uint32(l.id))
	}
	return binary.BigEndian.AppendUint64(b, n)
}

// putChunk stores chunk value v under key, made by chunkKeyIn.
func (l machineLog) putChunk(key, v []byte) error {
	if l.nested != nil {
		b, err := l.nested.CreateBucketIfNotExists(bucketChunks)
		if err != nil {
			return err
		}
		b.FillPercent = appendFillPercent
		return b.Put(key, v)
	}
	return l.run.Put(key, v)
}

// chunkCursor walks one log's chunks in key order. The keys it returns are
// the 8-byte chunk numbers of either layout; a flat key of the machine
// that is not 12 bytes long comes back as its odd remainder, which
// parseChunkKey refuses.
type chunkCursor struct {
	c *bolt.Cursor
	// prefix is the machine key of a flat log, nil for a nested one.
	prefix []byte
}

func (cc chunkCursor) first() (k, v []byte) {
	if cc.prefix == nil {
		return cc.c.First()
	}
	k, v = cc.c.Seek(cc.prefix)
	if bytes.Equal(k, cc.prefix) {
		k, v = cc.c.Next() // the stats
	}
	return cc.own(k, v)
}

func (cc chunkCursor) next() (k, v []byte) {
	if cc.prefix == nil {
		return cc.c.Next()
	}
	return cc.own(cc.c.Next())
}

// last is the log's last chunk, nil when it has none.
func (cc chunkCursor) last() (k, v []byte) {
	if cc.prefix == nil {
		return cc.c.Last()
	}
	// Past every key of this machine: its prefix then eight 0xff bytes,
	// which only a chunk numbered 2^64-1 could equal.
	var room [flatChunkKeyLen]byte
	end := append(append(room[:0], cc.prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	k, v = cc.c.Seek(end)
	if !bytes.Equal(k, end) {
		if k == nil {
			k, v = cc.c.Last()
		} else {
			k, v = cc.c.Prev()
		}
	}
	if bytes.Equal(k, cc.prefix) {
		return nil, nil // the stats: no chunk yet
	}
	return cc.own(k, v)
}

// own keeps a flat key of this machine, as its chunk part, and ends the
// walk at the next machine's keys.
func (cc chunkCursor) own(k, v []byte) ([]byte, []byte) {
	if k == nil || len(k) <= len(cc.prefix) || !bytes.HasPrefix(k, cc.prefix) {
		return nil, nil
	}
	return k[len(cc.prefix):], v
}

// forEachChunk calls fn with each chunk key and value in order, stopping
// at fn's first error.
func forEachChunk(c chunkCursor, fn func(k, v []byte) error) error {
	for k, v := c.first(); k != nil; k, v = c.next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// logIDs lists the machines that have a log in run, ascending (the
// big-endian keys sort numerically), whatever their layout. It seeks from
// machine to machine rather than walk every chunk, so listing the
// machines of a long run reads a few pages. A key that is neither a
// machine's nor one of its chunks is reported by bad.
func logIDs(run *bolt.Bucket, bad func(k []byte) error) ([]core.MachineID, error) {
	if run == nil {
		return nil, nil
	}
	var ids []core.MachineID
	c := run.Cursor()
	for k, v := c.First(); k != nil; {
		id, ok := parseMachineKey(k)
		if !ok {
			return nil, bad(k)
		}
		ids = append(ids, id)
		if id == core.MachineID(^uint32(0)) {
			// No id follows to seek to: what is left must be this
			// machine's chunks, and a nested log has none here.
			nested := v == nil
			k, _ = c.Next()
			for ; k != nil; k, _ = c.Next() {
				if nested || len(k) != flatChunkKeyLen || !bytes.HasPrefix(k, machineKey(id)) {
					return nil, bad(k)
				}
			}
			break
		}
		k, v = c.Seek(machineKey(id + 1))
	}
	return ids, nil
}
