package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lamport/record"
)

// TestSimWithFaultsRecordsAndReplays: the fault flags reach the run's
// options, the logs hold the faults, and the run replays identically.
func TestSimWithFaultsRecordsAndReplays(t *testing.T) {
	store := filepath.Join(t.TempDir(), "f.db")
	code, out, errOut := lamport(t, "sim", "--seed", "7", "--machines", "4", "--duration", "1m", "--store", store, "--quiet",
		"--drop", "0.1", "--dup", "0.05", "--spike", "0.02:300ms", "--partition", "1-2@10s-20s", "--partition", "3>4@0s-30s",
		"--clog", "20s:1s", "--crash", "2@30s-40s", "--crashes", "50s:2s", "--restart", "reset")
	if code != 0 {
		t.Fatalf("sim with faults: exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "faults: ") || !strings.Contains(out, "duplicated") {
		t.Errorf("sim output does not count the faults:\n%s", out)
	}
	meta := latestRun(t, store)
	want := map[string]string{"drop": "0.1", "dup": "0.05", "spike": "0.02:300ms", "partition": "1-2@10s-20s,3>4@0s-30s",
		"clog": "20s:1s", "crash": "2@30s-40s", "crashes": "50s:2s", "restart": "reset"}
	for k, v := range want {
		if meta.Options[k] != v {
			t.Errorf("option %s = %q, want %q", k, meta.Options[k], v)
		}
	}
	code, out, errOut = lamport(t, "replay", "latest", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical") {
		t.Fatalf("replay of a faulty sim: exit %d\n%s%s", code, out, errOut)
	}
	_, lsOut, _ := lamport(t, "ls", "--json", "--store", store)
	if runs := decodeJSON[[]lsRun](t, "ls --json", lsOut); len(runs) != 1 || runs[0].Options["partition"] != want["partition"] {
		t.Errorf("ls --json does not show the run's faults: %+v", runs)
	}
	code, out, _ = lamport(t, "show", "latest", "--machine", "2", "--store", store)
	if code != 0 || !strings.Contains(out, " crash    queue_lost=") || !strings.Contains(out, " restart  missed=") {
		t.Errorf("show does not list machine 2's crash and restart:\n%.2000s", out)
	}
	code, out, _ = lamport(t, "report", "latest", "--store", store)
	if code != 0 || !strings.Contains(out, "\nfaults: ") {
		t.Errorf("report does not count the faults:\n%.600s", out)
	}
}

// TestSwarmIsRecordedAndDeterministic: --swarm draws the faults from the
// seed; the same seed gives the same options and trace hash.
func TestSwarmIsRecordedAndDeterministic(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s.db")
	var hashes []string
	for range 2 {
		code, out, errOut := lamport(t, "sim", "--seed", "12", "--duration", "2m", "--swarm", "--store", store, "--quiet")
		if code != 0 {
			t.Fatalf("sim --swarm: exit %d, %s", code, errOut)
		}
		i := strings.Index(out, "trace hash ")
		if i < 0 {
			t.Fatalf("no trace hash in %s", out)
		}
		hashes = append(hashes, strings.Fields(out[i:])[2])
	}
	if hashes[0] != hashes[1] {
		t.Errorf("the same swarm seed gave hashes %s and %s", hashes[0], hashes[1])
	}
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	metas, err := st.Runs()
	if err != nil || len(metas) != 2 {
		t.Fatalf("runs: %v, %v", metas, err)
	}
	if metas[0].Options["swarm"] != "true" || len(metas[0].Options) != len(metas[1].Options) {
		t.Errorf("swarm options %v and %v", metas[0].Options, metas[1].Options)
	}
	for k, v := range metas[0].Options {
		if metas[1].Options[k] != v {
			t.Errorf("option %s: %q then %q", k, v, metas[1].Options[k])
		}
	}
}

func TestBadFaultFlags(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bad.db")
	for _, c := range []struct {
		want string
		args []string
	}{
		{"drop must be a probability", []string{"--drop", "1.5"}},
		{"dup must be a probability", []string{"--dup", "-0.1"}},
		{"--spike", []string{"--spike", "0.1"}},
		{"--spike", []string{"--spike", "2:1s"}},
		{"--partition", []string{"--partition", "1-2"}},
		{"--partition", []string{"--partition", "1-2@20s-10s"}},
		{"no machine 9", []string{"--partition", "1-9@1s-2s"}},
		{"cut from itself", []string{"--partition", "2-2@1s-2s"}},
		{"--crash", []string{"--crash", "0@1s-2s"}},
		{"overlap", []string{"--crash", "1@1s-5s", "--crash", "1@4s-6s"}},
		{"--clog", []string{"--clog", "1s:0s"}},
		{"--crashes", []string{"--crashes", "10s"}},
		{"--restart", []string{"--restart", "maybe"}},
		{"leave out --drop", []string{"--swarm", "--drop", "0.1"}},
	} {
		args := append([]string{"sim", "--seed", "1", "--machines", "3", "--duration", "10s", "--store", store, "--quiet"}, c.args...)
		assertOneLineFailure(t, c.want, args...)
	}
	if _, err := os.Stat(store); err == nil {
		t.Errorf("a refused sim created %s", store)
	}
}

// TestRunWithSendSideFaults: run --drop --delay --partition records its
// faults and options and replays identically; sim-only faults and bad
// values are refused before anything starts.
func TestRunWithSendSideFaults(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "live.db")
	config := writeConfig(t, dir, []int{0, 0, 0})
	code, out, errOut := lamport(t, "run", "--config", config, "--store", store, "--log-dir", "", "--duration", "2s", "--speed", "20",
		"--seed", "4", "--drop", "0.2", "--delay", "uniform:1ms-5ms", "--partition", "2>3@0s-1s", "--quiet")
	if code != 0 {
		t.Fatalf("run with faults: exit %d\n%s%s", code, out, errOut)
	}
	meta := latestRun(t, store)
	for k, v := range map[string]string{"drop": "0.2", "delay": "uniform:1ms-5ms", "partition": "2>3@0s-1s"} {
		if meta.Options[k] != v {
			t.Errorf("option %s = %q, want %q", k, meta.Options[k], v)
		}
	}
	code, out, _ = lamport(t, "report", "latest", "--store", store)
	if code != 0 || !strings.Contains(out, "\nfaults: ") {
		t.Errorf("report of the faulty live run does not count its losses:\n%.500s", out)
	}
	code, out, errOut = lamport(t, "replay", "latest", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "identical") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
	for _, c := range []struct {
		want string
		args []string
	}{
		{"drop must be a probability", []string{"--drop", "-1"}},
		{"no machine 7", []string{"--partition", "1-7@0s-1s"}},
		{"--delay", []string{"--delay", "soon"}},
		{"unknown flag: --crash", []string{"--crash", "1@0s-1s"}},
	} {
		args := append([]string{"run", "--config", config, "--store", filepath.Join(dir, "refused.db"), "--duration", "1s"}, c.args...)
		assertOneLineFailure(t, c.want, args...)
	}
	if _, err := os.Stat(filepath.Join(dir, "refused.db")); err == nil {
		t.Error("a refused run created its store")
	}
}

// latestRun is the metadata of the newest run in store.
func latestRun(t *testing.T, store string) record.RunMeta {
	t.Helper()
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meta, err := st.Resolve("latest")
	if err != nil {
		t.Fatal(err)
	}
	return meta
}
