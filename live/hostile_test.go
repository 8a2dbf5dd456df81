package live_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/runcheck"
	"lamport/live"
	"lamport/record"
	"lamport/wire"
)

// patience bounds every wait on the network in these tests; generous, for
// a loaded two-core machine. Nothing asserts speed.
const patience = 20 * time.Second

// backgroundRun is a live run started in its own goroutine, watched
// through its progress callback.
type backgroundRun struct {
	cfg    core.Config
	params core.Params
	spec   live.Spec
	done   chan error

	mu     sync.Mutex
	events uint64
}

func startRun(t *testing.T, st *record.Store, runID string, d time.Duration, secret []byte) *backgroundRun {
	t.Helper()
	cfg := core.Config{}
	for i, p := range reservePorts(t, 3) {
		cfg.Machines = append(cfg.Machines, core.MachineSpec{ID: core.MachineID(i + 1), Host: "127.0.0.1", Port: p})
	}
	r := &backgroundRun{cfg: cfg, params: core.DefaultParams(5), done: make(chan error, 1)}
	r.spec = live.Spec{
		RunID: runID, Config: cfg, Params: r.params, Speed: 20, Duration: d, Store: st,
		HandshakeTimeout: 300 * time.Millisecond, Secret: secret,
		Progress: func(_ time.Duration, events uint64) {
			r.mu.Lock()
			r.events = events
			r.mu.Unlock()
		},
	}
	go func() {
		_, err := live.Run(context.Background(), r.spec)
		r.done <- err
	}()
	return r
}

func (r *backgroundRun) eventCount() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events
}

// waitEventsPast waits until the machines have ticked past n events.
func (r *backgroundRun) waitEventsPast(t *testing.T, n uint64) uint64 {
	t.Helper()
	for deadline := time.Now().Add(patience); ; {
		if got := r.eventCount(); got > n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run stayed at %d events for %v", r.eventCount(), patience)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *backgroundRun) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(r.spec.Duration + 2*patience):
		t.Fatal("the run did not finish")
	}
}

func (r *backgroundRun) hello(from, to core.MachineID) wire.Hello {
	return wire.Hello{Version: wire.ProtocolVersion, RunID: r.spec.RunID, From: from, To: to,
		Fingerprint: core.Fingerprint(r.cfg.Machines, r.params)}
}

// sendRaw writes b to addr, half-closes unless silent, and waits for the
// machine to close the connection.
func sendRaw(t *testing.T, addr string, b []byte, silent bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(patience))
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	if !silent {
		_ = c.(*net.TCPConn).CloseWrite()
	}
	var buf [4096]byte
	for {
		if _, err := c.Read(buf[:]); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("machine at %s kept a hostile connection open for %v", addr, patience)
			}
			return
		}
	}
}

func expectRefusal(t *testing.T, addr string, h wire.Hello, secret []byte, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := wire.DialSecret(ctx, addr, h, wire.Backoff{}, secret)
	var refused *wire.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, reason) {
		if l != nil {
			l.Close(0)
		}
		t.Errorf("dial %+v: %v, want a refusal containing %q", h, err, reason)
	}
}

// expectRefusalWithout dials with h and checks the refusal's text holds
// none of secrets (a run id, a fingerprint).
func expectRefusalWithout(t *testing.T, addr string, h wire.Hello, secrets ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	l, err := wire.DialSecret(ctx, addr, h, wire.Backoff{}, nil)
	var refused *wire.RefusedError
	if !errors.As(err, &refused) {
		if l != nil {
			l.Close(0)
		}
		t.Fatalf("dial %+v: %v, want a refusal", h, err)
	}
	for _, s := range secrets {
		if strings.Contains(refused.Reason, s) {
			t.Errorf("the refusal %q tells a stranger %q", refused.Reason, s)
		}
	}
}

// rejections reads machine id's refusal counts from a run's metadata.
func rejections(t *testing.T, meta record.RunMeta, id core.MachineID) map[wire.Reason]uint64 {
	t.Helper()
	got, err := live.ParseRejections(meta.Options[live.RejectionsKey(id)])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Every hostile input class against a live machine, then a flood of 2000
// silent connections: each is refused or timed out and counted in the
// run's metadata, and no machine misses a tick.
func TestHostileInputDoesNotStopALiveMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2000 connections")
	}
	st := openStore(t)
	const duration = 6 * time.Second
	r := startRun(t, st, "under-attack", duration, nil)
	r.waitEventsPast(t, 0)
	addr := r.cfg.Machines[0].Addr()
	fp := core.Fingerprint(r.cfg.Machines, r.params)

	good := wire.AppendFrame(nil, wire.AppendHello(nil, r.hello(2, 1)))
	sendRaw(t, addr, wire.AppendFrame(nil, []byte("GARBAGE!")), false) // malformed
	sendRaw(t, addr, good[:len(good)-5], false)                        // truncated
	sendRaw(t, addr, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, false)      // too_large
	sendRaw(t, addr, wire.AppendFrame(nil, []byte{0x95, 0x01}), false) // version (a v1 hello)
	sendRaw(t, addr, nil, true)                                        // timeout (slowloris)
	// Without a secret nobody is proved: the refusal names the reason
	// but neither the run's id nor its fingerprint.
	expectRefusal(t, addr, wire.Hello{Version: wire.ProtocolVersion, RunID: "another", From: 2, To: 1, Fingerprint: fp}, nil, "this machine is in another run")
	expectRefusalWithout(t, addr, wire.Hello{Version: wire.ProtocolVersion, RunID: "another", From: 2, To: 1, Fingerprint: fp}, r.spec.RunID, fp)
	expectRefusalWithout(t, addr, wire.Hello{Version: wire.ProtocolVersion, RunID: r.spec.RunID, From: 2, To: 1, Fingerprint: "0000000000000000"}, r.spec.RunID, fp)
	expectRefusal(t, addr, r.hello(9, 1), nil, "machine 9 is not a peer")
	expectRefusal(t, addr, r.hello(2, 1), nil, "machine 2 is already connected")
	// The machines of the run share one connection, their process's: a
	// stranger can neither open a second one nor one for a machine of
	// another process.
	shared := r.hello(1, 1)
	shared.Shared = true
	expectRefusal(t, addr, shared, nil, "shared connection of machine 1's process is already connected")
	shared.From = 9
	expectRefusal(t, addr, shared, nil, "machine 9, which does not run in this process")
	// Only the first machine takes the shared connection.
	shared.From, shared.To = 2, 2
	expectRefusal(t, r.cfg.Machines[1].Addr(), shared, nil, "takes no shared connections")

	before := r.eventCount()
	const flood = 2000
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		reached int
	)
	for range flood {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", addr, patience)
			if err != nil {
				return
			}
			defer c.Close()
			mu.Lock()
			reached++
			mu.Unlock()
			_ = c.SetReadDeadline(time.Now().Add(patience))
			var b [1]byte
			_, _ = c.Read(b[:])
		})
	}
	wg.Wait()
	after := r.waitEventsPast(t, before)
	r.wait(t)

	meta, err := st.Run("under-attack")
	if err != nil {
		t.Fatal(err)
	}
	if meta.Status != record.StatusComplete {
		t.Fatalf("run ended %s", meta.Status)
	}
	got := rejections(t, meta, 1)
	for reason, n := range map[wire.Reason]uint64{
		wire.ReasonMalformed: 1, wire.ReasonTruncated: 1, wire.ReasonTooLarge: 1, wire.ReasonVersion: 1,
		wire.ReasonWrongRun: 2, wire.ReasonWrongConfig: 1, wire.ReasonUnknownPeer: 2, wire.ReasonDuplicate: 2,
	} {
		if got[reason] != n {
			t.Errorf("%s counted %d times, want %d (all: %v)", reason, got[reason], n, got)
		}
	}
	// The slowloris is one timeout; each flood connection the machine took
	// off its backlog before the run ended is either turned away as busy
	// or admitted to a handshake that times out. On a loaded machine the
	// run may end before it has taken them all (those left are reset, not
	// counted), so this is a bound; wire.TestConnectionFloodIsBounded,
	// whose server outlives its flood, checks the exact count.
	if sum := got[wire.ReasonBusy] + got[wire.ReasonTimeout]; sum < 1 || sum > uint64(reached)+1 {
		t.Errorf("busy %d + timeout %d, want between 1 and %d flood connections + 1 slowloris",
			got[wire.ReasonBusy], got[wire.ReasonTimeout], reached)
	}
	if got := rejections(t, meta, 2); len(got) != 1 || got[wire.ReasonRefused] != 1 {
		t.Errorf("machine 2 refused %v, want the one shared hello", got)
	}
	if v, ok := meta.Options[live.RejectionsKey(3)]; ok {
		t.Errorf("machine 3 was not attacked but recorded rejections %q", v)
	}
	v, err := runcheck.Verify(st, "under-attack")
	if err != nil {
		t.Fatalf("the recording breaks the model: %v", err)
	}
	for _, m := range meta.Machines {
		if want := expectedTicks(m.Rate, r.spec.Speed, duration); v.Events[m.ID] != want {
			t.Errorf("machine %d ticked %d times under attack, want %d", m.ID, v.Events[m.ID], want)
		}
	}
	assertReplaysIdentically(t, st, "under-attack")
	t.Logf("flood of %d: %d reached machine 1; rejections %v; events %d before, %d after", flood, reached, got, before, after)
}

// With a secret, a stranger without it, or with the wrong one, is refused
// and counted; the run records that a secret was used but not the secret.
func TestSecretRunRefusesStrangers(t *testing.T) {
	st := openStore(t)
	secret := []byte("live-secret-5b2c71e0")
	r := startRun(t, st, "guarded", 3*time.Second, secret)
	r.waitEventsPast(t, 0)
	addr := r.cfg.Machines[0].Addr()

	expectRefusal(t, addr, r.hello(2, 1), nil, "requires the run's secret")
	expectRefusal(t, addr, r.hello(2, 1), []byte("not-the-secret"), "wrong secret")
	// Only after the secret is proved does the machine judge the hello.
	other := r.hello(2, 1)
	other.RunID = "another"
	expectRefusal(t, addr, other, secret, "this machine is in run")
	r.wait(t)

	meta, err := st.Run("guarded")
	if err != nil {
		t.Fatal(err)
	}
	if meta.Status != record.StatusComplete || meta.Options[live.OptionSecret] != "yes" {
		t.Errorf("status %s, options %v; want complete with secret=yes", meta.Status, meta.Options)
	}
	got := rejections(t, meta, 1)
	if got[wire.ReasonAuth] != 2 || got[wire.ReasonWrongRun] != 1 || len(got) != 2 {
		t.Errorf("rejections %v, want auth=2 and wrong_run=1", got)
	}
	assertReplaysIdentically(t, st, "guarded")
	data, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, secret) {
		t.Error("the store file contains the secret")
	}
}
