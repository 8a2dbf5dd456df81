package datadriven

import (
	"strings"
	"testing"
)

const script = `# a comment
echo a=1 b=x,y flag
line one
line two
----
stale output

# the last directive, its output at the end of the file
count n=3
----
`

// handle echoes its arguments and input, or counts to n.
func handle(t *testing.T, d *Directive) (string, error) {
	switch d.Cmd {
	case "echo":
		b, _ := d.Arg("b")
		a, err := d.Uint("a", 0)
		return strings.Join([]string{d.Input, strings.Join(b, "+"), strings.Repeat("a", int(a)), map[bool]string{true: "flag"}[d.Has("flag")]}, "\n"), err
	case "count":
		n, err := d.Uint("n", 0)
		var out []string
		for i := range n {
			out = append(out, strings.Repeat("*", int(i)+1))
		}
		return strings.Join(out, "\n"), err
	}
	t.Fatalf("unknown %s", d.Cmd)
	return "", nil
}

func TestRewriteThenCompare(t *testing.T) {
	if _, bad := run(t, "s", script, false, handle); len(bad) != 2 {
		t.Fatalf("a stale and a missing output gave %d mismatches: %q", len(bad), bad)
	}
	got, bad := run(t, "s", script, true, handle)
	want := strings.Replace(script, "stale output\n", "line one\nline two\nx+y\na\nflag\n", 1) + "*\n**\n***\n"
	if got != want || bad != nil {
		t.Fatalf("rewritten (%q):\n%s\nwant:\n%s", bad, got, want)
	}
	if again, bad := run(t, "s", got, false, handle); bad != nil || again != got {
		t.Fatalf("the rewritten script does not pass: %q", bad)
	}
	// One wrong expected line is one mismatch, named by its line.
	_, bad = run(t, "s", strings.Replace(want, "**\n", "*\n", 1), false, handle)
	if len(bad) != 1 || !strings.HasPrefix(bad[0], "s:13: count: output differs") {
		t.Fatalf("a wrong expected line gave %q", bad)
	}
}
