package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lamport/live"
)

// TestRunMakesItsOwnSecret: given no secret, run, run --procs and a live
// sweep make one for their machines. A stranger without it is refused for
// want of the secret (before, it got as far as "another run"), and each
// run records that its connections were authenticated.
func TestRunMakesItsOwnSecret(t *testing.T) {
	t.Setenv(secretEnv, "x") // so that Unsetenv below is undone after the test
	os.Unsetenv(secretEnv)
	dir := t.TempDir()

	t.Run("run", func(t *testing.T) {
		store := filepath.Join(dir, "run.db")
		refused, r := runWithAStranger(t, dir, store)
		if !strings.Contains(refused.Reason, "requires the run's secret") {
			t.Fatalf("a dialer without a secret was refused with %q; want for want of the run's secret", refused.Reason)
		}
		if r.code != 0 || !strings.Contains(r.out, "machine 1 refused connections: auth=1\n") {
			t.Fatalf("run: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
		}
		if meta := latestRun(t, store); meta.Options[live.OptionSecret] != "yes" {
			t.Errorf("run's options %v; want secret=yes", meta.Options)
		}
	})

	t.Run("procs", func(t *testing.T) {
		store := filepath.Join(dir, "procs.db")
		// The built binary, not Main: --procs starts its own executable.
		var out []byte
		var err error
		for attempt := range 2 {
			config := writeConfig(t, dir, freePorts(t, 3))
			out, err = exec.Command(lamportBin, "run", "--procs", "--config", config, "--store", store,
				"--log-dir", "", "--duration", "1s", "--speed", "20", "--seed", "3").CombinedOutput()
			if err == nil || !strings.Contains(string(out), "address already in use") || attempt == 1 {
				break
			}
		}
		if err != nil {
			t.Fatalf("run --procs: %v\n%s", err, out)
		}
		// Each machine process records secret=yes only if it was given one.
		if meta := latestRun(t, store); meta.Options[live.OptionSecret] != "yes" || len(meta.Machines) != 3 {
			t.Errorf("merged run: %d machines, options %v; want 3 with secret=yes", len(meta.Machines), meta.Options)
		}
	})

	t.Run("sweep", func(t *testing.T) {
		store := filepath.Join(dir, "sweep.db")
		code, out, errOut := lamport(t, "sweep", "--mode", "live", "--runs", "1", "--machines", "3", "--duration", "1s",
			"--speed", "20", "--seed", "5", "--store", store, "--log-dir", "", "--quiet")
		if code != 0 {
			t.Fatalf("live sweep: exit %d\n%s%s", code, out, errOut)
		}
		if meta := latestRun(t, store); meta.Options[live.OptionSecret] != "yes" {
			t.Errorf("sweep run's options %v; want secret=yes", meta.Options)
		}
	})
}

// TestMachineWarnsWithoutASecretOffLoopback: 'lamport machine' is started
// by hand and cannot make a secret its peers would share; on an address
// other hosts can reach it warns, once, that it has none. On loopback, or
// with a secret, it says nothing.
func TestMachineWarnsWithoutASecretOffLoopback(t *testing.T) {
	t.Setenv(secretEnv, "x")
	os.Unsetenv(secretEnv)
	const warning = "no secret: machine 1 listens on 192.0.2.1"
	dir := t.TempDir()
	// 192.0.2.1 is reserved for documentation: nothing here can listen on
	// it, so the machine stops right after the warning.
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"machines": [{"id": 1, "host": "192.0.2.1", "port": 5001}, {"id": 2, "host": "127.0.0.1", "port": 5002}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	machine := func(id string) (int, string) {
		code, _, errOut := lamport(t, "machine", "--id", id, "--seed", "1", "--config", config,
			"--store", filepath.Join(dir, "m"+id+".db"), "--log-dir", "", "--connect-timeout", "300ms", "--duration", "1s")
		return code, errOut
	}
	code, errOut := machine("1")
	if code == 0 || strings.Count(errOut, warning) != 1 {
		t.Fatalf("machine 1 on 192.0.2.1 without a secret: exit %d, stderr:\n%s\nwant the warning %q once", code, errOut, warning)
	}
	if _, errOut := machine("2"); strings.Contains(errOut, "no secret") {
		t.Errorf("machine 2 on 127.0.0.1 warned:\n%s", errOut)
	}
	t.Setenv(secretEnv, "a secret")
	if _, errOut := machine("1"); strings.Contains(errOut, "no secret") {
		t.Errorf("machine 1 with %s set warned:\n%s", secretEnv, errOut)
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true, "[::1]": true,
		"0.0.0.0": false, "::": false, "10.0.0.1": false, "192.0.2.1": false, "example.com": false, "": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
