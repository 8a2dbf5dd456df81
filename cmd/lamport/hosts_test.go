package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/live"
	"lamport/report"
)

// testHosts are network namespaces this test makes, one per machine, each
// with its own address on a bridge that lives in a namespace of its own,
// so nothing of the host's network is touched. Cleanup deletes them all,
// which deletes their links and the bridge with them.
type testHosts struct {
	prefix string
	addrs  []string
}

// hostsTestEnv, when set (CI sets it), turns the skips of a test that
// needs network namespaces into failures: there they must run.
const hostsTestEnv = "LAMPORT_HOSTS_TEST"

// newTestHosts makes n hosts, 10.77.0.1 .. 10.77.0.n, or skips the test
// saying why it cannot.
func newTestHosts(t *testing.T, n int) *testHosts {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv(hostsTestEnv) != "" {
			t.Fatalf(format+" ("+hostsTestEnv+" is set: this test must run)", args...)
		}
		t.Skipf(format, args...)
	}
	if os.Geteuid() != 0 {
		skip("needs root to make network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		skip("needs the ip command (iproute2) to make network namespaces")
	}
	h := &testHosts{prefix: fmt.Sprintf("lmp%d", os.Getpid()%100000)}
	ip := func(args ...string) error {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	must := func(args ...string) {
		t.Helper()
		if err := ip(args...); err != nil {
			t.Fatal(err)
		}
	}
	addNS := func(name string) {
		t.Helper()
		if err := ip("netns", "add", name); err != nil {
			skip("cannot make network namespaces here: %v", err)
		}
		t.Cleanup(func() {
			if err := ip("netns", "del", name); err != nil {
				t.Errorf("remove namespace: %v", err)
			}
		})
	}
	bridge := h.prefix + "-br"
	addNS(bridge)
	must("-n", bridge, "link", "add", "br0", "type", "bridge")
	must("-n", bridge, "link", "set", "br0", "up")
	for i := 1; i <= n; i++ {
		ns, dev, peer := h.ns(i), fmt.Sprintf("%s-v%d", h.prefix, i), fmt.Sprintf("%s-b%d", h.prefix, i)
		addNS(ns)
		must("link", "add", dev, "netns", ns, "type", "veth", "peer", "name", peer, "netns", bridge)
		addr := fmt.Sprintf("10.77.0.%d", i)
		must("-n", ns, "addr", "add", addr+"/24", "dev", dev)
		must("-n", ns, "link", "set", dev, "up")
		must("-n", ns, "link", "set", "lo", "up")
		must("-n", bridge, "link", "set", peer, "master", "br0")
		must("-n", bridge, "link", "set", peer, "up")
		h.addrs = append(h.addrs, addr)
	}
	return h
}

func (h *testHosts) ns(i int) string { return fmt.Sprintf("%s-m%d", h.prefix, i) }

// A run of four machines on four hosts (network namespaces joined by a
// bridge), started by hand one after another: machine 2's host clock is
// 3 s ahead, machine 3 delays its messages. The merged run measures the
// skew within its bound, its machines began together on the one time axis
// (and so do export's times), and it replays identically.
func TestARunAcrossHosts(t *testing.T) {
	hosts := newTestHosts(t, 4)
	dir := t.TempDir()
	cfg := core.Config{}
	for i, addr := range hosts.addrs {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: addr, Port: 7001 + i})
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const speed, skew = 10.0, 3 * time.Second
	type proc struct {
		cmd *exec.Cmd
		out bytes.Buffer
	}
	procs := make([]*proc, len(hosts.addrs))
	for i := range hosts.addrs {
		id := i + 1
		args := []string{"netns", "exec", hosts.ns(id), lamportBin, "machine", "--id", fmt.Sprint(id), "--config", config,
			"--seed", "5", "--duration", "3s", "--speed", fmt.Sprint(speed), "--store", filepath.Join(dir, fmt.Sprintf("machine-%d.db", id)),
			"--log-dir", filepath.Join(dir, "logs"), "--connect-timeout", "60s"}
		if id == 3 {
			args = append(args, "--delay", "uniform:5ms-20ms")
		}
		p := &proc{cmd: exec.Command("ip", args...)}
		p.cmd.Env = append(os.Environ(), "LAMPORT_SECRET=hosts-test-secret")
		if id == 2 {
			p.cmd.Env = append(p.cmd.Env, live.ClockSkewEnv+"="+skew.String())
		}
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if p.cmd.ProcessState == nil {
				_ = p.cmd.Process.Kill()
				_ = p.cmd.Wait()
			}
		})
		procs[i] = p
		// Started by hand, one after another.
		time.Sleep(400 * time.Millisecond)
	}
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("machine %d: %v\n%s", i+1, err, p.out.String())
		}
	}

	store := filepath.Join(dir, "run.db")
	mergeArgs := []string{"merge", store}
	for i := range procs {
		mergeArgs = append(mergeArgs, filepath.Join(dir, fmt.Sprintf("machine-%d.db", i+1)))
	}
	if code, _, errOut := lamport(t, mergeArgs...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	if code, out, errOut := lamport(t, "replay", "latest", "--store", store); code != 0 || !strings.HasPrefix(out, "identical: 4 machines") {
		t.Fatalf("replay: exit %d: %s%s", code, out, errOut)
	}

	code, out, errOut := lamport(t, "report", "latest", "--store", store, "--json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var a report.Analysis
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if a.ClockReference != 1 || len(a.Clocks) != 4 {
		t.Fatalf("report clocks: reference %d, %d machines; want machine 1 and all 4", a.ClockReference, len(a.Clocks))
	}
	bounds := map[core.MachineID]time.Duration{}
	for _, c := range a.Clocks {
		want := time.Duration(0)
		if c.ID == 2 {
			want = skew
		}
		if d := c.Offset - want; d > c.Bound || d < -c.Bound {
			t.Errorf("machine %d: offset %v ± %v, its host's clock is off by %v", c.ID, c.Offset, c.Bound, want)
		}
		if c.Measured != (c.ID != 1) {
			t.Errorf("machine %d: measured %v; every machine but the reference is on another host", c.ID, c.Measured)
		}
		bounds[c.ID] = c.Bound
	}
	if code, text, _ := lamport(t, "report", "latest", "--store", store); code != 0 || !strings.Contains(text, "wall clocks against machine 1's") {
		t.Errorf("the text report does not show the clocks:\n%s", text)
	}

	// One axis: each machine's first event in export, less one tick
	// interval, is when it began; they began together. The slack is for a
	// loaded machine's timers; it is far below the skew.
	code, out, errOut = lamport(t, "export", "latest", "--store", store, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	rates := map[core.MachineID]int{}
	for _, m := range a.Machines {
		rates[m.ID] = m.Rate
	}
	type first struct {
		begin time.Duration
		wall  time.Time
	}
	firsts := map[core.MachineID]first{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			Machine core.MachineID `json:"machine"`
			TimeNS  int64          `json:"time_ns"`
			Time    time.Time      `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if _, ok := firsts[ev.Machine]; ok {
			continue
		}
		interval := time.Duration(float64(time.Second) / (float64(rates[ev.Machine]) * speed))
		firsts[ev.Machine] = first{time.Duration(ev.TimeNS) - interval, ev.Time.Add(-interval)}
	}
	const slack = 200 * time.Millisecond
	for id, f := range firsts {
		d, dw := f.begin-firsts[1].begin, f.wall.Sub(firsts[1].wall)
		if d > slack+bounds[id] || d < -slack-bounds[id] || dw > slack+bounds[id] || dw < -slack-bounds[id] {
			t.Errorf("machine %d began %v (wall %v) after machine 1 on the run's axis; want together", id, d, dw)
		}
	}
	if len(firsts) != 4 {
		t.Errorf("events of %d machines in the export, want 4", len(firsts))
	}
}
