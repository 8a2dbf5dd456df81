package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lamport/record"
)

// assertOneErrorLine checks the CLI's promise for an IO failure: exit 2
// and exactly one "lamport: " line on stderr, naming want (other stderr
// lines are slog's progress notes, never errors).
func assertOneErrorLine(t *testing.T, what string, code int, stderr string, want ...string) {
	t.Helper()
	var errLines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "lamport: ") || strings.Contains(l, "panic") || strings.Contains(l, "level=ERROR") {
			errLines = append(errLines, l)
		}
	}
	if code != 2 || len(errLines) != 1 {
		t.Fatalf("%s: exit %d with %d error lines, want exit 2 and one:\n%s", what, code, len(errLines), stderr)
	}
	for _, w := range want {
		if !strings.Contains(errLines[0], w) {
			t.Errorf("%s: the error line does not mention %q: %s", what, w, errLines[0])
		}
	}
}

// A store path that cannot be created is refused before anything runs.
// Root ignores permissions, so the path that always fails is one under a
// regular file; a read-only directory is tried too when not root.
func TestUnwritableStorePathIsOneClearError(t *testing.T) {
	dir := t.TempDir()
	// Real ports: 'machine' refuses peers on port 0 before it opens a store.
	config := writeConfig(t, dir, freePorts(t, 3))
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.db")
	if code, _, errOut := lamport(t, "sim", "--duration", "10s", "--seed", "1", "--store", good); code != 0 {
		t.Fatalf("sim: exit %d %s", code, errOut)
	}
	paths := map[string]string{filepath.Join(file, "lamport.db"): "not a directory"}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		paths[filepath.Join(ro, "lamport.db")] = "permission denied"
	} else {
		t.Log("running as root: permissions do not bite, only the path under a regular file is tried")
	}
	for store, reason := range paths {
		for _, args := range [][]string{
			{"run", "--config", config, "--log-dir", "", "--duration", "2s", "--seed", "1"},
			{"machine", "--id", "1", "--config", config, "--log-dir", "", "--duration", "2s", "--seed", "1"},
			{"sim", "--duration", "10s", "--seed", "1"},
			{"merge", store, good},
		} {
			if args[0] != "merge" {
				args = append(args, "--store", store)
			}
			code, out, errOut := lamport(t, args...)
			assertOneErrorLine(t, strings.Join(args, " "), code, errOut, store, reason)
			if out != "" {
				t.Errorf("%v: printed a summary of a run that never was:\n%s", args, out)
			}
			if _, err := os.Stat(store); err == nil {
				t.Errorf("%v: created %s", args, store)
			}
		}
	}
}

// ulimited runs the lamport binary under 'ulimit -<flag> n': -f (file
// size, in the shell's blocks: see fileLimitUnit) fills the store up, so that every write fails with EFBIG as
// on a full disk (Go ignores the SIGXFSZ that comes with it); -n (open
// files) squeezes a run's sockets.
func ulimited(t *testing.T, flag string, n int, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set ulimit with")
	}
	cmd := exec.Command(sh, append([]string{"-c", `ulimit -` + flag + ` "$0" && exec "$@"`, strconv.Itoa(n), lamportBin}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// A store that fills up while a run records: the run stops at once, the
// CLI exits 2 with one line naming the failure, and the run is left
// interrupted, never complete; what was committed is a prefix that
// replays.
func TestFullStoreStopsTheRunAndLeavesItInterrupted(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	const duration = 30 * time.Second
	for _, tc := range []struct {
		name string
		kib  int
		args []string
	}{
		{"run", 256, []string{"run", "--config", config, "--log-dir", "", "--speed", "200", "--seed", "5", "--quiet"}},
		{"sim", 8192, []string{"sim", "--machines", "3", "--seed", "5", "--quiet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := filepath.Join(dir, tc.name+".db")
			args := append(slices.Clone(tc.args), "--store", store, "--duration", duration.String())
			if tc.name == "sim" {
				// Virtual time: long enough to fill the store many times.
				args[len(args)-1] = "1000h"
			}
			code, out, errOut := ulimited(t, "f", tc.kib, args...)
			assertOneErrorLine(t, tc.name+" into a full store", code, errOut, "file too large")
			if strings.Contains(out, "complete") {
				t.Errorf("the summary calls the run complete:\n%s", out)
			}

			st, meta, stats := checkedLatest(t, store)
			defer st.Close()
			if meta.Status != record.StatusInterrupted {
				t.Fatalf("run %s on a full store: status %s, want interrupted", meta.ID, meta.Status)
			}
			var events uint64
			for _, s := range stats {
				events += s.Events
			}
			if tc.name == "run" && meta.Ended.Sub(meta.Started) >= duration {
				t.Errorf("the run went on for its whole %v after its store was full (ended %v after it started)", duration, meta.Ended.Sub(meta.Started))
			}
			st.Close()
			code, rp, rerr := lamport(t, "replay", meta.ID, "--store", store)
			if code != 0 || !strings.HasPrefix(rp, "identical: ") {
				t.Errorf("replay of what the full store kept: exit %d\n%s%s", code, rp, rerr)
			}
			t.Logf("%s: ulimit -f %d KiB: stopped with %d events stored, %v after it started; %s", tc.name, tc.kib, events,
				meta.Ended.Sub(meta.Started).Round(time.Millisecond), strings.TrimSpace(lastLine(errOut)))
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// A disk that fills up while a new store is created (bbolt's first pages,
// or the buckets after them): the command fails in one line and leaves no
// file behind, so the next command, with room, creates the store and
// works. A store that already existed is never removed for a failure.
func TestFailedStoreCreationLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	unit := fileLimitUnit(t)
	// 4-12 KiB: bbolt's four first pages (16 KiB) do not fit; 16-24 KiB:
	// they do, the commit that makes the buckets does not.
	for _, kib := range []int{4, 8, 12, 16, 20, 24} {
		store := filepath.Join(dir, "new-"+strconv.Itoa(kib)+".db")
		args := []string{"sim", "--machines", "3", "--seed", "5", "--duration", "10s", "--quiet", "--store", store}
		code, _, errOut := ulimited(t, "f", kib*1024/unit, args...)
		assertOneErrorLine(t, "creating a store under ulimit -f "+strconv.Itoa(kib), code, errOut, store, "file too large")
		t.Logf("%d KiB: %s", kib, strings.TrimSpace(lastLine(errOut)))
		if info, err := os.Stat(store); err == nil {
			t.Fatalf("ulimit -f %d KiB: the failed creation left a file of %d bytes", kib, info.Size())
		}
		if code, _, errOut := lamport(t, args...); code != 0 {
			t.Fatalf("ulimit -f %d KiB: the next command, with room: exit %d %s", kib, code, errOut)
		}
	}
	existing := realStore(t, dir)
	code, _, errOut := ulimited(t, "f", 4*1024/unit, "sim", "--machines", "3", "--seed", "6", "--duration", "10s", "--quiet", "--store", existing)
	if code != 2 {
		t.Fatalf("sim into an existing store under ulimit -f 4: exit %d %s", code, errOut)
	}
	if code, out, errOut := lamport(t, "show", "--seed", "5", "--store", existing); code != 0 {
		t.Fatalf("the existing store after a failed write: exit %d\n%s%s", code, out, errOut)
	}
}

// fileLimitUnit is the size of the blocks 'ulimit -f' counts in this sh:
// 512 bytes in a POSIX shell (dash), 1024 in bash. It lets a file grow to
// one block and measures it.
func fileLimitUnit(t *testing.T) int {
	t.Helper()
	f := filepath.Join(t.TempDir(), "one-block")
	// head dies of SIGXFSZ, or reports EFBIG, at the limit: that is the point.
	_ = exec.Command("sh", "-c", `ulimit -f 1 && exec head -c 4096 /dev/zero > "$0"`, f).Run()
	info, err := os.Stat(f)
	if err != nil {
		t.Skipf("cannot measure ulimit -f's unit: %v", err)
	}
	if n := int(info.Size()); n == 512 || n == 1024 {
		return n
	}
	t.Skipf("ulimit -f 1 let a file grow to %d bytes, neither 512 nor 1024", info.Size())
	return 0
}
