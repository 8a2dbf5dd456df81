// Package boltdamage damages bbolt files the way a failing disk does, for
// the tests of the store and of the command line: one home for knowledge
// of bbolt's file layout that lamport itself never needs.
package boltdamage

import (
	"encoding/binary"
	"fmt"
)

// ZeroFreelist zeroes the freelist page that the newer of a bbolt file's
// two meta pages names (meta layout: a 16-byte page header, then magic,
// version, page size, flags, root bucket (16 bytes), freelist, pgid,
// txid), for files of 4096-byte pages.
func ZeroFreelist(data []byte) error {
	const pageSize, hdr = 4096, 16
	if len(data) < 2*pageSize {
		return fmt.Errorf("a bbolt file is at least two pages; this one is %d bytes", len(data))
	}
	ne := binary.NativeEndian
	var freelist, txid uint64
	for m := range 2 {
		b := data[m*pageSize:]
		if ne.Uint32(b[hdr:]) != 0xED0CDAED {
			return fmt.Errorf("meta page %d has no bbolt magic", m)
		}
		if tx := ne.Uint64(b[hdr+48:]); tx >= txid {
			txid, freelist = tx, ne.Uint64(b[hdr+32:])
		}
	}
	if freelist < 2 || int(freelist+1)*pageSize > len(data) {
		return fmt.Errorf("freelist page %d is not in the file of %d bytes", freelist, len(data))
	}
	clear(data[freelist*pageSize : (freelist+1)*pageSize])
	return nil
}
