// Package datadriven runs test scripts in the style of etcd raft's and
// CockroachDB's testdata files, for this project's tests only. A script is
// a sequence of directives:
//
//	# a comment, or a blank line, between directives
//	command key=value key=a,b flag
//	optional input lines
//	----
//	the expected output, ended by a blank line or the end of the file
//
// Run calls the test's handler with each directive in order (the handler
// keeps whatever state the script builds up) and compares what it returns
// with the expected output. With -rewrite (go test ./pkg -rewrite) it
// writes what the handler returned into the file instead, so expected
// outputs are regenerated and then read in review. Outputs cannot hold a
// blank line, which would end them.
package datadriven

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of the testdata scripts")

// Rewriting reports whether the test runs with -rewrite.
func Rewriting() bool { return *rewrite }

// Arg is one argument of a command: key=v1,v2 has Vals [v1 v2]; a bare key
// has none.
type Arg struct {
	Key  string
	Vals []string
}

// Directive is one command of a script with its input and expected output.
type Directive struct {
	// Pos is file:line of the command, for messages.
	Pos   string
	Cmd   string
	Args  []Arg
	Input string
	// Expected is the output the file holds.
	Expected string
}

// Has reports whether the directive has argument key.
func (d *Directive) Has(key string) bool {
	for _, a := range d.Args {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Arg returns argument key's values and whether it is there.
func (d *Directive) Arg(key string) ([]string, bool) {
	for _, a := range d.Args {
		if a.Key == key {
			return a.Vals, true
		}
	}
	return nil, false
}

// Str returns argument key's one value, or def when it is absent.
func (d *Directive) Str(key, def string) (string, error) {
	v, ok := d.Arg(key)
	if !ok {
		return def, nil
	}
	if len(v) != 1 {
		return "", fmt.Errorf("%s wants one value, got %q", key, v)
	}
	return v[0], nil
}

// Uint returns argument key as a number, or def when it is absent.
func (d *Directive) Uint(key string, def uint64) (uint64, error) {
	s, err := d.Str(key, "")
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%s: %v", key, s, err)
	}
	return n, nil
}

// Uints returns argument key's values as numbers; absent is nil.
func (d *Directive) Uints(key string) ([]uint64, error) {
	vs, _ := d.Arg(key)
	var out []uint64
	for _, s := range vs {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %v", key, s, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// Files lists the scripts (*.txt) in dir, failing the test when there
// are none, so a misplaced directory cannot pass as an empty one.
func Files(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in %s (%v)", dir, err)
	}
	return files
}

// Run runs the script at path, calling handle for each directive. A
// handler's error fails the test at the directive. The returned output is
// compared with the expected one (a trailing newline is ignored); with
// -rewrite it replaces the expected one in the file.
func Run(t *testing.T, path string, handle func(t *testing.T, d *Directive) (string, error)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text, mismatches := run(t, path, string(data), *rewrite, handle)
	for _, m := range mismatches {
		t.Error(m)
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs the script data and returns it with the handler's outputs in
// place of the expected ones, and, unless rewriting, every output that
// differs from the expected one.
func run(t *testing.T, path, data string, rewriting bool, handle func(t *testing.T, d *Directive) (string, error)) (string, []string) {
	t.Helper()
	lines := strings.Split(data, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1] // the file's final newline
	}
	var out strings.Builder
	var mismatches []string
	for i := 0; i < len(lines); {
		line := lines[i]
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			out.WriteString(line + "\n")
			i++
			continue
		}
		d := &Directive{Pos: fmt.Sprintf("%s:%d", path, i+1)}
		fields := strings.Fields(line)
		d.Cmd = fields[0]
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			a := Arg{Key: k}
			if ok {
				a.Vals = strings.Split(v, ",")
			}
			d.Args = append(d.Args, a)
		}
		out.WriteString(line + "\n")
		i++
		var input []string
		for i < len(lines) && lines[i] != "----" {
			if strings.TrimSpace(lines[i]) == "" {
				t.Fatalf("%s: %s has no ---- before a blank line", d.Pos, d.Cmd)
			}
			input = append(input, lines[i])
			out.WriteString(lines[i] + "\n")
			i++
		}
		if i == len(lines) {
			t.Fatalf("%s: %s has no ----", d.Pos, d.Cmd)
		}
		d.Input = strings.Join(input, "\n")
		out.WriteString("----\n")
		i++
		var expected []string
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			expected = append(expected, lines[i])
			i++
		}
		d.Expected = strings.Join(expected, "\n")

		got, err := handle(t, d)
		if err != nil {
			t.Fatalf("%s: %s: %v", d.Pos, d.Cmd, err)
		}
		got = strings.TrimRight(got, "\n")
		if rewriting {
			for _, l := range strings.Split(got, "\n") {
				if strings.TrimSpace(l) == "" && got != "" {
					t.Fatalf("%s: %s: the output has a blank line, which would end it:\n%s", d.Pos, d.Cmd, got)
				}
			}
			if got != "" {
				out.WriteString(got + "\n")
			}
			continue
		}
		if got != d.Expected {
			mismatches = append(mismatches, fmt.Sprintf("%s: %s: output differs\n got:\n%s\nwant:\n%s", d.Pos, d.Cmd, got, d.Expected))
		}
		if d.Expected != "" {
			out.WriteString(d.Expected + "\n")
		}
	}
	return out.String(), mismatches
}
