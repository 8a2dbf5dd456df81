package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateHelp = flag.Bool("update", false, "rewrite the --help goldens in testdata/help")

// TestHelpGoldens compares the top-level usage and every command's --help
// with its golden file in testdata/help, so a change to what users read
// is seen in review. -update rewrites them.
func TestHelpGoldens(t *testing.T) {
	cases := map[string][]string{"lamport": {"--help"}}
	for _, c := range commands() {
		cases[c.name] = []string{c.name, "--help"}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := lamport(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			checkGolden(t, filepath.Join("testdata", "help", name+".txt"), out)
		})
	}
}

// checkGolden compares got with the file at path, or with -update writes it.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateHelp {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/lamport -run TestHelpGoldens -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what the command prints (-update rewrites it); got:\n%s", path, got)
	}
}
