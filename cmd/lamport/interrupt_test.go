package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCtrlCExits130: run, run --procs and sim stopped by Ctrl-C exit 130,
// as a shell reports a command ended by SIGINT, and say so in one line; the
// run stays recorded. The signal goes to the command's whole process group,
// as a terminal's Ctrl-C does, so the machine processes of --procs get it
// too, and they must not add lines of their own (they once named stores
// that the merge had already removed). It is sent once the command has
// logged its start (with -v), so no timing is assumed: run with --duration
// 0 runs until it is stopped, and the sim below would take minutes.
func TestCtrlCExits130(t *testing.T) {
	dir := t.TempDir()
	ports := freePorts(t, 2)
	// --procs needs real ports; it gets ports of its own, apart from run's.
	procsConfig := writeConfig(t, t.TempDir(), freePorts(t, 2))
	config := filepath.Join(dir, "config.json")
	doc := fmt.Sprintf(`{"machines": [{"id": 1, "host": "127.0.0.1", "port": %d}, {"id": 2, "host": "127.0.0.1", "port": %d}]}`, ports[0], ports[1])
	if err := os.WriteFile(config, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		args    []string
		started string // a stderr line logged once the work is under way
		want    string
	}{
		{"run", []string{"run", "--config", config, "--duration", "0", "--seed", "1", "--log-dir", "", "-v", "--store", filepath.Join(dir, "run.db")}, "starting run", "stopped by Ctrl-C"},
		{"run --procs", []string{"run", "--procs", "--config", procsConfig, "--duration", "0", "--seed", "1", "--log-dir", "", "-vv", "--store", filepath.Join(dir, "procs.db")}, "accepted a peer", "stopped by Ctrl-C"},
		{"sim", []string{"sim", "--machines", "300", "--duration", "24h", "--seed", "1", "-v", "--store", filepath.Join(dir, "sim.db")}, "simulating", "recorded as interrupted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(lamportBin, c.args...)
			cmd.Dir = dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Bounded whatever happens: a command that never logs its start
			// or never stops is killed, and the test fails below.
			watchdog := time.AfterFunc(3*time.Minute, func() { _ = cmd.Process.Kill() })
			defer watchdog.Stop()
			sc := bufio.NewScanner(stderr)
			var lines []string
			for sc.Scan() {
				lines = append(lines, sc.Text())
				if strings.Contains(sc.Text(), c.started) {
					break
				}
			}
			if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			var last string
			said := 0
			for sc.Scan() {
				lines = append(lines, sc.Text())
				if strings.HasPrefix(sc.Text(), "lamport: ") {
					last = sc.Text()
					said++
				}
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit %v, want status 130; stderr:\n%s", err, strings.Join(lines, "\n"))
			}
			if !strings.Contains(last, c.want) {
				t.Errorf("last line %q does not say %q; stderr:\n%s", last, c.want, strings.Join(lines, "\n"))
			}
			if said != 1 {
				t.Errorf("%d lines start with \"lamport: \", want the one; stderr:\n%s", said, strings.Join(lines, "\n"))
			}
		})
	}
}
