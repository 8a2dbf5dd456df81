package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEarlyKillOfAProcsMachineReplays kills machine 2 of a 'run --procs'
// at moments through the first 300 ms of its process, most of them before
// its first commit. Whatever it had sent by then is its unrecorded tail:
// every run that started must replay identical, never "the replayed
// machine 2 never sent it". (A machine killed before it listens stops the
// run from starting, which leaves nothing to replay.)
func TestEarlyKillOfAProcsMachineReplays(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("needs /proc to find the machine process")
	}
	started, withTail := 0, 0
	for _, delay := range []time.Duration{0, 40, 80, 120, 160, 200, 240, 280} {
		delay *= time.Millisecond
		dir := t.TempDir()
		store := filepath.Join(dir, "lamport.db")
		c := startChild(t, "run", "--procs", "--config", writeConfig(t, dir, freePorts(t, 3)), "--store", store,
			"--log-dir", filepath.Join(dir, "logs"), "--duration", "1s", "--speed", "5", "--seed", "7", "--connect-timeout", "3s", "-v")
		pid := 0
		for range 4000 {
			if m := machineStoresLine.FindStringSubmatch(c.output()); m != nil {
				if pid = procWithArgs(t, lamportBin, "machine", "--store", filepath.Join(m[1], "machine-2.db")); pid != 0 {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		if pid == 0 {
			c.stopGroup()
			t.Fatalf("no machine 2 process appeared:\n%s", c.output())
		}
		time.Sleep(delay)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-c.scanned
		_ = c.cmd.Wait()
		if code := c.cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(c.output(), "machine 2 process: signal: killed") {
			t.Fatalf("killed %v in: run --procs exit %d, want 2 naming machine 2:\n%s", delay, code, c.output())
		}
		code, out, errOut := lamport(t, "replay", "latest", "--store", store)
		if code != 0 && strings.Contains(errOut, "no runs") {
			t.Logf("killed %v in: the run did not start", delay)
			continue
		}
		started++
		if code != 0 || !strings.HasPrefix(out, "identical: 3 machines") {
			t.Fatalf("killed %v in: replay exit %d, want identical over 3 machines:\n%s%s\nrun --procs said:\n%s", delay, code, out, errOut, c.output())
		}
		if strings.Contains(out, "unrecorded tail") {
			withTail++
		}
		t.Logf("killed %v in: %s", delay, strings.ReplaceAll(strings.TrimSpace(out), "\n", "; "))
	}
	if started == 0 {
		t.Fatal("no run started; the kills came too early to test anything")
	}
	t.Logf("%d of 8 runs started, %d replayed messages from machine 2's unrecorded tail", started, withTail)
}
