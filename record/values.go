package record

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// StoredValues returns copies of every value the store holds for run
// runID, each machine's statistics and chunks in the store's key order,
// as the bytes on disk, and their total size. It serves to compare the
// store with a plain append of the same bytes.
func (s *Store) StoredValues(runID string) ([][]byte, int64, error) {
	var (
		values [][]byte
		size   int64
	)
	var walk func(*bolt.Bucket) error
	walk = func(bk *bolt.Bucket) error {
		return bk.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(bk.Bucket(k))
			}
			values = append(values, bytes.Clone(v))
			size += int64(len(v))
			return nil
		})
	}
	err := s.view(func(tx *bolt.Tx) error {
		if _, err := s.getMeta(tx, runID); err != nil {
			return err
		}
		if data := tx.Bucket(bucketData); data != nil {
			if run := data.Bucket([]byte(runID)); run != nil {
				return walk(run)
			}
		}
		return nil
	})
	return values, size, err
}
