package record_test

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The tests read and damage stores with bbolt directly, from the layout
// docs/STORE.md describes, not through this package. rawLog is one
// machine's log in either layout: flat (schema 4: keys <machine> for the
// stats and <machine><chunk> for each chunk in the run's bucket) or nested
// (schemas 1 to 3: a bucket <machine> holding "stats" and a "chunks"
// bucket).
type rawLog struct {
	run *bolt.Bucket
	id  uint32
}

func rawRun(tx *bolt.Tx, runID string) *bolt.Bucket {
	return tx.Bucket([]byte("data")).Bucket([]byte(runID))
}

func mkey(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }
func ckey(n uint64) []byte  { return binary.BigEndian.AppendUint64(nil, n) }

func (l rawLog) nested() *bolt.Bucket { return l.run.Bucket(mkey(l.id)) }

func (l rawLog) chunkKey(n uint64) []byte {
	if l.nested() != nil {
		return ckey(n)
	}
	return append(mkey(l.id), ckey(n)...)
}

// bucket is where the log's chunks are.
func (l rawLog) bucket() *bolt.Bucket {
	if b := l.nested(); b != nil {
		return b.Bucket([]byte("chunks"))
	}
	return l.run
}

func (l rawLog) chunk(n uint64) []byte { return bytes.Clone(l.bucket().Get(l.chunkKey(n))) }
func (l rawLog) putChunk(n uint64, v []byte) error {
	return l.bucket().Put(l.chunkKey(n), v)
}
func (l rawLog) deleteChunk(n uint64) error { return l.bucket().Delete(l.chunkKey(n)) }

// chunks are the log's chunk numbers and values in key order.
func (l rawLog) chunks() (ns []uint64, vs [][]byte) {
	prefix := []byte{}
	if l.nested() == nil {
		prefix = mkey(l.id)
	}
	c := l.bucket().Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != len(prefix)+8 {
			continue // the flat stats key
		}
		ns = append(ns, binary.BigEndian.Uint64(k[len(prefix):]))
		vs = append(vs, bytes.Clone(v))
	}
	return ns, vs
}

func (l rawLog) statsKey() ([]byte, *bolt.Bucket) {
	if b := l.nested(); b != nil {
		return []byte("stats"), b
	}
	return mkey(l.id), l.run
}

func (l rawLog) stats() []byte {
	k, b := l.statsKey()
	return bytes.Clone(b.Get(k))
}

func (l rawLog) putStats(v []byte) error {
	k, b := l.statsKey()
	return b.Put(k, v)
}

func (l rawLog) deleteStats() error {
	k, b := l.statsKey()
	return b.Delete(k)
}

// rawIDs lists the machines with a log in run, in key order.
func rawIDs(run *bolt.Bucket) []uint32 {
	var ids []uint32
	_ = run.ForEach(func(k, _ []byte) error {
		if len(k) == 4 {
			ids = append(ids, binary.BigEndian.Uint32(k))
		}
		return nil
	})
	return ids
}

// nestRun rewrites a flat run in the nested layout of schemas 1 to 3 and
// marks the store schema 3, as a store an older lamport wrote.
func nestRun(tx *bolt.Tx, runID string) error {
	run := rawRun(tx, runID)
	type log struct {
		stats  []byte
		ns     []uint64
		chunks [][]byte
	}
	logs := map[uint32]log{}
	ids := rawIDs(run)
	for _, id := range ids {
		l := rawLog{run, id}
		if l.nested() != nil {
			return fmt.Errorf("machine %d is nested already", id)
		}
		ns, vs := l.chunks()
		logs[id] = log{l.stats(), ns, vs}
	}
	var keys [][]byte
	if err := run.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		if err := run.Delete(k); err != nil {
			return err
		}
	}
	for _, id := range ids {
		mb, err := run.CreateBucket(mkey(id))
		if err != nil {
			return err
		}
		if err := mb.Put([]byte("stats"), logs[id].stats); err != nil {
			return err
		}
		cb, err := mb.CreateBucket([]byte("chunks"))
		if err != nil {
			return err
		}
		for i, n := range logs[id].ns {
			if err := cb.Put(ckey(n), logs[id].chunks[i]); err != nil {
				return err
			}
		}
	}
	return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("3"))
}
