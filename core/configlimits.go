package core

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Limits of a config. Both are far beyond any study (the classic exercise
// has three machines) and far below what exhausts memory, so a typo or a
// hostile file is refused before it costs anything.
const (
	// MaxMachines bounds the machines of a config. It matches the largest
	// ring 'lamport sim --machines' builds.
	MaxMachines = 100_000
	// MaxConfigBytes bounds the size of a config document: room for
	// MaxMachines machines with long host names.
	MaxConfigBytes = 32 << 20
)

// countMachines counts the entries of the top-level "machines" list
// without keeping any of them, so a list over MaxMachines is refused before
// one entry per machine is allocated. It stops counting past limit. On input
// it cannot walk it returns 0: the full decode then reports the error with
// its position.
func countMachines(data []byte, limit int) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0
		}
		// encoding/json matches field names case-insensitively.
		if k, _ := key.(string); !strings.EqualFold(k, "machines") {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 0
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return 0
		}
		n := 0
		for dec.More() && n <= limit {
			var skip struct{}
			if dec.Decode(&skip) != nil {
				return 0
			}
			n++
		}
		return n
	}
	return 0
}
