package main

import (
	"bytes"
	"os"
	"testing"
)

// Progress is for people at a terminal only: piped or captured output, and
// --quiet, get no bar (and nothing on stderr from it).
func TestProgressOnlyOnATerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	e := newEnv(&out, &errOut)
	if p := newProgress(e, false, 100, "x"); p != nil {
		t.Fatal("a bar was made for a buffer")
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if p := newProgress(newEnv(devnull, devnull), false, 100, "x"); p != nil {
		t.Fatal("a bar was made for /dev/null, which is not a terminal")
	}
	var none *progress
	none.update(5, 5) // a nil progress must be safe to use
	none.finish()
	if errOut.Len() != 0 {
		t.Fatalf("progress wrote %q", errOut.String())
	}
}
