package deploy

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"mvdan.cc/sh/v3/syntax"
)

// parseShell parses a script as POSIX sh (the manifests' scripts run in
// busybox's sh, so a bash-only construct is an error) or as bash (the
// commands docs/CLUSTER.md gives the user).
func parseShell(src, name string, lang syntax.LangVariant) (*syntax.File, error) {
	return syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(src), name)
}

// callExprs lists every simple command of a script, in order.
func callExprs(f *syntax.File) []*syntax.CallExpr {
	var out []*syntax.CallExpr
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 {
			out = append(out, c)
		}
		return true
	})
	return out
}

// litPrefix is the literal start of a word, up to its first expansion:
// `--store` of --store, `--from-literal=KEY=` of --from-literal=KEY="$(...)".
func litPrefix(w *syntax.Word) string {
	var b strings.Builder
	for _, part := range w.Parts {
		switch x := part.(type) {
		case *syntax.Lit:
			b.WriteString(x.Value)
		case *syntax.SglQuoted:
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return b.String()
				}
				b.WriteString(l.Value)
			}
		default:
			return b.String()
		}
	}
	return b.String()
}

// isLiteral reports whether a word has no expansion at all.
func isLiteral(w *syntax.Word) bool {
	lit := true
	syntax.Walk(w, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.ParamExp, *syntax.CmdSubst, *syntax.ArithmExp, *syntax.ProcSubst, *syntax.ExtGlob:
			lit = false
		}
		return lit
	})
	return lit && !strings.ContainsAny(litPrefix(w), "*?[")
}

func printNode(n syntax.Node) string {
	var b bytes.Buffer
	if err := syntax.NewPrinter(syntax.SingleLine(true)).Print(&b, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

// lamportCall is one lamport command a manifest, the Dockerfile or the
// docs run: the command and the flags it is given.
type lamportCall struct {
	where string
	cmd   string   // the subcommand, "" if none is given
	flags []string // as written: "--store", "-v"
	text  string   // the call, for messages
}

// lamportCallsIn finds the lamport commands of a script: a simple command
// whose name (after an exec) is lamport or a path ending in /lamport.
func lamportCallsIn(where string, f *syntax.File) []lamportCall {
	var out []lamportCall
	for _, ce := range callExprs(f) {
		args := ce.Args
		if litPrefix(args[0]) == "exec" && isLiteral(args[0]) {
			args = args[1:]
		}
		if len(args) == 0 || path.Base(litPrefix(args[0])) != "lamport" || !isLiteral(args[0]) {
			continue
		}
		words := make([]string, len(args)-1)
		for i, w := range args[1:] {
			words[i] = litPrefix(w)
		}
		out = append(out, newLamportCall(where, printNode(ce), words))
	}
	return out
}

// newLamportCall reads a call's words (their literal prefixes): the first
// that is not a flag is the command, every word starting with - a flag.
func newLamportCall(where, text string, words []string) lamportCall {
	c := lamportCall{where: where, text: text}
	for i, w := range words {
		if i == 0 && !strings.HasPrefix(w, "-") {
			c.cmd = w
			continue
		}
		if strings.HasPrefix(w, "-") {
			name, _, _ := strings.Cut(w, "=")
			c.flags = append(c.flags, name)
		}
	}
	return c
}

// containerScript is the shell script a container runs: its command must
// be /bin/sh -c SCRIPT. ok is false for a container that runs something
// else (lamport directly: then its words are returned as a call).
func containerScript(c corev1.Container) (script string, direct []string, ok bool) {
	cmd := append(append([]string{}, c.Command...), c.Args...)
	if len(cmd) >= 3 && cmd[0] == "/bin/sh" && cmd[1] == "-c" {
		return cmd[2], nil, true
	}
	if len(cmd) > 0 && path.Base(cmd[0]) == "lamport" {
		return "", cmd[1:], true
	}
	return "", nil, false
}

// usesShell reports whether any container of the manifests runs /bin/sh,
// which the image must then have.
func usesShell(b *bundle) bool {
	for _, w := range b.workloads() {
		for _, c := range w.tmpl.Spec.Containers {
			if s, _, ok := containerScript(c); ok && s != "" {
				return true
			}
		}
	}
	return false
}

// manifestCalls lists the lamport commands of every container, and
// reports a script that is not POSIX sh or a container that runs neither
// a script nor lamport.
func manifestCalls(p problems, b *bundle) []lamportCall {
	var out []lamportCall
	for _, w := range b.workloads() {
		for _, c := range w.tmpl.Spec.Containers {
			where := fmt.Sprintf("%s container %s", w.m, c.Name)
			script, direct, ok := containerScript(c)
			switch {
			case !ok:
				p.add(secScripts, "%s: the command must be /bin/sh -c SCRIPT or lamport itself, got %q", where, c.Command)
			case script == "":
				out = append(out, newLamportCall(where, "lamport "+strings.Join(direct, " "), direct))
			default:
				f, err := parseShell(script, where, syntax.LangPOSIX)
				if err != nil {
					p.add(secScripts, "%s: the script is not POSIX sh: %v", where, err)
					continue
				}
				calls := lamportCallsIn(where, f)
				if len(calls) == 0 {
					p.add(secScripts, "%s: the script runs no lamport command", where)
				}
				out = append(out, calls...)
			}
		}
	}
	return out
}
