package record

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this package reads and writes. It is
// stored under meta/schema; any change to the layout or an encoding bumps it
// (docs/STORE.md, "Schema versions").
const SchemaVersion = 4

// oldestSchema is the oldest version this package still reads. Version 2
// only added fault entries and two stats fields to version 1; version 3
// only added delta chunks, which say so in their first byte and may follow
// older chunks in one log; version 4 only added the flat layout of a log,
// told from the nested one by its keys (machinelog.go). So a store of any
// older version reads as it is and becomes version 4 when first opened
// for writing.
const oldestSchema = 1

// growStep is how much the file grows by at most, beyond what a commit
// needs; minGrowStep at least. growStepFor picks between them.
const (
	growStep    = 1 << 18
	minGrowStep = 1 << 15
)

// growStepFor is how much a file of size bytes grows by beyond what a
// commit needs: an eighth of its size, within [minGrowStep, growStep], so
// a small store stays small and a large one costs a truncate and fsync at
// most once per commit.
func growStepFor(size int) int { return min(max(size/8, minGrowStep), growStep) }

// writerMmapSize is the memory map a writable store starts with. bbolt
// maps the file anew whenever it outgrows its map, and before each new map
// it copies every page the write transaction has touched to the heap: a
// commit of tens of MB that grew the file from scratch copied its data
// about ten times. Address space is cheap on a 64-bit system; only the
// pages read or written take memory.
const writerMmapSize = 1 << 30

// DefaultLockTimeout is how long Open waits for another process to let go of
// the store file.
const DefaultLockTimeout = 500 * time.Millisecond

// Options tune Open.
type Options struct {
	// ReadOnly opens the file with a shared lock: many readers may share
	// it, no writer may hold it. A missing file is an error.
	ReadOnly bool
	// LockTimeout bounds the wait for the file lock; <= 0 means
	// DefaultLockTimeout. (bbolt treats 0 as "wait forever", which a CLI
	// must never do.)
	LockTimeout time.Duration
}

// Store is an open store file. Its methods are safe for concurrent use, as
// bbolt's are.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	pageSize int // the file's, read once: db.Info races with a remap
	// recovered holds, on a read-only store, the runs that were left
	// running by a dead process, as they read: interrupted. It is set once
	// by Open and never changes: while this store holds the shared lock no
	// writer can open the file. A writable Open writes them instead.
	recovered map[string]RunMeta
}

// Open opens the store at path, creating the file and its buckets unless
// opt.ReadOnly.
func Open(path string, opt Options) (*Store, error) {
	if opt.LockTimeout <= 0 {
		opt.LockTimeout = DefaultLockTimeout
	}
	if opt.ReadOnly {
		// bbolt would report the missing file too, but only after trying
		// to initialise it; say plainly what is missing.
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	db, created, err := openBolt(path, opt)
	if err != nil && created && !errors.Is(err, bolterrors.ErrTimeout) {
		// A full disk while bbolt writes the first pages: a file of
		// 0 bytes or part of a header would refuse every later command.
		// (On a lock timeout another process got the new file first and
		// is using it.)
		removeCreated(path)
	}
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open store %s: %w (lock not acquired within %v)", path, ErrLocked, opt.LockTimeout)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, fmt.Errorf("store %s is not a bbolt file this lamport reads (%v): %w", path, err, ErrNotStore)
	case errors.As(err, new(*damageError)):
		return nil, err
	case errors.Is(err, bolterrors.ErrChecksum):
		return nil, fmt.Errorf("store %s: %w: %v", path, ErrCorrupt, err)
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// bbolt grows a file past 16 MB in 16 MB steps, which would be most of
	// a small store's size on disk; every write transaction sets the step
	// for its commit (growStepFor).
	db.AllocSize = growStep
	s := &Store{db: db, path: path, readOnly: opt.ReadOnly, pageSize: db.Info().PageSize}
	if err := s.init(); err != nil {
		db.Close()
		if created {
			// The buckets of a new file did not fit: it holds nothing.
			removeCreated(path)
		}
		return nil, err
	}
	return s, nil
}

// openBolt is bolt.Open under the same guard as a transaction: a writable
// open reads the freelist page, and a damaged one makes bbolt panic. A
// panic leaves bbolt's file open and locked with no DB to close it by, so
// the file is kept as bbolt opens it, unlocked and closed here (the file's
// memory map stays until the process ends).
//
// created says whether this call made the file: bbolt opens with O_CREATE,
// which cannot tell, so the file is first tried with O_EXCL.
func openBolt(path string, opt Options) (db *bolt.DB, created bool, err error) {
	var file *os.File
	openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if flag&os.O_CREATE != 0 {
			f, err := os.OpenFile(name, flag|os.O_EXCL, perm)
			if err == nil {
				file, created = f, true
				return f, nil
			}
			if !errors.Is(err, fs.ErrExist) {
				return nil, err
			}
		}
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if file != nil {
				unlockFile(file)
				file.Close()
			}
			db, err = nil, &damageError{path: path, cause: p}
		}
	}()
	bopt := &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: opt.ReadOnly, OpenFile: openFile}
	if !opt.ReadOnly && strconv.IntSize == 64 {
		bopt.InitialMmapSize = writerMmapSize
	}
	db, err = bolt.Open(path, 0o644, bopt)
	return db, created, err
}

// removeCreated removes a store file Open created and could not
// initialise. Only ever called on a file this Open made: an existing store
// is never removed. A failure to remove leaves the file, which the next
// Open reports as empty or truncated; the first error is the one to show.
func removeCreated(path string) {
	_ = os.Remove(path)
}

// init checks the schema version, finds the runs a dead process left
// running (recoverRuns), and, when writable, marks them interrupted and
// creates what a fresh file lacks. It writes only when something is
// missing or recovered, so opening a healthy store costs no commit.
func (s *Store) init() error {
	var fresh, missing bool
	var recovered map[string]RunMeta
	err := s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			if err := tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil }); err != nil {
				return err
			}
			if !empty {
				return fmt.Errorf("store %s: %w: no %q bucket, not a lamport store (this lamport reads version %d)", s.path, ErrSchema, bucketMeta, SchemaVersion)
			}
			fresh = true
			return nil
		}
		v, err := checkSchema(s.path, meta.Get(keySchema))
		if err != nil {
			return err
		}
		missing = tx.Bucket(bucketRuns) == nil || tx.Bucket(bucketData) == nil || v < SchemaVersion
		recovered = s.recoverRuns(tx)
		return nil
	})
	if err != nil {
		return err
	}
	if s.readOnly {
		// A read-only empty file reads as an empty store.
		s.recovered = recovered
		return nil
	}
	if err := s.persistRecovered(recovered); err != nil {
		return err
	}
	if !(fresh || missing) {
		return nil
	}
	err = s.update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketRuns, bucketData} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		// A fresh file, or an older version's, which needs no migration.
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(SchemaVersion)))
	})
	if err != nil {
		return fmt.Errorf("store %s: create buckets: %w", s.path, err)
	}
	return nil
}

// checkSchema returns the store's schema version if this package reads it.
func checkSchema(path string, v []byte) (int, error) {
	if v == nil {
		return 0, fmt.Errorf("store %s: %w: no store format version (this lamport reads version %d)", path, ErrSchema, SchemaVersion)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("store %s: %w: unreadable store format version %q (this lamport reads version %d)", path, ErrSchema, v, SchemaVersion)
	}
	if n < oldestSchema || n > SchemaVersion {
		return 0, fmt.Errorf("store %s has format version %d; this lamport reads versions %d to %d: %w", path, n, oldestSchema, SchemaVersion, ErrSchema)
	}
	return n, nil
}

// Close releases the file and its lock. Recorders must be closed first.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// update runs fn in a write transaction, refusing on a read-only store.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("store %s: %w", s.path, ErrReadOnly)
	}
	return s.guard(func(*boundary) error {
		return s.db.Update(func(tx *bolt.Tx) error {
			s.setGrowStep(tx)
			return fn(tx)
		})
	})
}

// setGrowStep sets how much the file grows by if tx's commit outgrows it.
// bbolt reads AllocSize only while committing, under the lock that every
// write transaction holds, as tx does.
func (s *Store) setGrowStep(tx *bolt.Tx) { s.db.AllocSize = growStepFor(int(tx.Size())) }

// updateCalling is update where fn runs the caller's code through
// b.caller.
func (s *Store) updateCalling(fn func(*bolt.Tx, *boundary) error) error {
	if s.readOnly {
		return fmt.Errorf("store %s: %w", s.path, ErrReadOnly)
	}
	return s.guard(func(b *boundary) error {
		return s.db.Update(func(tx *bolt.Tx) error {
			s.setGrowStep(tx)
			return fn(tx, b)
		})
	})
}

// corruptf builds an ErrCorrupt error naming the store.
func (s *Store) corruptf(format string, args ...any) error {
	return fmt.Errorf("store %s: %w: %s", s.path, ErrCorrupt, fmt.Sprintf(format, args...))
}
