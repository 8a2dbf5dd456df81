package replay_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/datadriven"
	"lamport/replay"
)

// simHashTable is the table of pinned simulator runs, one per line:
//
//	name | lamport sim flags | counts | trace hash
//
// The flags are those of 'lamport sim' (cmd/lamport reads the table too
// and runs every case through the command line, so the table is what users
// see); the counts are the run's events, arrivals, lost and duplicated
// messages and crashes. Lines starting with # are comments.
const simHashTable = "testdata/simhash.txt"

// TestPinnedSimHashes runs every case of the table twice: both runs must
// agree (determinism), and must give the pinned trace hash and counts, so
// a change to the model, the random streams, the latency draws or any
// fault's semantics cannot pass silently. The pinned values have no other
// source than the code itself: they are what the code produced when the
// table was written, and a change that moves them on purpose regenerates
// them with go test ./replay -run TestPinnedSimHashes -rewrite, and says
// why in its commit.
func TestPinnedSimHashes(t *testing.T) {
	cases := readsimHashTable(t, simHashTable)
	var out strings.Builder
	for _, c := range cases {
		if c.name == "" {
			out.WriteString(c.line + "\n")
			continue
		}
		spec, err := simSpecFromFlags(c.flags)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		a, err := replay.Simulate(spec, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, err := replay.Simulate(spec, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		counts := simCounts(a)
		if a.Hash != b.Hash || counts != simCounts(b) {
			t.Errorf("%s: two runs differ: %s %s, then %s %s", c.name, counts, a.Hash, simCounts(b), b.Hash)
		}
		if !datadriven.Rewriting() && (a.Hash != c.hash || counts != c.counts) {
			t.Errorf("%s (%s): got %s | %s, pinned %s | %s", c.name, c.flags, counts, a.Hash, c.counts, c.hash)
		}
		fmt.Fprintf(&out, "%s | %s | %s | %s\n", c.name, c.flags, counts, a.Hash)
	}
	if datadriven.Rewriting() {
		if err := os.WriteFile(simHashTable, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// simCounts is a result's counts as the table writes them.
func simCounts(r replay.SimResult) string {
	return fmt.Sprintf("events=%d arrivals=%d lost=%d dup=%d crashes=%d", r.Events, r.Arrivals, r.Lost, r.Duplicated, r.Crashes)
}

type simHashCase struct {
	line                      string // a comment or blank line, kept as is
	name, flags, counts, hash string
}

func readsimHashTable(t *testing.T, path string) []simHashCase {
	data, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	var cases []simHashCase
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			cases = append(cases, simHashCase{line: line})
			continue
		}
		f := strings.Split(line, " | ")
		if len(f) != 4 && !(datadriven.Rewriting() && len(f) >= 2) {
			t.Fatalf("%s:%d: want name | flags | counts | hash, got %q", path, i+1, line)
		}
		c := simHashCase{name: strings.TrimSpace(f[0]), flags: strings.TrimSpace(f[1])}
		if len(f) == 4 {
			c.counts, c.hash = strings.TrimSpace(f[2]), strings.TrimSpace(f[3])
		}
		cases = append(cases, c)
	}
	return cases
}

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// simSpecFromFlags reads the flags of a table line as 'lamport sim' does,
// for a ring of --machines machines (default 3), written here with the
// standard flag package and core's parsers so that the table does not rest
// on the command line's own code.
func simSpecFromFlags(args string) (replay.SimSpec, error) {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	seed := fs.Uint64("seed", 0, "")
	machines := fs.Int("machines", 3, "")
	duration := fs.Duration("duration", time.Minute, "")
	actions := fs.Int("actions", core.DefaultActions, "")
	minRate := fs.Int("min-rate", core.DefaultMinRate, "")
	maxRate := fs.Int("max-rate", core.DefaultMaxRate, "")
	latency := fs.String("latency", replay.DefaultLatency, "")
	drop := fs.Float64("drop", 0, "")
	dup := fs.Float64("dup", 0, "")
	spike := fs.String("spike", "", "")
	clog := fs.String("clog", "", "")
	crashes := fs.String("crashes", "", "")
	restart := fs.String("restart", "keep", "")
	swarm := fs.Bool("swarm", false, "")
	var partitions, crash listFlag
	fs.Var(&partitions, "partition", "")
	fs.Var(&crash, "crash", "")
	if err := fs.Parse(strings.Fields(args)); err != nil {
		return replay.SimSpec{}, err
	}
	if fs.NArg() > 0 {
		return replay.SimSpec{}, fmt.Errorf("arguments %q", fs.Args())
	}
	spec := replay.SimSpec{
		Params:   core.Params{Seed: *seed, Actions: *actions, MinRate: *minRate, MaxRate: *maxRate},
		Duration: *duration,
	}
	for id := 1; id <= *machines; id++ {
		spec.Machines = append(spec.Machines, core.MachineID(id))
	}
	var err error
	if spec.Latency, err = replay.ParseLatency(*latency); err != nil {
		return spec, err
	}
	if *swarm {
		spec.Faults = core.Swarm(*seed, *duration)
		return spec, nil
	}
	if *restart != "keep" && *restart != "reset" {
		return spec, fmt.Errorf("--restart %s: want keep or reset", *restart)
	}
	f := core.Faults{Drop: *drop, Dup: *dup, ResetClock: *restart == "reset"}
	if *spike != "" {
		if f.Spike, err = core.ParseSpike(*spike); err != nil {
			return spec, err
		}
	}
	if *clog != "" {
		if f.Clog, err = core.ParseClog(*clog); err != nil {
			return spec, err
		}
	}
	if *crashes != "" {
		if f.RandomCrashes, err = core.ParseClog(*crashes); err != nil {
			return spec, err
		}
	}
	for _, s := range partitions {
		p, err := core.ParsePartition(s)
		if err != nil {
			return spec, err
		}
		f.Partitions = append(f.Partitions, p)
	}
	for _, s := range crash {
		c, err := core.ParseCrash(s)
		if err != nil {
			return spec, err
		}
		f.Crashes = append(f.Crashes, c)
	}
	spec.Faults = f
	return spec, nil
}
