package core_test

import (
	"path/filepath"
	"testing"

	"lamport/internal/datadriven"
	"lamport/internal/scenario"
)

// TestScenarios runs the scripts of testdata/scenarios: machines driven
// tick by tick and arrival by arrival, every event printed with its clock,
// die and queue (internal/scenario lists the commands). Every event is
// also held to an independent implementation of docs/MODEL.md's rules, so
// an expected output cannot be rewritten into one that breaks them.
// go test ./core -run TestScenarios -rewrite regenerates the outputs.
func TestScenarios(t *testing.T) {
	for _, path := range datadriven.Files(t, filepath.Join("testdata", "scenarios")) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var w scenario.World
			datadriven.Run(t, path, func(t *testing.T, d *datadriven.Directive) (string, error) {
				out, ok, err := w.Do(d)
				if !ok {
					t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
				}
				return out, err
			})
		})
	}
}
