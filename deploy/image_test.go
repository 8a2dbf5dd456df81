package deploy

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// dockerStage is one FROM of the Dockerfile and the instructions under it.
type dockerStage struct {
	from, name string
	instrs     []dockerInstr
}

type dockerInstr struct {
	line int
	op   string // upper case: RUN, COPY, USER, ...
	args string
}

// parseDockerfile reads a Dockerfile's instructions: comments and blank
// lines dropped, lines ending in a backslash joined.
func parseDockerfile(text string) ([]dockerStage, error) {
	var stages []dockerStage
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(lines[i])
		}
		op, args, _ := strings.Cut(l, " ")
		in := dockerInstr{line: start, op: strings.ToUpper(op), args: strings.TrimSpace(args)}
		if in.op == "FROM" {
			f := strings.Fields(in.args)
			st := dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			return nil, fmt.Errorf("line %d: %s before the first FROM", start, in.op)
		}
		stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
	}
	if len(stages) == 0 {
		return nil, errors.New("no FROM")
	}
	return stages, nil
}

// goBuild is the `go build` of the Dockerfile: its environment
// assignments and its arguments, expanded as sh would.
type goBuild struct {
	stage int // index of the stage that runs it
	env   []string
	args  []string // after "go": build, flags, packages
}

// dockerGoBuild finds the one RUN of the Dockerfile that runs go build.
func dockerGoBuild(stages []dockerStage) (goBuild, error) {
	var found []goBuild
	for si, st := range stages {
		for _, in := range st.instrs {
			if in.op != "RUN" {
				continue
			}
			f, err := parseShell(in.args, "Dockerfile", syntax.LangPOSIX)
			if err != nil {
				return goBuild{}, fmt.Errorf("Dockerfile line %d: %v", in.line, err)
			}
			for _, ce := range callExprs(f) {
				// A Config of its own each time: with nil, expand writes to one
				// shared by every caller.
				words, err := expand.Fields(&expand.Config{}, ce.Args...)
				if err != nil || len(words) < 2 || words[0] != "go" || words[1] != "build" {
					continue
				}
				g := goBuild{stage: si, args: words[1:]}
				for _, a := range ce.Assigns {
					v := ""
					if a.Value != nil {
						v, _ = expand.Literal(&expand.Config{}, a.Value)
					}
					g.env = append(g.env, a.Name.Value+"="+v)
				}
				found = append(found, g)
			}
		}
	}
	if len(found) != 1 {
		return goBuild{}, fmt.Errorf("the Dockerfile has %d RUNs of go build, want 1", len(found))
	}
	return found[0], nil
}

// output is the -o of a go build, and the index of its value in args.
func (g goBuild) output() (string, int) {
	for i, a := range g.args {
		if a == "-o" && i+1 < len(g.args) {
			return g.args[i+1], i + 1
		}
		if v, ok := strings.CutPrefix(a, "-o="); ok {
			return v, i
		}
	}
	return "", -1
}

var goDirective = regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`)

// checkImage checks the Dockerfile: the builder's Go is the module's, the
// binary is static and built with -trimpath, the image runs it as a user
// that is not root, has the shell the manifests' scripts need, and its
// entrypoint runs a lamport command that exists (checkCommands checks it).
func checkImage(p problems, b *bundle) []lamportCall {
	stages, err := parseDockerfile(b.files[fileDockerfile])
	if err != nil {
		p.add(secImage, "Dockerfile: %v", err)
		return nil
	}
	g, err := dockerGoBuild(stages)
	if err != nil {
		p.add(secImage, "%v", err)
		return nil
	}
	builder := stages[g.stage]
	if m := goDirective.FindStringSubmatch(b.files[fileParentMod]); m == nil {
		p.add(secImage, "../go.mod has no go directive")
	} else if want := "golang:" + m[1] + "." + m[2]; builder.from != want && !strings.HasPrefix(builder.from, want+"-") && !strings.HasPrefix(builder.from, want+".") {
		p.add(secImage, "Dockerfile: the build stage is FROM %s, want %s (the go directive of lamport's go.mod)", builder.from, want)
	}
	if !slices.Contains(g.env, "CGO_ENABLED=0") {
		p.add(secImage, "Dockerfile: go build must run with CGO_ENABLED=0, for a static binary (env: %v)", g.env)
	}
	if !slices.Contains(g.args, "-trimpath") {
		p.add(secImage, "Dockerfile: go build must have -trimpath (args: %v)", g.args)
	}
	out, _ := g.output()
	if out == "" || g.args[len(g.args)-1] != "./cmd/lamport" {
		p.add(secImage, "Dockerfile: go build must build ./cmd/lamport with -o (args: %v)", g.args)
	}

	final := stages[len(stages)-1]
	if builder.name == "" || g.stage == len(stages)-1 {
		p.add(secImage, "Dockerfile: build in a named stage and copy the binary into a final one")
	}
	base, tag, _ := strings.Cut(path.Base(final.from), ":")
	switch {
	case tag == "" || tag == "latest":
		p.add(secImage, "Dockerfile: the final base %s has no pinned version", final.from)
	case usesShell(b) && !slices.Contains([]string{"busybox", "alpine", "debian", "ubuntu"}, base):
		p.add(secImage, "Dockerfile: the manifests run /bin/sh, which the final base %s may not have", final.from)
	}
	var copied, user, entry, cmd string
	for _, in := range final.instrs {
		switch in.op {
		case "COPY":
			f := strings.Fields(in.args)
			if len(f) == 3 && f[0] == "--from="+builder.name && f[1] == out {
				copied = f[2]
			}
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = in.args
		case "CMD":
			cmd = in.args
		}
	}
	if copied == "" {
		p.add(secImage, "Dockerfile: the final stage must COPY --from=%s %s", builder.name, out)
	} else if dir := path.Dir(copied); path.Base(copied) != "lamport" || (dir != "/usr/local/bin" && dir != "/usr/bin" && dir != "/bin") {
		p.add(secImage, "Dockerfile: the binary goes to %s; the scripts run it as lamport, from a directory of the PATH", copied)
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.ParseInt(uid, 10, 64); err != nil || n == 0 {
		p.add(secImage, "Dockerfile: USER %q; want a numeric user other than 0 (root), so runAsNonRoot can check it", user)
	} else {
		for _, w := range b.workloads() {
			if sc := w.tmpl.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser != n {
				p.add(secImage, "%s: runAsUser %d is not the image's USER %d", w.m, *sc.RunAsUser, n)
			}
		}
	}
	var ep, args []string
	if err := json.Unmarshal([]byte(entry), &ep); err != nil || len(ep) != 1 || ep[0] != copied {
		p.add(secImage, "Dockerfile: ENTRYPOINT %s; want the exec form [%q]", entry, copied)
		return nil
	}
	if cmd != "" {
		if err := json.Unmarshal([]byte(cmd), &args); err != nil {
			p.add(secImage, "Dockerfile: CMD %s: want the exec form", cmd)
			return nil
		}
	}
	return []lamportCall{newLamportCall("Dockerfile ENTRYPOINT and CMD", "lamport "+strings.Join(args, " "), args)}
}

// checkStatic reports whether the ELF binary at path needs a dynamic
// loader or shared libraries: the image's lamport must need neither.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return errors.New("it asks for a dynamic loader (PT_INTERP)")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return err
	}
	if len(libs) > 0 {
		return fmt.Errorf("it needs shared libraries %v", libs)
	}
	return nil
}
