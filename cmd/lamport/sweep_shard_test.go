package main

import (
	"bytes"
	"fmt"
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
	"lamport/replay"
	"lamport/report"
)

// shardGrids are the grids the sharding tests split: the default one
// (variants with spaces and parentheses in their names, and one with no
// settings) and a 2 x 2 --vary grid (two keys, and machines that change
// the ring).
var shardGrids = []struct {
	name     string
	args     []string
	variants int
}{
	{"default", []string{"--runs", "2", "--seed", "40", "--duration", "10s"}, 3},
	{"vary", []string{"--runs", "2", "--seed", "90", "--duration", "8s", "--vary", "max-rate=6,2", "--vary", "machines=3,4"}, 4},
}

// mustLamport runs the CLI and fails the test unless it exits 0.
func mustLamport(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := lamport(t, args...)
	if code != 0 {
		t.Fatalf("lamport %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out, errOut
}

// A sweep split into N shards, whose stores are merged, gives byte for
// byte the table (markdown, CSV, JSON and the HTML page) that the same
// sweep run whole printed, for N = 1, 2, 3 and an N larger than the grid;
// and the shards hold every run of the grid exactly once, run k in shard
// (k mod N)+1.
func TestShardedSweepMergesToTheUnshardedTable(t *testing.T) {
	for _, g := range shardGrids {
		t.Run(g.name, func(t *testing.T) {
			dir := t.TempDir()
			// The markdown header names the store, so the merged store
			// takes the unsharded one's path once that is moved away.
			store := filepath.Join(dir, "sweep.db")
			id := "grid-" + g.name
			sweepArgs := append([]string{"sweep", "--sweep-id", id, "--quiet"}, g.args...)
			formats := []struct {
				name string
				args []string
			}{{"markdown", nil}, {"csv", []string{"--csv"}}, {"json", []string{"--json"}}}
			want := map[string]string{}
			for _, f := range formats {
				args := append(append(slices.Clone(sweepArgs), "--store", store), f.args...)
				if f.name == "markdown" {
					args = append(args, "--html", filepath.Join(dir, "whole.html"))
				}
				want[f.name], _ = mustLamport(t, args...)
				if err := os.Rename(store, filepath.Join(dir, "whole-"+f.name+".db")); err != nil {
					t.Fatal(err)
				}
			}
			// The reference is a real table: every variant with both seeds.
			rows := regexp.MustCompile(`(?m)^\| .+ \| 2 \| `).FindAllString(want["markdown"], -1)
			if len(rows) != g.variants || !strings.HasPrefix(want["markdown"], "sweep "+id+": ") {
				t.Fatalf("the unsharded sweep's table has %d rows of 2 runs, want %d:\n%s", len(rows), g.variants, want["markdown"])
			}
			wantPage, err := os.ReadFile(filepath.Join(dir, "whole.html"))
			if err != nil {
				t.Fatal(err)
			}

			grid := g.variants * 2
			for _, n := range []int{1, 2, 3, grid + 2} {
				shards := make([]string, n)
				for i := range n {
					shards[i] = filepath.Join(dir, fmt.Sprintf("n%d-shard%d.db", n, i+1))
					out, _ := mustLamport(t, append(slices.Clone(sweepArgs), "--shard", fmt.Sprintf("%d/%d", i+1, n), "--store", shards[i])...)
					runs := shardRuns(t, shards[i], id)
					// Run k of the grid, variant by variant, goes to shard
					// (k mod N)+1: count them here from the grid alone.
					var wantRuns []string
					for v := 1; v <= g.variants; v++ {
						for s := range 2 {
							if ((v-1)*2+s)%n == i {
								wantRuns = append(wantRuns, fmt.Sprintf("v%d-s%d", v, seedOf(t, g.args)+uint64(s)))
							}
						}
					}
					if !slices.Equal(runs, wantRuns) {
						t.Errorf("N=%d shard %d holds %v, want %v", n, i+1, runs, wantRuns)
					}
					if len(wantRuns) == 0 && !strings.Contains(out, "shard "+strconv.Itoa(i+1)+"/"+strconv.Itoa(n)+": no runs;") {
						t.Errorf("N=%d shard %d has no runs and does not say so:\n%s", n, i+1, out)
					}
				}
				mustLamport(t, append([]string{"merge", store}, shards...)...)
				for _, f := range formats {
					args := append([]string{"sweep", "--table", id, "--store", store}, f.args...)
					if f.name == "markdown" {
						args = append(args, "--html", filepath.Join(dir, "table.html"))
					}
					got, errOut := mustLamport(t, args...)
					if got != want[f.name] {
						t.Errorf("N=%d: the merged shards' %s table differs from the unsharded sweep's:\n--- whole\n%s\n--- shards\n%s", n, f.name, want[f.name], got)
					}
					if errOut != "" {
						t.Errorf("N=%d: sweep --table of a whole sweep warns: %s", n, errOut)
					}
				}
				page, err := os.ReadFile(filepath.Join(dir, "table.html"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(page, wantPage) {
					t.Errorf("N=%d: the merged shards' HTML page differs from the unsharded sweep's", n)
				}
				if err := os.Remove(store); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// seedOf is the --seed among args.
func seedOf(t *testing.T, args []string) uint64 {
	t.Helper()
	i := slices.Index(args, "--seed")
	seed, err := strconv.ParseUint(args[i+1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// shardRuns lists the runs of sweep id in store as "v<variant>-s<seed>",
// read from each run's recorded variant index and seed (not its id), in
// grid order; it checks that each run is complete and named after its
// place.
func shardRuns(t *testing.T, store, id string) []string {
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
	type place struct {
		variant int
		seed    uint64
	}
	var places []place
	for _, m := range metas {
		v, err := strconv.Atoi(m.Options["variant-index"])
		if m.Options["sweep"] != id || m.Status != record.StatusComplete || err != nil {
			t.Errorf("%s: run %+v", store, m)
			continue
		}
		if want := fmt.Sprintf("%s-v%d-s%d", id, v, m.Seed); m.ID != want {
			t.Errorf("%s: run %s of variant %d seed %d is not named %s", store, m.ID, v, m.Seed, want)
		}
		places = append(places, place{v, m.Seed})
	}
	slices.SortFunc(places, func(a, b place) int {
		if a.variant != b.variant {
			return a.variant - b.variant
		}
		return int(a.seed) - int(b.seed)
	})
	var runs []string
	for _, p := range places {
		runs = append(runs, fmt.Sprintf("v%d-s%d", p.variant, p.seed))
	}
	return runs
}

// Shards started apart with the same flags derive the same sweep id; what
// defines the sweep changes it, and the output flags and the store do not.
func TestShardedSweepDerivesItsID(t *testing.T) {
	dir := t.TempDir()
	base := []string{"sweep", "--runs", "2", "--seed", "5", "--duration", "5s", "--vary", "actions=10,4", "--quiet"}
	idOf := func(name string, extra ...string) string {
		t.Helper()
		args := append(append(slices.Clone(base), "--json", "--store", filepath.Join(dir, name+".db")), extra...)
		out, _ := mustLamport(t, args...)
		return decodeJSON[report.Sweep](t, "sweep --json", out).ID
	}
	a := idOf("a", "--shard", "1/2")
	b := idOf("b", "--shard", "2/2")
	if !regexp.MustCompile(`^sweep-[0-9a-f]{12}$`).MatchString(a) || a != b {
		t.Fatalf("shards 1/2 and 2/2 of one sweep have ids %q and %q, want one derived id", a, b)
	}
	if c := idOf("c", "--shard", "1/3"); c != a {
		t.Errorf("another N gives id %q, want %q: the shard is not part of the sweep", c, a)
	}
	// The markdown output of a shard names the id and how to gather it.
	out, _ := mustLamport(t, append(slices.Clone(base), "--shard", "1/2", "--store", filepath.Join(dir, "md.db"))...)
	if !strings.HasPrefix(out, "sweep "+a+" shard 1/2: 2 runs of 2 variants x 2 seeds (5..6)") ||
		!strings.Contains(out, "lamport sweep --table "+a+" --store OUT") {
		t.Errorf("a shard's header:\n%s", out)
	}
	for _, change := range [][]string{{"--duration", "6s"}, {"--seed", "6"}, {"--runs", "3"}, {"--vary", "actions=4,10"}, {"--latency", "exp:2ms"}, {"--machines", "4"}} {
		args := append(slices.Clone(base), change...)
		args = append(args, "--shard", "1/2", "--json", "--store", filepath.Join(dir, "d"+strings.Join(change, "")+".db"))
		// A later flag wins over base's, except --vary, which adds an axis.
		if change[0] == "--vary" {
			args = slices.Delete(args, slices.Index(args, "--vary"), slices.Index(args, "--vary")+2)
		}
		out, _ := mustLamport(t, args...)
		if id := decodeJSON[report.Sweep](t, "sweep --json", out).ID; id == a {
			t.Errorf("%v: the same id %s as the sweep without it", change, id)
		}
	}
	// A simulation opens no sockets: the config's ports are not part of
	// the sweep, its machines' ids are.
	configs := map[string]string{
		"ports":     `{"machines": [{"id": 1, "host": "127.0.0.1", "port": 5001}, {"id": 2, "host": "127.0.0.1", "port": 5002}, {"id": 3, "host": "127.0.0.1", "port": 5003}]}`,
		"ports2":    `{"machines": [{"id": 1, "host": "10.0.0.1", "port": 6001}, {"id": 2, "host": "10.0.0.2", "port": 6002}, {"id": 3, "host": "10.0.0.3", "port": 6003}]}`,
		"other-ids": `{"machines": [{"id": 1, "host": "127.0.0.1", "port": 5001}, {"id": 2, "host": "127.0.0.1", "port": 5002}, {"id": 4, "host": "127.0.0.1", "port": 5003}]}`,
	}
	ids := map[string]string{}
	for name, cfg := range configs {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		ids[name] = idOf("cfg-"+name, "--shard", "1/2", "--config", path)
	}
	if ids["ports"] != ids["ports2"] || ids["ports"] == ids["other-ids"] {
		t.Errorf("derived ids %v: want the same for configs that differ only in hosts and ports, another for other machine ids", ids)
	}

	// Without --shard and --sweep-id a sweep's id is drawn, as it always was.
	out, _ = mustLamport(t, append(slices.Clone(base), "--json", "--store", filepath.Join(dir, "drawn.db"))...)
	if id := decodeJSON[report.Sweep](t, "sweep --json", out).ID; !docRunID.MatchString(id) || !strings.HasPrefix(id, "sweep-") {
		t.Errorf("an unsharded sweep's id %q is not drawn", id)
	}
}

// The shards of one sweep may share a store, one after the other; a run
// already recorded, or a store that knows the id from another sweep, is
// refused before anything runs, and so is a merge of a shard's runs twice.
func TestShardedSweepRecordsEachRunOnce(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "shared.db")
	args := func(extra ...string) []string {
		return append([]string{"sweep", "--runs", "2", "--seed", "3", "--duration", "5s", "--vary", "actions=10,4", "--sweep-id", "once", "--quiet"}, extra...)
	}
	mustLamport(t, args("--shard", "1/2", "--store", store)...)
	assertOneLineFailure(t, "already has run once-v1-s3 of sweep once", args("--shard", "1/2", "--store", store)...)
	assertOneLineFailure(t, "holds runs of another sweep with the id once", args("--shard", "2/2", "--store", store, "--duration", "6s")...)
	mustLamport(t, args("--shard", "2/2", "--store", store)...)
	if runs := shardRuns(t, store, "once"); !slices.Equal(runs, []string{"v1-s3", "v1-s4", "v2-s3", "v2-s4"}) {
		t.Errorf("the store shared by both shards holds %v", runs)
	}
	whole, _ := mustLamport(t, args("--store", filepath.Join(dir, "whole.db"), "--csv")...)
	table, _ := mustLamport(t, "sweep", "--table", "once", "--store", store, "--csv")
	if table != whole {
		t.Errorf("the table of the shards in one store:\n%s\nthe whole sweep's:\n%s", table, whole)
	}

	// A shard run twice, into two stores: merging both is refused and
	// leaves OUT as it was.
	again := filepath.Join(dir, "again.db")
	mustLamport(t, args("--shard", "1/2", "--store", again)...)
	first := filepath.Join(dir, "first.db")
	mustLamport(t, args("--shard", "1/2", "--store", first)...)
	code, _, errOut := lamport(t, "merge", filepath.Join(dir, "out.db"), first, again)
	if code != 2 || !strings.Contains(errOut, "once-v1-s3") {
		t.Errorf("merging one shard twice: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.db")); !os.IsNotExist(err) {
		t.Errorf("a refused merge left its OUT behind: %v", err)
	}

	// Two sweeps given one id in separate stores merge (their run ids
	// differ), but their table is refused.
	other := filepath.Join(dir, "other.db")
	mustLamport(t, args("--shard", "2/2", "--store", other, "--duration", "6s")...)
	mixed := filepath.Join(dir, "mixed.db")
	mustLamport(t, "merge", mixed, first, other)
	assertOneLineFailure(t, "come from different sweeps given the same id", "sweep", "--table", "once", "--store", mixed)
}

// A table rebuilt from a store that lacks some of the sweep's runs has the
// runs that are there, and says on stderr that some are missing.
func TestSweepTableOfMissingShards(t *testing.T) {
	dir := t.TempDir()
	args := []string{"sweep", "--runs", "3", "--seed", "8", "--duration", "5s", "--vary", "actions=10,4", "--sweep-id", "part", "--quiet"}
	var shards []string
	for i := 1; i <= 3; i++ {
		shards = append(shards, filepath.Join(dir, fmt.Sprintf("s%d.db", i)))
		mustLamport(t, append(slices.Clone(args), "--shard", fmt.Sprintf("%d/3", i), "--store", shards[i-1])...)
	}
	merged := filepath.Join(dir, "two.db")
	mustLamport(t, "merge", merged, shards[0], shards[2])
	code, out, errOut := lamport(t, "sweep", "--table", "part", "--store", merged, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Shard 2/3 held runs 1 and 4 of 6: actions=10 seed 9 and actions=4
	// seed 9.
	sweep := decodeJSON[report.Sweep](t, "sweep --table --json", out)
	var seeds [][]uint64
	for _, v := range sweep.Variants {
		var s []uint64
		for _, r := range v.Runs {
			s = append(s, r.Seed)
		}
		seeds = append(seeds, s)
	}
	if len(seeds) != 2 || !slices.Equal(seeds[0], []uint64{8, 10}) || !slices.Equal(seeds[1], []uint64{8, 10}) {
		t.Errorf("the table without shard 2/3 has seeds %v", seeds)
	}
	if !strings.Contains(errOut, "the table has the 4 of its 6 runs that are complete") {
		t.Errorf("no warning of the missing runs: %q", errOut)
	}
	// --quiet leaves the result alone.
	if code, _, errOut := lamport(t, "sweep", "--table", "part", "--store", merged, "--quiet"); code != 0 || errOut != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, errOut)
	}
}

// recordSweepRuns records a 2 s sim run of seed 1 into store for each
// id, with the options given, as a sweep would have recorded it.
func recordSweepRuns(t *testing.T, store string, opts map[string]string, ids ...string) {
	t.Helper()
	st, err := record.Open(store, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := core.RingConfig(3, "sim", 0)
	latency, err := replay.ParseLatency(replay.DefaultLatency)
	if err != nil {
		t.Fatal(err)
	}
	spec := replay.SimSpec{Machines: cfg.IDs(), Params: core.DefaultParams(1), Duration: 2 * time.Second, Latency: latency}
	for i, id := range ids {
		_, err = replay.RecordSim(st, replay.SimRun{RunID: id, Config: cfg, Spec: spec, Started: time.Unix(int64(i), 0).UTC(), Options: opts})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A table cannot be rebuilt from runs that do not say where they stand in
// their sweep's grid, as runs recorded before sweeps noted it; nor from a
// store that holds one run of the grid twice.
func TestSweepTableRefusesRunsWithoutTheirPlace(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	recordSweepRuns(t, old, map[string]string{"sweep": "sweep-old", "variant": "original", "duration": "2s"}, "old-run")
	assertOneLineFailure(t, "run old-run does not say where it stands in the sweep's grid", "sweep", "--table", "sweep-old", "--store", old)

	twice := filepath.Join(dir, "twice.db")
	recordSweepRuns(t, twice, map[string]string{"sweep": "dup", "variant": "original", "duration": "2s", "variant-index": "1",
		"sweep-variants": "1", "sweep-seeds": "1", "sweep-first-seed": "1", "sweep-digest": "0123456789abcdef"}, "dup-a", "dup-b")
	assertOneLineFailure(t, `sweep dup: variant "original" seed 1 is recorded twice`, "sweep", "--table", "dup", "--store", twice)
	// The same options on one run make a table: what is refused above is
	// the repeat, not the options.
	once := filepath.Join(dir, "once.db")
	recordSweepRuns(t, once, map[string]string{"sweep": "dup", "variant": "original", "duration": "2s", "variant-index": "1",
		"sweep-variants": "1", "sweep-seeds": "1", "sweep-first-seed": "1", "sweep-digest": "0123456789abcdef"}, "dup-a")
	if out, _ := mustLamport(t, "sweep", "--table", "dup", "--store", once); !strings.Contains(out, "| original | 1 | ") {
		t.Errorf("a sweep of one run:\n%s", out)
	}
}

func TestSweepShardAndTableRefuseBadFlags(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "never.db")
	for _, c := range []struct {
		want string
		args []string
	}{
		{`--shard "0/4": want I/N`, []string{"--seed", "1", "--shard", "0/4"}},
		{`--shard "5/4": want I/N`, []string{"--seed", "1", "--shard", "5/4"}},
		{`--shard "1/0": want I/N`, []string{"--seed", "1", "--shard", "1/0"}},
		{`--shard "-1/4": want I/N`, []string{"--seed", "1", "--shard", "-1/4"}},
		{`--shard "1/4/2": want I/N`, []string{"--seed", "1", "--shard", "1/4/2"}},
		{`--shard "a/b": want I/N`, []string{"--seed", "1", "--shard", "a/b"}},
		{`--shard "3": want I/N`, []string{"--seed", "1", "--shard", "3"}},
		{`--shard "": want I/N`, []string{"--seed", "1", "--shard", ""}},
		{"--shard needs a fixed first seed", []string{"--shard", "1/2"}},
		{`--sweep-id "": want 1 to 64`, []string{"--sweep-id", ""}},
		{`--sweep-id "a b": want 1 to 64`, []string{"--sweep-id", "a b"}},
		{`--sweep-id "../x": want 1 to 64`, []string{"--sweep-id", "../x"}},
		{`--sweep-id "-x": want 1 to 64`, []string{"--sweep-id", "-x"}},
		{`want 1 to 64`, []string{"--sweep-id", strings.Repeat("a", 65)}},
		{"--table needs a sweep id", []string{"--table", ""}},
		{"--table prints a recorded sweep and runs nothing: --shard does not apply", []string{"--table", "x", "--shard", "1/2"}},
		{"--table prints a recorded sweep and runs nothing: --sweep-id does not apply", []string{"--table", "x", "--sweep-id", "x"}},
		{"--table prints a recorded sweep and runs nothing: --vary does not apply", []string{"--table", "x", "--vary", "actions=4"}},
		{"--table prints a recorded sweep and runs nothing: --seed does not apply", []string{"--table", "x", "--seed", "4"}},
		{"--csv and --json", []string{"--table", "x", "--csv", "--json"}},
		{"does not exist", []string{"--table", "x"}},
	} {
		assertOneLineFailure(t, c.want, append([]string{"sweep", "--store", store}, c.args...)...)
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		t.Errorf("a refused sweep created the store: %v", err)
	}
	// A store with runs, but not of that sweep.
	mustLamport(t, "sim", "--seed", "1", "--duration", "2s", "--store", store, "--quiet")
	assertOneLineFailure(t, `no sweep "sweep-x"`, "sweep", "--table", "sweep-x", "--store", store)
	// 64 characters is allowed.
	id := strings.Repeat("a", 64)
	out, _ := mustLamport(t, "sweep", "--runs", "1", "--seed", "1", "--duration", "2s", "--sweep-id", id, "--vary", "actions=4", "--store", store, "--json")
	if got := decodeJSON[report.Sweep](t, "sweep --json", out); got.ID != id || got.Variants[0].Runs[0].Run != id+"-v1-s1" {
		t.Errorf("sweep --sweep-id: id %q, run %q", got.ID, got.Variants[0].Runs[0].Run)
	}
}
