package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// writeResult prints a command's result to w: v as indented JSON with
// asJSON, otherwise as text writes it; what names it in an error.
func writeResult(w io.Writer, what string, asJSON bool, v any, text func(io.Writer) error) error {
	out := bufio.NewWriter(w)
	var err error
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	} else {
		err = text(out)
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}
