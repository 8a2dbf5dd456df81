package live_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/runcheck"
	"lamport/live"
	"lamport/record"
	"lamport/wire"
)

func reservePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// A stranger that dials a machine with another run's hello is refused with
// a reason, and the run goes on undisturbed.
func TestMismatchedHelloIsRefusedAndTheRunGoesOn(t *testing.T) {
	st := openStore(t)
	cfg := core.Config{}
	for i, p := range reservePorts(t, 3) {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: "127.0.0.1", Port: p})
	}
	params := core.DefaultParams(4)
	done := make(chan error, 1)
	go func() {
		_, err := live.Run(context.Background(), live.Spec{
			RunID: "real", Config: cfg, Params: params, Speed: 20, Duration: 3 * time.Second, Store: st,
		})
		done <- err
	}()
	addr := cfg.Machines[0].Addr()
	good := core.Fingerprint(cfg.Machines, params)
	for name, h := range map[string]wire.Hello{
		"other run":         {Version: wire.ProtocolVersion, RunID: "intruder", From: 2, To: 1, Fingerprint: good},
		"other config":      {Version: wire.ProtocolVersion, RunID: "real", From: 2, To: 1, Fingerprint: "0000000000000000"},
		"wrong target":      {Version: wire.ProtocolVersion, RunID: "real", From: 2, To: 3, Fingerprint: good},
		"unknown machine":   {Version: wire.ProtocolVersion, RunID: "real", From: 9, To: 1, Fingerprint: good},
		"protocol mismatch": {Version: wire.ProtocolVersion + 1, RunID: "real", From: 2, To: 1, Fingerprint: good},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		l, err := wire.Dial(ctx, addr, h, wire.Backoff{})
		cancel()
		var refused *wire.RefusedError
		if !errors.As(err, &refused) {
			if l != nil {
				l.Close(0)
			}
			t.Errorf("%s: dial gave %v, want a refusal", name, err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not finish")
	}
	if _, err := runcheck.Verify(st, "real"); err != nil {
		t.Fatal(err)
	}
	assertReplaysIdentically(t, st, "real")
	meta, err := st.Run("real")
	if err != nil || meta.Status != record.StatusComplete {
		t.Fatalf("run after intruders: %v %s", err, meta.Status)
	}
}

// A machine whose peers never come up records nothing, so the same run id
// can be tried again.
func TestUnreachablePeersLeaveNoRun(t *testing.T) {
	st := openStore(t)
	logDir := t.TempDir()
	cfg := core.Config{}
	for i, p := range reservePorts(t, 3) {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: "127.0.0.1", Port: p})
	}
	spec := live.Spec{RunID: "lonely", Config: cfg, Params: core.DefaultParams(2), Speed: 10, Duration: time.Second,
		Local: []core.MachineID{1}, Store: st, LogDir: logDir, ConnectTimeout: 500 * time.Millisecond}
	for attempt := range 2 {
		_, err := live.Run(context.Background(), spec)
		if err == nil || errors.Is(err, record.ErrExists) {
			t.Fatalf("attempt %d: %v, want a connect failure", attempt, err)
		}
		if runs, _ := st.Runs(); len(runs) != 0 {
			t.Fatalf("attempt %d left %d runs", attempt, len(runs))
		}
	}
	if entries, _ := os.ReadDir(logDir); len(entries) != 0 {
		t.Fatalf("a run that never started left log files: %v", entries)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	spec.ConnectTimeout = 10 * time.Second
	if _, err := live.Run(ctx, spec); !errors.Is(err, live.ErrNotStarted) {
		t.Fatalf("a run stopped before connecting: %v, want ErrNotStarted", err)
	}
}
