package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProcsRunSurvivesAFailedMerge: when the final merge of a --procs run
// fails (its store's file system is full), the machines' stores are kept,
// the one error line says where and gives the exact merge command, and that
// command, run once there is room, completes a run that replays
// identically. The full disk is a 48 kB tmpfs, so the test needs root and
// mount; elsewhere it skips and says why.
func TestProcsRunSurvivesAFailedMerge(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs as a full disk")
	}
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := os.Mkdir(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", full).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", full).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", full, err, out)
		}
	})
	config := writeConfig(t, dir, freePorts(t, 3))
	cmd := exec.Command(lamportBin, "run", "--procs", "--config", config, "--store", filepath.Join(full, "out.db"),
		// At --speed 200 the run has some 4 000 events, too many for
		// the merged store to fit in 48 kB.
		"--log-dir", "", "--duration", "2s", "--speed", "200", "--seed", "7")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("run --procs onto a full disk: %v, want exit 2; stderr:\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	_, mergeCmd, ok := strings.Cut(last, "complete the run with: ")
	if !strings.HasPrefix(last, "lamport: ") || !strings.Contains(last, "no space left") || !ok ||
		!strings.Contains(last, "the machines' stores are kept in ") {
		t.Fatalf("the error line does not say why and how to finish: %q", last)
	}
	args := strings.Fields(mergeCmd)
	if len(args) != 2+3+1 || args[0] != "lamport" || args[1] != "merge" {
		t.Fatalf("merge command %q: want lamport merge OUT and the 3 machines' stores", mergeCmd)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(args[3])) })
	// The disk is "fixed" by merging into a store with room.
	store := filepath.Join(dir, "out.db")
	args[2] = store
	if code, _, errOut := lamport(t, args[1:]...); code != 0 {
		t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	code, out, errOut := lamport(t, "replay", "latest", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical: 3 machines") {
		t.Fatalf("replay of the merged run: exit %d, %q, %s", code, out, errOut)
	}
}
