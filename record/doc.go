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
// The byte-level layout is documented in docs/STORE.md.
package record
