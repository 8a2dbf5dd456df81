package main

import (
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSecretProcsRunCompletesWhileAStrangerHoldsSlots: a stranger on
// 127.0.0.2 keeps as many silent connections open to every machine's port
// as a machine has handshake slots, for the whole run; the per-source cap
// leaves the run's own machines their slots, so a --secret --procs run
// still connects, completes and replays identically. The machines often
// win the race to their peers' ports before the stranger fills them, so
// this test alone would pass without the cap; the cap itself is pinned by
// wire's TestOneSourceCannotHoldEveryHandshakeSlot, which holds the slots
// first. This one checks the whole path under the stranger's pressure.
func TestSecretProcsRunCompletesWhileAStrangerHoldsSlots(t *testing.T) {
	dir := t.TempDir()
	ports := freePorts(t, 3)
	config := writeConfig(t, dir, ports)
	stranger := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: time.Second}
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := stranger.Dial("tcp", probe.Addr().String()); err != nil {
		probe.Close()
		t.Skipf("cannot dial from 127.0.0.2 here: %v", err)
	} else {
		c.Close()
	}
	probe.Close()

	// The stranger: until the run ends (and at most a minute), keep 128
	// connections open to each port, dialing again whatever is closed.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := 0
	for _, p := range ports {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		for range 128 {
			wg.Go(func() {
				deadline := time.Now().Add(time.Minute)
				for time.Now().Before(deadline) {
					select {
					case <-stop:
						return
					default:
					}
					c, err := stranger.Dial("tcp", addr)
					if err != nil {
						time.Sleep(20 * time.Millisecond) // not listening yet
						continue
					}
					mu.Lock()
					held++
					mu.Unlock()
					// Silent until the server closes it (busy, or its
					// handshake timeout) or the run ends.
					_ = c.SetReadDeadline(time.Now().Add(time.Minute))
					buf := make([]byte, 1)
					done := make(chan struct{})
					go func() { _, _ = c.Read(buf); close(done) }()
					select {
					case <-done:
					case <-stop:
					}
					c.Close()
				}
			})
		}
	}
	defer func() { close(stop); wg.Wait() }()

	store := filepath.Join(dir, "run.db")
	cmd := exec.Command(lamportBin, "run", "--procs", "--config", config, "--store", store, "--log-dir", "",
		"--duration", "3s", "--speed", "10", "--seed", "5", "--connect-timeout", "20s", "--quiet")
	cmd.Env = append(cmd.Environ(), "LAMPORT_SECRET=only-the-run-knows")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run --procs --secret beside a stranger: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	mu.Lock()
	n := held
	mu.Unlock()
	if n < 3*32 {
		t.Fatalf("the stranger held only %d connections: the test did not press the run", n)
	}
	if !strings.Contains(stdout.String(), "complete") {
		t.Fatalf("run did not complete:\n%s", stdout.String())
	}
	code, out, errOut := lamport(t, "replay", "latest", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical: 3 machines") {
		t.Fatalf("replay: exit %d, %q, %s", code, out, errOut)
	}
}
