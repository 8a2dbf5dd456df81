package record

import (
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// guard runs fn, which reads or writes the store through bbolt, and turns a
// panic or a memory fault inside it into an ErrCorrupt error.
//
// Why recover here: bbolt trusts the pages of its file. A corrupted page (a
// flipped byte in a branch or leaf) makes it fail an assertion (a panic,
// "Page expected to be: 10, but self identifies as ..."), index out of
// range, or follow an offset out of its memory map (a SIGSEGV or SIGBUS,
// which kill the process unless SetPanicOnFault turns them into panics).
// There is no better way: bbolt has no option to verify pages as it reads
// them, and a full tx.Check on every open would read the whole file. The
// recover is confined to this boundary, around bbolt's transactions; bbolt
// rolls the transaction back on the way out, so a failed write leaves the
// file as it was. The price: a panic in a caller's callback run inside
// View is reported the same way, with its value in the message.
func (s *Store) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = s.corruptf("reading it failed: %v", p)
		}
	}()
	return fn()
}

// view is db.View under guard.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return s.guard(func() error { return s.db.View(fn) })
}
