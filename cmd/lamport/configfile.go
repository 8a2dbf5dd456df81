package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"lamport/core"
)

// readConfigFile reads a machines file, reading no more than one byte past
// core.MaxConfigBytes so that a huge file, or --config /dev/zero, is refused
// instead of filling memory.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config %s does not exist (the repository's config.json can be copied here; --config names another)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, fmt.Errorf("config %s is a directory, not a JSON file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, core.MaxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if len(data) > core.MaxConfigBytes {
		return nil, fmt.Errorf("config %s is over the limit of %d bytes", path, core.MaxConfigBytes)
	}
	return data, nil
}
