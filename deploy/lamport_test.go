package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The lamport binary the tests run, built once by TestMain from the parent
// module exactly as the Dockerfile's go build does, and what its --help
// says.
var (
	lamportBin  string
	lamportHelp *helpIndex
)

func TestMain(m *testing.M) {
	// The scripts' stand-in lamport: the test binary (see fakeCommand).
	if calls := os.Getenv(fakeEnv); calls != "" {
		os.Exit(fakeCommand(calls, os.Args))
	}
	if os.Getenv("LAMPORT_DEPLOY_BUSYBOX") == "1" && podShell[0] == "/bin/sh" {
		fmt.Fprintln(os.Stderr, "LAMPORT_DEPLOY_BUSYBOX=1, but there is no busybox to run the pods' scripts with the image's sh")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "lamport-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := 2
	if err := buildLamport(dir); err != nil {
		fmt.Fprintln(os.Stderr, "build lamport as the Dockerfile does:", err)
	} else if lamportHelp, err = loadHelp(lamportBin); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildLamport runs the Dockerfile's go build in the repository's root,
// with its environment and flags, writing the binary into dir.
func buildLamport(dir string) error {
	text, err := os.ReadFile(fileDockerfile)
	if err != nil {
		return err
	}
	stages, err := parseDockerfile(string(text))
	if err != nil {
		return err
	}
	g, err := dockerGoBuild(stages)
	if err != nil {
		return err
	}
	args := slices.Clone(g.args)
	_, i := g.output()
	if i < 0 {
		return fmt.Errorf("the Dockerfile's go build has no -o: %v", g.args)
	}
	lamportBin = filepath.Join(dir, "lamport")
	if args[i] == "-o" || strings.HasPrefix(args[i], "-o=") {
		args[i] = "-o=" + lamportBin
	} else {
		args[i] = lamportBin
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), g.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// helpIndex is what lamport's --help says: its commands and each one's
// flags.
type helpIndex struct {
	commands map[string]map[string]bool // command -> flag ("--store", "-v")
}

var (
	helpCommand = regexp.MustCompile(`(?m)^  ([a-z]+)  `)
	helpFlag    = regexp.MustCompile(`(?m)^\s+(?:(-[a-zA-Z]), )?(--[a-z0-9-]+)`)
)

func loadHelp(bin string) (*helpIndex, error) {
	top, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("lamport --help: %v\n%s", err, top)
	}
	_, list, ok := strings.Cut(string(top), "Commands:\n")
	if !ok {
		return nil, fmt.Errorf("lamport --help lists no commands:\n%s", top)
	}
	list, _, _ = strings.Cut(list, "\n\n")
	h := &helpIndex{commands: map[string]map[string]bool{}}
	for _, m := range helpCommand.FindAllStringSubmatch(list, -1) {
		out, err := exec.Command(bin, m[1], "--help").CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("lamport %s --help: %v\n%s", m[1], err, out)
		}
		flags := map[string]bool{"--help": true, "-h": true}
		for _, f := range helpFlag.FindAllStringSubmatch(string(out), -1) {
			flags[f[2]] = true
			if f[1] != "" {
				flags[f[1]] = true
			}
		}
		h.commands[m[1]] = flags
	}
	if len(h.commands) == 0 {
		return nil, fmt.Errorf("no commands read from lamport --help:\n%s", top)
	}
	return h, nil
}

// checkCommands checks that every lamport command the manifests, the
// Dockerfile and docs/CLUSTER.md run exists in the lamport built from this
// repository and takes every flag they give it, and that none passes the
// secret on the command line.
func checkCommands(p problems, calls []lamportCall, h *helpIndex) {
	if len(calls) == 0 {
		p.add(secCommands, "no lamport command found in the manifests")
	}
	for _, c := range calls {
		flags, ok := h.commands[c.cmd]
		if !ok {
			p.add(secCommands, "%s: runs `lamport %s`, which is not a command of lamport (`lamport --help`): %s", c.where, c.cmd, c.text)
			continue
		}
		var missing []string
		for _, f := range c.flags {
			if !flags[f] && !slices.Contains(missing, f) {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			p.add(secCommands, "%s: lamport %s does not accept %s (its --help lists no such flag): %s", c.where, c.cmd, strings.Join(missing, ", "), c.text)
		}
		if slices.Contains(c.flags, "--secret") {
			p.add(secCommands, "%s: --secret shows the secret to every user of the host in ps; use LAMPORT_SECRET: %s", c.where, c.text)
		}
	}
}

// runLamport runs the built lamport and returns its output.
func runLamport(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(lamportBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
