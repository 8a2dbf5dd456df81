package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeOutputFile writes a file the user asked for (--html) through a
// temporary file in the same directory, renamed into place only when
// everything was written, so a failure never leaves half a page or
// clobbers the previous one. "-" writes to stdout instead. A file it
// wrote is logged as "wrote <what>" with its size, so the user sees where
// the page went.
func writeOutputFile(e *env, path, what string, write func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(e.stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	// Say what is wrong with the path itself, not with the temporary
	// file's name, which the user never chose.
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageErrorf("write %s: no directory %s to write it in", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usageErrorf("write %s: it is a directory", path)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("write %s: cannot create a file in %s: %w", path, dir, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	var size int64
	if err == nil {
		size, err = tmp.Seek(0, io.SeekCurrent)
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	e.log.Info("wrote "+what, "file", path, "bytes", size)
	return nil
}
