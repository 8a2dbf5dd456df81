package record

import "errors"

var (
	// ErrLocked is returned by Open when another process (or another Open
	// in this process) holds the store file and the lock was not acquired
	// within Options.LockTimeout. The returned error names the path.
	ErrLocked = errors.New("store is held open by another process")

	// ErrNotFound is returned when a run id, a reference (Resolve) or a seed
	// (LatestWithSeed) matches no run of the store.
	ErrNotFound = errors.New("no such run")

	// ErrAmbiguous is returned by Resolve when a prefix matches more than one
	// run; the message lists the candidates.
	ErrAmbiguous = errors.New("ambiguous run prefix")

	// ErrSchema is returned by Open when the store's schema version is newer
	// than SchemaVersion or is not a version this package knows (including a
	// bbolt file that is not a lamport store). The message says which
	// version the store has and which this package reads.
	ErrSchema = errors.New("unsupported store format")

	// ErrNotStore is returned by Open when the file is not a bbolt file at
	// all: a directory, an empty file, text, or anything else without
	// bbolt's header. The message names the path.
	ErrNotStore = errors.New("not a lamport store")

	// ErrExists is returned by BeginRun when a run with the same id is
	// already in the store.
	ErrExists = errors.New("run already exists")

	// ErrPartialRun is returned by RunMeta.CheckWhole, and so by replay and
	// the analyses that need every machine, for a store that holds only
	// some of a run's machines (one 'lamport machine' process's store, not
	// yet merged): the others' sends are missing, so a receive could not be
	// matched with its send.
	ErrPartialRun = errors.New("the store holds only part of the run; merge every machine's store first (lamport merge)")

	// ErrCorrupt is returned when data read from the store breaks the
	// layout: an undecodable value, a missing or misplaced key, or (from
	// Check) a broken invariant. The message says where.
	ErrCorrupt = errors.New("store data is corrupt")

	// ErrReadOnly is returned by every write (BeginRun, UpdateRun,
	// FinishRun, NewRecorder, Merge into it) on a store opened read-only.
	ErrReadOnly = errors.New("store is open read-only")

	// ErrClosed is returned by Flush and reported by Err when entries are
	// appended to a Recorder after Close; those entries are dropped.
	ErrClosed = errors.New("recorder is closed")
)
