package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailedStartWritesNothing: a start that cannot work (a busy port, a
// host that does not resolve or is not this host's, a log directory under
// a regular file, a store in a missing directory) is refused in exactly one
// line, exit 2, and leaves no store file and no log directory, with and
// without --procs.
func TestFailedStartWritesNothing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	free := freePorts(t, 2)

	dir := t.TempDir()
	aFile := filepath.Join(dir, "a-file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	config := func(name, host2 string, port2 int) string {
		path := filepath.Join(dir, name+".json")
		doc := fmt.Sprintf(`{"machines": [{"id": 1, "host": "127.0.0.1", "port": %d}, {"id": 2, "host": %q, "port": %d}]}`, free[0], host2, port2)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := config("good", "127.0.0.1", free[1])
	cases := []struct {
		name, config, logDir, store, want string
	}{
		{"busy port", config("busy", "127.0.0.1", busyPort), "", "", fmt.Sprintf("port %d on 127.0.0.1 is in use", busyPort)},
		// Not a valid DNS name, so it fails without asking a resolver.
		{"unresolvable host", config("unresolvable", "no..such.host", free[1]), "", "", `host "no..such.host" does not resolve`},
		// TEST-NET-1: never an address of this host, and binding sends nothing.
		{"non-local host", config("nonlocal", "192.0.2.1", free[1]), "", "", "host 192.0.2.1 is not an address of this host"},
		{"log dir under a file", good, filepath.Join(aFile, "logs"), "", "is a file, so no directory can be made under it"},
		{"log dir is a file", good, aFile, "", "is a file, not a directory"},
		{"store in a missing directory", good, "", filepath.Join(dir, "missing", "s.db"), "no directory"},
	}
	for _, c := range cases {
		for _, procs := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s procs=%v", c.name, procs), func(t *testing.T) {
				store := c.store
				if store == "" {
					store = filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+fmt.Sprint(procs)+".db")
				}
				logDir := c.logDir
				if logDir == "" {
					logDir = filepath.Join(dir, "logs-"+strings.ReplaceAll(c.name, " ", "-"))
				}
				args := []string{"run", "--config", c.config, "--store", store, "--log-dir", logDir,
					"--seed", "1", "--duration", "1s", "--connect-timeout", "2s", "--quiet"}
				code, errOut := 0, ""
				if procs {
					// A real binary: --procs starts its own executable per
					// machine, which in-process would be this test binary.
					var stderr strings.Builder
					cmd := exec.Command(lamportBin, append(args, "--procs")...)
					cmd.Stderr = &stderr
					err := cmd.Run()
					if ee, ok := err.(*exec.ExitError); ok {
						code = ee.ExitCode()
					} else if err != nil {
						t.Fatal(err)
					}
					errOut = stderr.String()
				} else {
					code, _, errOut = lamport(t, args...)
				}
				if code != 2 {
					t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
				}
				lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "lamport: ") || !strings.Contains(lines[0], c.want) {
					t.Fatalf("stderr is not one line 'lamport: ...%s...':\n%s", c.want, errOut)
				}
				if _, err := os.Stat(store); !os.IsNotExist(err) {
					t.Errorf("the failed start left the store %s (stat: %v)", store, err)
				}
				if _, err := os.Stat(logDir); c.logDir == "" && !os.IsNotExist(err) {
					t.Errorf("the failed start made the log directory %s (stat: %v)", logDir, err)
				}
			})
		}
	}
}
