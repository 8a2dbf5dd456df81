package main

import (
	"errors"
	"os"
)

// checkExistingStore opens an existing store read-only and closes it, so a
// command that writes the store only at its end (run --procs merges the
// machines' stores after they finish) refuses a bad one before it starts.
// Listing the runs reads the pages a merge writes through, so damage there
// is found too. A missing file passes: it will be created.
func checkExistingStore(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	st, err := openStore(path, true)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Runs()
	return err
}
