package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// withHeldLimit runs f with heldEntryLimit set to limit: 0 sends every run
// of a sweep the one-by-one way (RecordSim, then Analyze from the store).
func withHeldLimit(t *testing.T, limit float64, f func()) {
	t.Helper()
	old := heldEntryLimit
	heldEntryLimit = limit
	defer func() { heldEntryLimit = old }()
	f()
}

// A sweep whose runs are held in memory, committed in groups and analysed
// from memory prints, byte for byte, what the same sweep prints when it
// records each run by itself and analyses it from the store (the way
// every sweep went before), in every format, over 3 variants x 40 seeds
// and a 2 x 2 grid with machines 9, 2 and 5 from a config; and the two
// stores hold the same runs: the same metadata but for the wall-clock
// start and end, and the same entries.
func TestHeldSweepIsTheOneByOneSweep(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	config := `{"machines": [{"id": 9, "host": "127.0.0.1", "port": 5001}, {"id": 2, "host": "127.0.0.1", "port": 5002}, {"id": 5, "host": "127.0.0.1", "port": 5003}]}`
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	grids := []struct {
		name string
		args []string
	}{
		{"default", []string{"--runs", "40", "--seed", "500"}},
		{"config", []string{"--config", cfg, "--runs", "10", "--seed", "9", "--duration", "30s", "--vary", "max-rate=3,5", "--vary", "latency=exp:1ms,uniform:0s-2s"}},
	}
	for _, g := range grids {
		t.Run(g.name, func(t *testing.T) {
			stores := map[string]string{}
			outs := map[string][]string{}
			for _, way := range []string{"held", "one by one"} {
				limit := heldEntryLimit
				if way == "one by one" {
					limit = 0
				}
				withHeldLimit(t, limit, func() {
					for i, format := range [][]string{{"--json"}, {"--csv"}, nil} {
						// The markdown names the store: each sweep writes
						// the same path, then moves its store away.
						store := filepath.Join(dir, "sweep.db")
						args := append([]string{"sweep", "--sweep-id", "held-" + g.name, "--quiet", "--store", store}, g.args...)
						out, _ := mustLamport(t, append(args, format...)...)
						outs[way] = append(outs[way], out)
						stores[way] = filepath.Join(dir, fmt.Sprintf("%s-%s-%d.db", way, g.name, i))
						if err := os.Rename(store, stores[way]); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
			for i := range outs["held"] {
				if outs["held"][i] != outs["one by one"][i] {
					t.Errorf("output %d differs:\n--- held\n%s\n--- one by one\n%s", i, outs["held"][i], outs["one by one"][i])
				}
			}
			held, oneByOne := storeRuns(t, stores["held"]), storeRuns(t, stores["one by one"])
			if len(held) == 0 || len(held) != len(oneByOne) {
				t.Fatalf("held: %d runs, one by one: %d", len(held), len(oneByOne))
			}
			for id, h := range held {
				if o, ok := oneByOne[id]; !ok || h != o {
					t.Errorf("run %s differs:\n--- held\n%s\n--- one by one\n%s", id, h, o)
				}
			}
		})
	}
}

// storeRuns is every run of a store as text: its metadata without the
// wall-clock times, and every machine's entries.
func storeRuns(t *testing.T, path string) map[string]string {
	t.Helper()
	st, err := record.Open(path, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	metas, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range metas {
		if m.Status != record.StatusComplete || m.Ended.Sub(m.Started) <= 0 {
			t.Errorf("run %s: %s, %v to %v", m.ID, m.Status, m.Started, m.Ended)
		}
		// The run's length stays: Ended is Started + the duration.
		m.Started, m.Ended = time.Time{}, time.Time{}.Add(m.Ended.Sub(m.Started))
		for i := range m.Machines {
			m.Machines[i].StartWall = time.Time{}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		err = st.View(m.ID, func(r *record.Reader) error {
			ids := slices.Sorted(slices.Values(r.Machines()))
			for _, id := range ids {
				it := r.Entries(id)
				var e core.Entry
				for it.Read(&e) {
					eb, _ := json.Marshal(e)
					text += "\n" + string(eb)
				}
				if err := it.Err(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out[m.ID] = text
	}
	return out
}

var sweepCommittedLine = regexp.MustCompile(`msg="sweep committed" runs=(\d+) last=(\S+)`)

// kill -9 of a sweep that commits its runs in groups: the store opens and
// passes Check; it holds a prefix of the grid, in the grid's order (the
// groups commit in order, each whole or not at all), every run of it
// complete; it holds at least every run the sweep had logged as
// committed; and 'sweep --table' rebuilds the table of those runs.
func TestKill9OfASweep(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(crashSeed(t), 2))
	const seeds = 3000
	for i := range min(crashKills(t), 3) {
		store := filepath.Join(dir, fmt.Sprintf("sweep%d.db", i))
		id := fmt.Sprintf("killed%d", i)
		c := startChild(t, "sweep", "--runs", strconv.Itoa(seeds), "--seed", "1", "--sweep-id", id, "--store", store, "-v", "--log-commits")
		// The first commit line, then a moment within the next second.
		firstCommit := make(chan struct{})
		go func() {
			for !strings.Contains(c.output(), "sweep committed") {
				select {
				case <-c.scanned:
					return // killAfter says the child ended
				case <-time.After(time.Millisecond):
				}
			}
			close(firstCommit)
		}()
		delay := time.Duration(rng.Int64N(int64(time.Second)))
		c.killAfter(t, firstCommit, delay)

		logged, last := 0, ""
		for _, m := range sweepCommittedLine.FindAllStringSubmatch(c.output(), -1) {
			n, err := strconv.Atoi(m[1])
			if err != nil || n < logged {
				t.Fatalf("commit line %q after %d runs", m[0], logged)
			}
			logged, last = n, m[2]
		}
		st, err := record.Open(store, record.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Check(); err != nil {
			t.Fatalf("kill %d: %v", i+1, err)
		}
		metas, err := st.Runs()
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, m := range metas {
			if m.Status != record.StatusComplete {
				t.Errorf("kill %d: run %s is %s", i+1, m.ID, m.Status)
			}
			stored[m.ID] = true
		}
		st.Close()
		if len(stored) < logged || !stored[last] {
			t.Fatalf("kill %d: the store has %d runs, the sweep had logged %d as committed, the last %s (in the store: %v)", i+1, len(stored), logged, last, stored[last])
		}
		// A prefix of the grid: variant by variant, seed by seed.
		for k := range len(stored) {
			if want := sweepRunID(id, k/seeds+1, uint64(1+k%seeds)); !stored[want] {
				t.Fatalf("kill %d: the store's %d runs are not the grid's first: %s is missing", i+1, len(stored), want)
			}
		}
		code, table, errOut := lamport(t, "sweep", "--table", id, "--store", store)
		if code != 0 || !strings.Contains(errOut, fmt.Sprintf("the table has the %d of its %d runs", len(stored), 3*seeds)) {
			t.Fatalf("kill %d: sweep --table: exit %d, stderr %s\n%s", i+1, code, errOut, table)
		}
		t.Logf("kill %d at +%v after the first commit: %d runs stored, %d logged as committed", i+1, delay.Round(time.Millisecond), len(stored), logged)
	}
}
