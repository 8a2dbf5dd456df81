package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lamport/live"
	"lamport/record"
	"lamport/wire"
)

func TestEmptySecretIsAUsageError(t *testing.T) {
	config := writeConfig(t, t.TempDir(), []int{0, 0})
	assertUsageFailure(t, "--secret is empty", "run", "--config", config, "--secret", "")
	assertUsageFailure(t, "--secret is empty", "machine", "--id", "1", "--seed", "1", "--config", config, "--secret", "")
	t.Setenv(secretEnv, "")
	assertUsageFailure(t, secretEnv+" is set but empty", "run", "--config", config)
	assertUsageFailure(t, secretEnv+" is set but empty", "machine", "--id", "1", "--seed", "1", "--config", config)
}

func TestSecretHelpWarnsAboutPs(t *testing.T) {
	for _, cmd := range []string{"run", "machine"} {
		code, out, _ := lamport(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "--secret") || !strings.Contains(out, "visible to other users in ps") || !strings.Contains(out, secretEnv) {
			t.Errorf("%s --help does not offer --secret with the ps warning and %s:\n%s", cmd, secretEnv, out)
		}
	}
}

// run --procs hands its --secret to its machine processes through the
// environment (argv is readable by anyone), so each of them records that
// it required the secret; the secret is in no store.
func TestProcsRunPassesTheSecretToItsMachines(t *testing.T) {
	const secret = "procs-secret-7d1e4b"
	dir := t.TempDir()
	store := filepath.Join(dir, "lamport.db")
	var out []byte
	var err error
	for attempt := range 2 {
		config := writeConfig(t, dir, freePorts(t, 3))
		cmd := exec.Command(lamportBin, "run", "--procs", "--config", config, "--store", store,
			"--log-dir", "", "--duration", "1s", "--speed", "20", "--seed", "3", "--secret", secret)
		out, err = cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "address already in use") || attempt == 1 {
			break
		}
	}
	if err != nil {
		t.Fatalf("run --procs with a secret: %v\n%s", err, out)
	}
	meta := latestRun(t, store)
	if meta.Status != record.StatusComplete || meta.Options[live.OptionSecret] != "yes" {
		t.Errorf("merged run: status %s, options %v; want complete with secret=yes", meta.Status, meta.Options)
	}
	data, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) || bytes.Contains(out, []byte(secret)) {
		t.Error("the secret appears in the store or the output")
	}
}

// Two machine processes with different secrets refuse each other: neither
// run starts, and the refusal says why.
func TestMachinesWithDifferentSecretsRefuseEachOther(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, freePorts(t, 2))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		outputs []string
		codes   []int
	)
	for id, secret := range map[string]string{"1": "alpha-secret", "2": "bravo-secret"} {
		wg.Go(func() {
			cmd := exec.Command(lamportBin, "machine", "--id", id, "--seed", "4", "--config", config,
				"--store", filepath.Join(dir, "m"+id+".db"), "--log-dir", "", "--duration", "1s", "--connect-timeout", "5s")
			cmd.Env = append(os.Environ(), secretEnv+"="+secret)
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Error(err)
			}
			mu.Lock()
			outputs = append(outputs, string(out))
			codes = append(codes, code)
			mu.Unlock()
		})
	}
	wg.Wait()
	all := strings.Join(outputs, "\n")
	for _, code := range codes {
		if code != 2 {
			t.Errorf("a machine with the wrong secret exited %d, want 2:\n%s", code, all)
		}
	}
	if !strings.Contains(all, "wrong secret") {
		t.Errorf("no machine said the secret was wrong:\n%s", all)
	}
	if strings.Contains(all, "alpha-secret") || strings.Contains(all, "bravo-secret") {
		t.Errorf("a secret was printed:\n%s", all)
	}
}

// A run whose machine refused a stranger says so in its summary, from the
// counts recorded in the run's metadata.
func TestRunSummaryReportsRefusedConnections(t *testing.T) {
	dir := t.TempDir()
	_, r := runWithAStranger(t, dir, filepath.Join(dir, "l.db"), "--secret", "summary-secret")
	if r.code != 0 || !strings.Contains(r.out, "machine 1 refused connections: auth=1\n") {
		t.Fatalf("run: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
	}
	if strings.Contains(r.out, "machine 2 refused") || strings.Contains(r.out, "machine 3 refused") {
		t.Errorf("machines nobody dialled report refusals:\n%s", r.out)
	}
}

// cliResult is what one in-process command returned.
type cliResult struct {
	code     int
	out, err string
}

// runWithAStranger runs 'lamport run' of 3 machines for 3 s (at speed 20)
// into store with args, while a stranger without a secret dials machine 1;
// it returns the stranger's refusal, which it requires, and the run's
// result. The machine refuses a dialer without the secret before it reads
// the rest of the hello, so the stranger need not know the run id.
func runWithAStranger(t *testing.T, dir, store string, args ...string) (*wire.RefusedError, cliResult) {
	t.Helper()
	ports := freePorts(t, 3)
	config := writeConfig(t, dir, ports)
	done := make(chan cliResult, 1)
	go func() {
		code, out, errOut := lamport(t, append([]string{"run", "--config", config, "--store", store, "--log-dir", "",
			"--duration", "3s", "--speed", "20", "--seed", "9"}, args...)...)
		done <- cliResult{code, out, errOut}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hello := wire.Hello{Version: wire.ProtocolVersion, RunID: "stranger", From: 2, To: 1}
	l, err := wire.Dial(ctx, fmt.Sprintf("127.0.0.1:%d", ports[0]), hello, wire.Backoff{})
	var refused *wire.RefusedError
	if !errors.As(err, &refused) {
		if l != nil {
			l.Close(0)
		}
		t.Fatalf("a dialer without the secret: %v, want a refusal", err)
	}
	select {
	case r := <-done:
		return refused, r
	case <-time.After(60 * time.Second):
		t.Fatal("run did not finish")
	}
	return nil, cliResult{}
}

// A live sweep's runs use the secret (and record that they did); a sim
// sweep has no sockets to protect, so --secret there is a usage error.
func TestSweepSecret(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s.db")
	assertUsageFailure(t, "--secret applies to --mode live only", "sweep", "--runs", "1", "--secret", "x", "--store", store)
	code, out, errOut := lamport(t, "sweep", "--mode", "live", "--runs", "1", "--machines", "3", "--duration", "1s",
		"--speed", "20", "--seed", "5", "--secret", "sweep-secret", "--store", store, "--log-dir", "", "--quiet")
	if code != 0 {
		t.Fatalf("live sweep with a secret: exit %d\n%s%s", code, out, errOut)
	}
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meta, err := st.Resolve("latest")
	if err != nil || meta.Options[live.OptionSecret] != "yes" {
		t.Errorf("sweep run: %v, options %v; want secret=yes", err, meta.Options)
	}
}
