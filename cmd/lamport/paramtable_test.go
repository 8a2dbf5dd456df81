package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/replay"
)

// TestEveryParamIsReachable: each row of core.ParamTable is a flag of the
// commands that set up a run, a config key, a 'replay --set' key and a
// 'sweep --vary' key, and each path sets the same field of core.Params.
func TestEveryParamIsReachable(t *testing.T) {
	for _, d := range core.ParamTable {
		t.Run(d.Name, func(t *testing.T) {
			v := d.Default + 1
			if d.Max != 0 && v > d.Max {
				v = d.Default - 1
			}
			val := strconv.Itoa(v)
			check := func(path string, p core.Params, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if got := d.Get(p); got != v {
					t.Errorf("%s: %s is %d, want %d", path, d.Name, got, v)
				}
			}
			cfg := core.RingConfig(3, "127.0.0.1", 0)

			var f setupFlags
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			f.register(fs)
			if err := fs.Parse([]string{"--" + d.Name, val}); err != nil {
				t.Fatalf("flag: %v", err)
			}
			s, err := f.resolveConfig(fs, cfg)
			check("flag --"+d.Name, s.params, err)

			doc := fmt.Sprintf(`{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}], %q: %d}`, d.ConfigKey, v)
			fromFile, err := core.ParseConfig([]byte(doc))
			if err != nil {
				t.Fatalf("config key %q: %v", d.ConfigKey, err)
			}
			var g setupFlags
			gs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			g.register(gs)
			s, err = g.resolveConfig(gs, fromFile)
			check("config key "+d.ConfigKey, s.params, err)
			if again, err := fromFile.MarshalJSON(); err != nil || !strings.Contains(string(again), strconv.Quote(d.ConfigKey)) {
				t.Errorf("config written out as %s, %v: no key %q", again, err, d.ConfigKey)
			}

			p, err := applySets(core.DefaultParams(1), []string{d.Name + "=" + val})
			check("replay --set", p, err)

			axis, err := parseSweepAxis(d.Name + "=" + val)
			if err != nil {
				t.Fatalf("sweep --vary: %v", err)
			}
			grid, names, err := sweepGrid([]sweepAxis{axis})
			if err != nil {
				t.Fatalf("sweep --vary: %v", err)
			}
			variant, err := resolveVariant(names[0], grid[0], core.DefaultParams(1), 3, replay.Latency{})
			check("sweep --vary", variant.params, err)

			for _, cmd := range []string{"run", "machine", "sim", "sweep"} {
				if _, out, _ := lamport(t, cmd, "--help"); !strings.Contains(out, "--"+d.Name+" int ") || !strings.Contains(out, d.Usage) {
					t.Errorf("%s --help does not list --%s with its usage", cmd, d.Name)
				}
			}
			for cmd, keys := range map[string][]string{"replay": setKeys(), "sweep": sweepKeys} {
				if _, out, _ := lamport(t, cmd, "--help"); !slices.Contains(keys, d.Name) || !strings.Contains(out, strings.Join(keys, ", ")) {
					t.Errorf("%s --help does not name %s among its keys %v", cmd, d.Name, keys)
				}
			}
		})
	}
}
