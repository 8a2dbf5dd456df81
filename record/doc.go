// Package record is the embedded bbolt store of recorded runs.
//
// A run has metadata (RunMeta) and, per machine, a log: the exact sequence of
// inputs that machine saw, arrivals and ticks interleaved in the order it saw
// them, with each tick carrying the one core.Event it produced. Replay feeds
// a log back through core in exactly this order and compares the outputs, so
// the order within a machine's log is the one thing this package must never
// change.
//
// Writers use a Recorder: Append only queues in memory, and a background
// goroutine commits the queue at least every RecorderOptions.FlushEvery, one
// bbolt transaction for all machines, packing many entries per bbolt value
// (a chunk). Readers use View, which gives a Reader over one read
// transaction, and stream a machine's log with Reader.Entries.
//
// Each `lamport machine` process records to its own store; Merge joins them.
// Check verifies every invariant the layout promises, the way bbolt's
// tx.Check does for pages.
//
// The byte-level layout is documented in docs/STORE.md. The schedule's
// types (core.Entry and its kinds) belong to core; this package only stores
// them.
//
// # Caveats
//
// One writer per file. A read-write Open holds the file's exclusive lock
// for as long as the Store is open, and bbolt's lock belongs to the open
// file, so a second Open of the same path fails with ErrLocked after
// Options.LockTimeout even in the same process. A live run keeps its store
// open for its whole length: readers of that file wait for it to end.
//
// A crash loses what was appended since the last commit. Append only
// queues; the recorder commits every RecorderOptions.FlushEvery (and on
// Flush and Close). Committed entries are never lost or torn, and the next
// Open reads the run as interrupted.
//
// Readers are scoped. A Reader, its EntryIters and its TimeWalks are valid
// only inside View's callback; an entry returned by TimeWalk.Next is valid
// until the next call. Keep copies, not pointers.
//
// Entries are stored as given. The recorder does not check the model's
// rules; Check and replay do. Check also recounts every log, so it reads
// the whole store.
//
// bbolt trusts its pages. A damaged page makes bbolt panic or fault inside
// its memory map; every call of this package into bbolt recovers that and
// returns an error that errors.Is ErrCorrupt, but a panic raised by the
// caller's own callback goes on as it was.
//
// The file does not shrink. Deleting a run frees pages for reuse inside the
// file; only a copy (bbolt's compact) gives the space back.
package record
