package record

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's file header, as go.etcd.io/bbolt/internal/common lays it out:
// pages 0 and 1 are meta pages; each starts with a 16-byte page header,
// then the meta fields in native byte order, then an FNV-64a checksum of
// the fields before it.
const (
	boltMagic        = 0xED0CDAED
	boltMetaOffset   = 16 // page header: id, flags, count, overflow
	boltMetaSumStart = boltMetaOffset
	boltMetaSumEnd   = boltMetaOffset + 56 // magic .. txid
	boltMetaSize     = boltMetaSumEnd + 8
)

// boltMeta is the part of a bbolt meta page checkFile needs.
type boltMeta struct {
	pageSize uint32
	pgid     uint64 // the high-water mark: pages [0, pgid) are in use
	txid     uint64
}

// readBoltMeta decodes the meta page at the start of b; ok is false when the
// magic or the checksum is wrong.
func readBoltMeta(b []byte) (m boltMeta, magic, ok bool) {
	if len(b) < boltMetaSize {
		return m, false, false
	}
	ne := binary.NativeEndian
	if ne.Uint32(b[boltMetaOffset:]) != boltMagic {
		return m, false, false
	}
	h := fnv.New64a()
	h.Write(b[boltMetaSumStart:boltMetaSumEnd])
	if h.Sum64() != ne.Uint64(b[boltMetaSumEnd:]) {
		return m, true, false
	}
	m.pageSize = ne.Uint32(b[boltMetaOffset+8:])
	m.pgid = ne.Uint64(b[boltMetaOffset+40:])
	m.txid = ne.Uint64(b[boltMetaOffset+48:])
	return m, true, m.pageSize >= 512 && m.pageSize <= 1<<20
}

// checkFile refuses, before bbolt maps it, a store file that bbolt would
// misread: a directory or device, an empty file, a file that is not bbolt,
// and a truncated one. The last matters most: bbolt maps the file and trusts
// its meta page, so reading a page past the end of a truncated file is a
// SIGBUS, which kills the process with no chance to recover. A missing file
// passes (Open creates it, or reports it when read-only).
func checkFile(path string) error {
	info, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("open store: %w", err)
	case info.IsDir():
		return fmt.Errorf("store %s is a directory: %w", path, ErrNotStore)
	case !info.Mode().IsRegular():
		return fmt.Errorf("store %s is not a regular file: %w", path, ErrNotStore)
	case info.Size() == 0:
		return fmt.Errorf("store %s is an empty file: %w (remove it, or name a new file)", path, ErrNotStore)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer f.Close()
	head := make([]byte, boltMetaSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("store %s (%d bytes) is too short to be a bbolt file: %w", path, info.Size(), ErrNotStore)
	}
	m0, magic, ok0 := readBoltMeta(head)
	if !magic {
		return fmt.Errorf("store %s is not a bbolt file: %w", path, ErrNotStore)
	}
	best, ok := m0, ok0
	// The second meta page follows the first; bbolt writes the two in turn
	// and trusts the valid one with the higher transaction id.
	pageSize := int64(m0.pageSize)
	if !ok0 {
		pageSize = int64(os.Getpagesize())
	}
	if _, err := f.ReadAt(head, pageSize); err == nil {
		if m1, _, ok1 := readBoltMeta(head); ok1 && (!ok || m1.txid > best.txid) {
			best, ok = m1, true
		}
	}
	if !ok {
		return fmt.Errorf("store %s: %w: both bbolt meta pages fail their checksum", path, ErrCorrupt)
	}
	// The size is taken after the meta pages are read: a writer in another
	// process grows the file before it commits a meta page naming the new
	// pages, so this order never mistakes a growing store for a truncated one.
	if info, err = f.Stat(); err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if need := best.pgid * uint64(best.pageSize); uint64(info.Size()) < need {
		return fmt.Errorf("store %s: %w: the file is truncated: %d bytes, its header needs %d (%d pages of %d)",
			path, ErrCorrupt, info.Size(), need, best.pgid, best.pageSize)
	}
	return nil
}
