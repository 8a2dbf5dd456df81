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

func TestProgressTextCountsInTheSingular(t *testing.T) {
	for _, c := range []struct {
		events uint64
		rate   float64
		want   string
	}{
		{1, 1.2, "1 event, 1 event/s"},
		{0, 0, "0 events, 0 events/s"},
		{20, 6.6, "20 events, 7 events/s"},
		{2, 0.4, "2 events, 0 events/s"},
	} {
		if got := progressText(c.events, c.rate); got != c.want {
			t.Errorf("progressText(%d, %v) = %q, want %q", c.events, c.rate, got, c.want)
		}
	}
}
