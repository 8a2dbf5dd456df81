package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The documentation's examples are the product's first test: every fenced
// block in README.md and docs/*.md whose lines start with "$ lamport" is
// run here, in order, one fresh directory per document, and what each
// command prints is compared with the lines that follow it. Run ids, wall
// times and the temporary directory are normalised; a block whose info
// string says "varies" (a live run over real TCP) is compared by shape:
// every number stands for any number. A line "..." in the document stands
// for any number of lines. So changing an output format without updating
// the docs fails the suite.
//
// go test ./cmd/lamport -run TestDocs -update-docs rewrites the shown
// output with what the commands print now; read the diff before committing.
var updateDocs = flag.Bool("update-docs", false, "rewrite the output shown in README.md and docs/*.md")

// docCommand is one "$ lamport ..." line of a document and the output shown
// under it.
type docCommand struct {
	line     int // 1-based line of the "$ " in the document
	text     string
	want     []string
	wantFrom int // index into the document's lines of the first output line
	varies   bool
}

func TestDocsExamplesPrintWhatTheyShow(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	for _, doc := range docs {
		name, _ := filepath.Rel(root, doc)
		t.Run(name, func(t *testing.T) {
			runDocExamples(t, root, doc)
		})
	}
}

func runDocExamples(t *testing.T, root, doc string) {
	src, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	cmds, err := parseDocCommands(lines)
	if err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	if len(cmds) == 0 {
		return
	}
	dir := t.TempDir()
	t.Chdir(dir)
	writeDocConfig(t, root, dir)
	// What each command printed, for -update-docs.
	printed := make([][]string, len(cmds))
	for i, c := range cmds {
		got := runDocCommand(t, doc, c)
		if *updateDocs {
			printed[i] = got
			continue
		}
		if c.varies {
			// A live run may warn (a message still in flight at the end);
			// what it warns depends on timing, so a varying block leaves
			// the log lines out.
			got = dropLogLines(got)
		}
		norm := func(ls []string) []string { return normaliseDocLines(ls, dir, c.varies) }
		if !matchDocLines(norm(c.want), norm(got)) {
			t.Errorf("%s:%d: $ %s\nthe document shows:\n%s\nthe command printed:\n%s",
				filepath.Base(doc), c.line, c.text, strings.Join(c.want, "\n"), strings.Join(got, "\n"))
		}
	}
	if *updateDocs {
		// Bottom-up, so the line numbers of the commands above still hold.
		for i := len(cmds) - 1; i >= 0; i-- {
			c := cmds[i]
			end := c.wantFrom + len(c.want)
			lines = append(lines[:c.wantFrom], append(printed[i], lines[end:]...)...)
		}
		if err := os.WriteFile(doc, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// parseDocCommands finds the "$ lamport" lines of every fenced block and the
// output shown under each, up to the next "$ " line or the block's end.
func parseDocCommands(lines []string) ([]docCommand, error) {
	var cmds []docCommand
	inBlock, varies := false, false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "```") {
			if !inBlock {
				inBlock = true
				varies = strings.Contains(l, "varies")
			} else {
				inBlock = false
			}
			continue
		}
		if !inBlock || !strings.HasPrefix(l, "$ ") {
			continue
		}
		text := strings.TrimPrefix(l, "$ ")
		if !strings.HasPrefix(text, "lamport ") && !strings.Contains(text, " lamport ") {
			return nil, fmt.Errorf("line %d: only lamport commands can be shown with their output: %q", i+1, l)
		}
		c := docCommand{line: i + 1, text: text, wantFrom: i + 1, varies: varies}
		j := i + 1
		for ; j < len(lines) && !strings.HasPrefix(lines[j], "```") && !strings.HasPrefix(lines[j], "$ "); j++ {
			c.want = append(c.want, lines[j])
		}
		// Blank lines between commands separate them; they are not output.
		for len(c.want) > 0 && c.want[len(c.want)-1] == "" && j < len(lines) && strings.HasPrefix(lines[j], "$ ") {
			c.want = c.want[:len(c.want)-1]
		}
		cmds = append(cmds, c)
		i = j - 1
	}
	if inBlock {
		return nil, fmt.Errorf("a fenced block is not closed")
	}
	return cmds, nil
}

// runDocCommand runs one shown command line in-process. It understands the
// little shell the documents use: VAR=value before the command, quotes, a
// trailing "# comment", "| head -N", "| tail -N", "> file" and "> /dev/null".
// Anything else fails the test, so an example is never silently skipped.
func runDocCommand(t *testing.T, doc string, c docCommand) []string {
	t.Helper()
	words, err := splitDocShell(c.text)
	if err != nil {
		t.Fatalf("%s:%d: %v", filepath.Base(doc), c.line, err)
	}
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		k, v, _ := strings.Cut(words[0], "=")
		t.Setenv(k, v)
		words = words[1:]
	}
	if len(words) == 0 || words[0] != "lamport" {
		t.Fatalf("%s:%d: not a lamport command: %q", filepath.Base(doc), c.line, c.text)
	}
	args, head, tail, outFile := words[1:], -1, -1, ""
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "|":
			if i+2 >= len(args) || (args[i+1] != "head" && args[i+1] != "tail") || !strings.HasPrefix(args[i+2], "-") {
				t.Fatalf("%s:%d: only '| head -N' and '| tail -N' are understood: %q", filepath.Base(doc), c.line, c.text)
			}
			n, err := strconv.Atoi(args[i+2][1:])
			if err != nil {
				t.Fatalf("%s:%d: %v", filepath.Base(doc), c.line, err)
			}
			if args[i+1] == "head" {
				head = n
			} else {
				tail = n
			}
			if len(args) > i+3 {
				t.Fatalf("%s:%d: nothing may follow '| %s': %q", filepath.Base(doc), c.line, args[i+1], c.text)
			}
			args = args[:i]
		case ">":
			if i+1 >= len(args) || len(args) > i+2 {
				t.Fatalf("%s:%d: '>' takes one file at the end: %q", filepath.Base(doc), c.line, c.text)
			}
			outFile = args[i+1]
			args = args[:i]
		}
	}
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	want := 0
	if docShowsExitCode(c.want) >= 0 {
		want = docShowsExitCode(c.want)
	} else if args[0] == "replay" || args[0] == "diff" {
		// replay and diff exit 1 for a difference, and the document shows it.
		if code == 1 {
			want = 1
		}
	}
	if code != want {
		t.Fatalf("%s:%d: $ %s: exit %d, want %d\nstderr: %s", filepath.Base(doc), c.line, c.text, code, want, stderr.String())
	}
	out := stdout.String()
	if outFile != "" {
		if outFile != "/dev/null" {
			if err := os.WriteFile(outFile, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out = ""
	}
	// What a user sees on a terminal: stderr (one error line, or nothing
	// when the command succeeds quietly) and stdout.
	got := strings.Split(strings.TrimRight(stderr.String()+out, "\n"), "\n")
	if len(got) == 1 && got[0] == "" {
		got = nil
	}
	if head >= 0 && len(got) > head {
		got = got[:head]
	}
	if tail >= 0 && len(got) > tail {
		got = got[len(got)-tail:]
	}
	return got
}

// dropLogLines leaves out the diagnostic lines of log/slog's text format.
func dropLogLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "time=") {
			out = append(out, l)
		}
	}
	return out
}

// docShowsExitCode reads a trailing "exit N" line some examples show; -1 if
// there is none.
func docShowsExitCode(want []string) int {
	for _, l := range want {
		if n, ok := strings.CutPrefix(strings.TrimSpace(l), "# exit "); ok {
			if v, err := strconv.Atoi(n); err == nil {
				return v
			}
		}
	}
	return -1
}

// splitDocShell splits a command line into words with POSIX-like quoting,
// dropping a trailing comment.
func splitDocShell(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '#' && !inWord:
			return words, nil
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '\'' || ch == '"':
			end := strings.IndexByte(s[i+1:], ch)
			if end < 0 {
				return nil, fmt.Errorf("unclosed quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// writeDocConfig gives the document's directory the repository's
// config.json, as a user who cloned it has, with free ports so the test
// runs beside others.
func writeDocConfig(t *testing.T, root, dir string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(src, &cfg); err != nil {
		t.Fatal(err)
	}
	machines, _ := cfg["machines"].([]any)
	ports := freePorts(t, len(machines))
	for i, m := range machines {
		m.(map[string]any)["port"] = ports[i]
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	docRunID    = regexp.MustCompile(`\b\d{8}-\d{6}-[0-9a-f]{6}\b`)
	docRunIDPre = regexp.MustCompile(`\b\d{8}-\d{6}\b`)
	docWallTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?`)
	docWallRate = regexp.MustCompile(`in [0-9.]+(ns|µs|ms|s) wall \([0-9.]+x real time\)`)
	docNumber   = regexp.MustCompile(`\d+([.,]\d+)*`)
	docSpaces   = regexp.MustCompile(`\s+`)
)

// normaliseDocLines replaces what differs between two runs of the same
// example: run ids, wall-clock times, the simulator's wall speed and the
// temporary directory. For a block that varies, every number too, and
// alignment.
func normaliseDocLines(lines []string, dir string, varies bool) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.ReplaceAll(l, dir, "DIR")
		l = docRunID.ReplaceAllString(l, "RUN")
		l = docRunIDPre.ReplaceAllString(l, "RUN")
		l = docWallTime.ReplaceAllString(l, "TIME")
		l = docWallRate.ReplaceAllString(l, "in WALL")
		if varies {
			l = docNumber.ReplaceAllString(l, "N")
			l = strings.TrimSpace(docSpaces.ReplaceAllString(l, " "))
		}
		out = append(out, l)
	}
	return out
}

// matchDocLines compares line by line; a shown line "..." (alone, any
// indentation) matches any number of printed lines.
func matchDocLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if strings.TrimSpace(want[0]) == "..." {
		for k := 0; k <= len(got); k++ {
			if matchDocLines(want[1:], got[k:]) {
				return true
			}
		}
		return false
	}
	if len(got) == 0 || strings.TrimRight(want[0], " ") != strings.TrimRight(got[0], " ") {
		return false
	}
	return matchDocLines(want[1:], got[1:])
}

func TestDocsMatcherCanFail(t *testing.T) {
	// The matcher is what makes the examples a test; check it refuses.
	cases := []struct {
		want, got []string
		ok        bool
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "b"}, []string{"a", "c"}, false},
		{[]string{"a"}, []string{"a", "b"}, false},
		{[]string{"a", "...", "d"}, []string{"a", "b", "c", "d"}, true},
		{[]string{"a", "...", "d"}, []string{"a", "b", "c"}, false},
		{[]string{"a", "..."}, []string{"a"}, true},
	}
	for _, c := range cases {
		if matchDocLines(c.want, c.got) != c.ok {
			t.Errorf("match(%q, %q) = %v", c.want, c.got, !c.ok)
		}
	}
	n := normaliseDocLines([]string{"run 20261128-130416-b928ea complete 10.02s"}, "/tmp/x", true)
	if n[0] != "run RUN complete N.Ns" && n[0] != "run RUN complete Ns" {
		t.Errorf("varies normalisation: %q", n[0])
	}
	if normaliseDocLines([]string{"clock=12"}, "/tmp/x", false)[0] == normaliseDocLines([]string{"clock=13"}, "/tmp/x", false)[0] {
		t.Error("an exact block ignores a changed number")
	}
	words, err := splitDocShell(`lamport sim --partition '1>3@0s-30s' > out.txt # comment`)
	if err != nil || strings.Join(words, "|") != "lamport|sim|--partition|1>3@0s-30s|>|out.txt" {
		t.Errorf("split: %q %v", words, err)
	}
}
