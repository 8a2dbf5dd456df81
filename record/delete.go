package record

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DeleteRun removes a run's metadata and logs. A driver uses it when a run
// never started (its machines could not connect), so that no empty run is
// left behind to block a retry under the same id. Close the run's Recorder
// first. It returns ErrNotFound for an unknown id.
func (s *Store) DeleteRun(id string) error {
	err := s.update(func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		if runs.Get([]byte(id)) == nil {
			return fmt.Errorf("store %s: run %s: %w", s.path, id, ErrNotFound)
		}
		if err := runs.Delete([]byte(id)); err != nil {
			return err
		}
		err := tx.Bucket(bucketData).DeleteBucket([]byte(id))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete run %s: %w", id, err)
	}
	return nil
}
