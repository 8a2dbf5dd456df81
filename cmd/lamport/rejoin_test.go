package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/record"
)

// TestKilledMachineRejoinsItsRun is the original start-by-hand setup: three
// 'lamport machine' processes. Machine 2 is killed with SIGKILL while it
// ticks and started again by hand with the same command; it rebuilds
// itself from its store, records a crash and a restart, its peers
// reconnect, and all three run to the end. The merged run is complete and
// replays identically.
func TestKilledMachineRejoinsItsRun(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, freePorts(t, 3))
	logs := filepath.Join(dir, "logs")
	machine := func(id int) *child {
		return startChild(t, "machine", "--id", fmt.Sprint(id), "--config", config, "--seed", "5", "--duration", "8s",
			"--speed", "10", "--run-id", "rejoin", "--store", filepath.Join(dir, fmt.Sprintf("m%d.db", id)), "--log-dir", logs, "-v")
	}
	m1, m2, m3 := machine(1), machine(2), machine(3)
	for _, c := range []*child{m1, m2, m3} {
		defer c.stopGroup()
	}
	// Machine 2 is ticking once its log has a few lines.
	waitForLogLines(t, filepath.Join(logs, "rejoin", "log_2.txt"), 5, m2)
	if err := m2.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = m2.cmd.Wait()
	log2 := filepath.Join(logs, "rejoin", "log_2.txt")
	beforeKill := mustRead(t, log2)
	time.Sleep(time.Second)
	again := machine(2)
	defer again.stopGroup()
	for name, c := range map[string]*child{"machine 1": m1, "machine 3": m3, "machine 2 restarted": again} {
		<-c.scanned
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, c.output())
		}
	}
	if !strings.Contains(again.output(), "rejoining") {
		t.Errorf("the restarted machine 2 did not say it rejoins:\n%s", again.output())
	}
	// The rejoin appends to its log: the lines from before the kill stay,
	// under the one header.
	if after := mustRead(t, log2); !strings.HasPrefix(after, beforeKill) || len(after) <= len(beforeKill) ||
		!strings.HasPrefix(after, "# lamport run rejoin seed 5 machine 2 ") || strings.Count(after, "# ") != 1 {
		t.Errorf("machine 2's log after the rejoin is not its log before the kill plus more lines:\nbefore %d bytes, after:\n%.500s", len(beforeKill), after)
	}

	merged := filepath.Join(dir, "all.db")
	parts := []string{filepath.Join(dir, "m1.db"), filepath.Join(dir, "m2.db"), filepath.Join(dir, "m3.db")}
	if code, _, errOut := lamport(t, append([]string{"merge", merged}, parts...)...); code != 0 {
		t.Fatalf("merge: %s", errOut)
	}
	st, err := record.Open(merged, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := st.Run("rejoin")
	if err == nil {
		err = st.Check()
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if meta.Status != record.StatusComplete || meta.Options["restarts.m2"] != "1" {
		t.Errorf("merged run: status %s, restarts of machine 2 %q; want complete and 1", meta.Status, meta.Options["restarts.m2"])
	}
	code, out, errOut := lamport(t, "replay", "rejoin", "--store", merged)
	if code != 0 || !strings.HasPrefix(out, "identical") {
		t.Fatalf("replay of the rejoined run: exit %d\n%s%s", code, out, errOut)
	}
	_, shown, _ := lamport(t, "show", "rejoin", "--machine", "2", "--store", merged)
	crash, restart := strings.Index(shown, " crash "), strings.Index(shown, " restart ")
	if crash < 0 || restart < crash || !strings.Contains(shown[restart:], " #") {
		t.Fatalf("machine 2's log has no crash, then restart, then events:\n%s", shown)
	}
	// Its peers heard from it again: messages from machine 2 sent after the
	// restart (numbered past the skipped range) arrived.
	_, exported, _ := lamport(t, "export", "rejoin", "--format", "jsonl", "--machine", "1", "--store", merged)
	if !strings.Contains(exported, `"msg":"2:42949`) {
		t.Errorf("machine 1 received nothing machine 2 sent after its restart")
	}
	t.Logf("replay: %s", strings.ReplaceAll(strings.TrimSpace(out), "\n", "; "))
}

// TestLateRejoinIsRefused: a machine started again after its run's
// schedule has ended has nothing to rejoin; it is refused and records
// nothing.
func TestLateRejoinIsRefused(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, freePorts(t, 3))
	logs := filepath.Join(dir, "logs")
	args := func(id int) []string {
		return []string{"machine", "--id", fmt.Sprint(id), "--config", config, "--seed", "6", "--duration", "3s",
			"--speed", "10", "--run-id", "late", "--store", filepath.Join(dir, fmt.Sprintf("m%d.db", id)), "--log-dir", logs}
	}
	m1, m2, m3 := startChild(t, args(1)...), startChild(t, args(2)...), startChild(t, args(3)...)
	for _, c := range []*child{m1, m2, m3} {
		defer c.stopGroup()
	}
	waitForLogLines(t, filepath.Join(logs, "late", "log_2.txt"), 15, m2)
	// Past the first commits (every 200 ms), so its store holds a log.
	time.Sleep(500 * time.Millisecond)
	_ = m2.cmd.Process.Kill()
	_ = m2.cmd.Wait()
	for _, c := range []*child{m1, m3} {
		<-c.scanned
		_ = c.cmd.Wait()
	}
	store2 := filepath.Join(dir, "m2.db")
	_, before, showErr := lamport(t, "show", "late", "--store", store2)
	if before == "" {
		t.Fatalf("show of the killed machine's store: %s", showErr)
	}
	code, _, errOut := lamport(t, args(2)...)
	if code != 2 || !strings.Contains(errOut, "nothing left to run") {
		t.Fatalf("a rejoin after the run's end: exit %d, %s", code, errOut)
	}
	// (The store's first writable open records the dead run as
	// interrupted, so its bytes may change; its log must not.)
	_, after, _ := lamport(t, "show", "late", "--store", store2)
	if before == "" || after != before || strings.Contains(after, " restart ") {
		t.Errorf("the refused rejoin changed machine 2's log:\nbefore:\n%.300s\nafter:\n%.300s", before, after)
	}
}

// waitForLogLines waits, at most a minute, until the machine log at path
// has n event lines after its header.
func waitForLogLines(t *testing.T, path string, n int, c *child) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		if b, err := os.ReadFile(path); err == nil && strings.Count(string(b), "\n") >= n+1 { // and the header
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has not %d lines after a minute:\n%s", path, n, c.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
