package record

import (
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// Why recover at all: bbolt trusts the pages of its file. A damaged page (a
// flipped byte in a branch or leaf, a zeroed freelist) makes it fail an
// assertion (a panic, "Page expected to be: 10, but self identifies as
// ..."), index out of range, or follow an offset out of its memory map (a
// SIGSEGV or SIGBUS, which kill the process unless SetPanicOnFault turns
// them into panics). There is no better way: bbolt has no option to verify
// pages as it reads them, and a full tx.Check on every open would read the
// whole file. bbolt rolls a transaction back on the way out of a panic, so
// a failed write leaves the file as it was.
//
// The recover is confined to bbolt and this package's own reading of the
// store. A callback of the caller's (View's and Scan's fn, UpdateRun's fn)
// runs inside a transaction, but a panic it raises is a bug in the caller,
// not damage: guard lets it go on, untouched, with its own stack. Calls the
// caller's code makes back into this package (a Reader's methods) recover
// their own panics (recoverDamage), so a panic that leaves a callback is
// always the caller's.

// damageError is a panic or memory fault inside bbolt or this package's
// decoding, reported as what it almost always is: a damaged file.
type damageError struct {
	path  string
	cause any // the panic value
}

func (e *damageError) Error() string {
	return fmt.Sprintf("store %s is damaged: reading it failed: %v", e.path, e.cause)
}

// Unwrap makes a damaged store errors.Is ErrCorrupt: damage is one kind of
// corrupt data.
func (e *damageError) Unwrap() error { return ErrCorrupt }

// boundary is one guarded call's record of whether a panic passing through
// it came from the caller's callback.
type boundary struct {
	callerPanicking bool
}

// guard runs fn, which reads or writes the store through bbolt, and turns a
// panic or a memory fault inside it into a damageError, unless the panic
// came out of a caller's callback that fn ran through b.caller.
func (s *Store) guard(fn func(b *boundary) error) (err error) {
	var b boundary
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if b.callerPanicking {
			// Not recovered: the runtime reports it where it was raised.
			return
		}
		if p := recover(); p != nil {
			err = &damageError{path: s.path, cause: p}
		}
	}()
	return fn(&b)
}

// caller runs the caller's callback fn, marking a panic that leaves it as
// the caller's own. It does not recover: the panic goes on as it was.
func (b *boundary) caller(fn func() error) error {
	returned := false
	defer func() {
		if !returned {
			b.callerPanicking = true
		}
	}()
	err := fn()
	returned = true
	return err
}

// recoverDamage, deferred by a method the caller's code calls inside a
// callback (a Reader's), turns a panic raised while this package reads the
// store into a damageError in *err, before it can reach the callback and
// pass for the caller's.
func (s *Store) recoverDamage(err *error) {
	if p := recover(); p != nil {
		*err = &damageError{path: s.path, cause: p}
	}
}

// view is db.View under guard; fn is this package's code.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return s.guard(func(*boundary) error { return s.db.View(fn) })
}

// viewCalling is db.View under guard, where fn runs the caller's code
// through b.caller.
func (s *Store) viewCalling(fn func(*bolt.Tx, *boundary) error) error {
	return s.guard(func(b *boundary) error {
		return s.db.View(func(tx *bolt.Tx) error { return fn(tx, b) })
	})
}
