package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"lamport/core"
	"lamport/record"
)

// runMachineIDs is the sorted machine ids of every run in store, oldest first.
func runMachineIDs(t *testing.T, store string) [][]core.MachineID {
	t.Helper()
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	metas, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]core.MachineID
	for i := len(metas) - 1; i >= 0; i-- {
		var ids []core.MachineID
		for _, m := range metas[i].Config {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		out = append(out, ids)
	}
	return out
}

func ids(n ...core.MachineID) []core.MachineID { return n }

// TestSimAndSweepReadConfigJSONAsRunDoes: with no --config, sim and sweep
// take ./config.json, as run does; --machines N puts a ring of N in its
// place; with no file, a ring of 3.
func TestSimAndSweepReadConfigJSONAsRunDoes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	sim := func(store string, extra ...string) {
		t.Helper()
		args := append([]string{"sim", "--seed", "7", "--duration", "1s", "--quiet", "--store", store}, extra...)
		if code, _, errOut := lamport(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}

	// No config.json here yet: the ring of 3.
	sim("none.db")
	if got := runMachineIDs(t, "none.db"); !slices.Equal(got[0], ids(1, 2, 3)) {
		t.Errorf("sim with no config file ran machines %v, want 1,2,3", got[0])
	}

	doc := `{"machines": [{"id": 4, "host": "127.0.0.1", "port": 0}, {"id": 7, "host": "127.0.0.1", "port": 0}, {"id": 9, "host": "127.0.0.1", "port": 0}], "max_rate": 3}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	sim("cfg.db")
	sim("cfg.db", "--machines", "5")
	got := runMachineIDs(t, "cfg.db")
	if !slices.Equal(got[0], ids(4, 7, 9)) {
		t.Errorf("sim with ./config.json ran machines %v, want its ids 4,7,9", got[0])
	}
	if !slices.Equal(got[1], ids(1, 2, 3, 4, 5)) {
		t.Errorf("sim --machines 5 ran machines %v, want the ring 1..5", got[1])
	}
	st, err := record.Open("cfg.db", record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	metas, err := st.Runs()
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metas {
		if m.Params.MaxRate != 3 {
			t.Errorf("run %s: max-rate %d, want the config's 3 (with or without --machines)", m.ID, m.Params.MaxRate)
		}
	}

	// sweep: the config's machines, and a ring for a variant that sets them.
	args := []string{"sweep", "--runs", "1", "--duration", "1s", "--quiet", "--store", "sweep.db", "--vary", "actions=5,6"}
	if code, _, errOut := lamport(t, args...); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	for _, g := range runMachineIDs(t, "sweep.db") {
		if !slices.Equal(g, ids(4, 7, 9)) {
			t.Errorf("sweep with ./config.json ran machines %v, want 4,7,9", g)
		}
	}
	args = []string{"sweep", "--runs", "1", "--duration", "1s", "--quiet", "--store", "sweepm.db", "--vary", "machines=2,3"}
	if code, _, errOut := lamport(t, args...); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	got = runMachineIDs(t, "sweepm.db")
	if len(got) != 2 || !slices.Equal(got[0], ids(1, 2)) || !slices.Equal(got[1], ids(1, 2, 3)) {
		t.Errorf("sweep --vary machines=2,3 ran machines %v, want rings 1..2 and 1..3", got)
	}
}
