package export_test

import (
	"strings"
	"testing"

	"lamport/export"
)

// TestFormatsAreWellFormed: every format has a unique lower-case name, a
// noun and help, and exactly one way of being written; Lookup finds each
// in any case and nothing else.
func TestFormatsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range export.Formats {
		if f.Name == "" || f.Name != strings.ToLower(f.Name) || seen[f.Name] {
			t.Errorf("format name %q: empty, not lower case or repeated", f.Name)
		}
		seen[f.Name] = true
		if f.Noun == "" || len(f.Help) == 0 {
			t.Errorf("format %s: no noun or no help", f.Name)
		}
		if (f.Lines == nil) == (f.WholeRun == nil) {
			t.Errorf("format %s: want exactly one of Lines and WholeRun", f.Name)
		}
		if got, ok := export.Lookup(strings.ToUpper(f.Name)); !ok || got.Name != f.Name {
			t.Errorf("Lookup(%q) = %q, %v", strings.ToUpper(f.Name), got.Name, ok)
		}
	}
	if _, ok := export.Lookup("xml"); ok {
		t.Error("Lookup found a format that is not registered")
	}
	if got := export.Either([]string{"a", "b", "c"}); got != "a, b or c" {
		t.Errorf("Either = %q", got)
	}
}
