package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"lamport/core"
	"lamport/replay"
	"lamport/report"
)

// sweepKeys are the parameters 'sweep --vary' may change, in the order
// their help lists them: the model's parameters, last row of
// core.ParamTable first (the default grid varies max-rate first), then
// the number of machines and the simulated latency.
var sweepKeys = func() []string {
	keys := core.ParamNames()
	slices.Reverse(keys)
	return append(keys, "machines", "latency")
}()

// sweepAxis is one --vary flag: a key and the values it takes.
type sweepAxis struct {
	key    string
	values []string
}

// sweepVariant is one point of the grid, resolved against the base setup.
type sweepVariant struct {
	name     string
	settings []report.Setting
	// settingsJSON is settings as the variant's runs record them.
	settingsJSON string
	params       core.Params
	machines     int
	latency      replay.Latency
}

// defaultSweepGrid is the original experiment: the model as given, then a
// smaller variation in tick rates, then fewer internal events.
var defaultSweepGrid = []struct {
	name     string
	settings []report.Setting
}{
	{"original", nil},
	{"smaller clock variation (max-rate=2)", []report.Setting{{Key: "max-rate", Value: "2"}}},
	{"fewer internal events (actions=4)", []report.Setting{{Key: "actions", Value: "4"}}},
}

// parseSweepAxis reads "key=v1,v2,...".
func parseSweepAxis(s string) (sweepAxis, error) {
	key, list, ok := strings.Cut(s, "=")
	if !ok || list == "" {
		return sweepAxis{}, usageErrorf("--vary %q: want key=v1,v2,... with key one of %s", s, strings.Join(sweepKeys, ", "))
	}
	key = strings.TrimSpace(key)
	found := false
	for _, k := range sweepKeys {
		found = found || k == key
	}
	if !found {
		return sweepAxis{}, usageErrorf("--vary %q: unknown key %q: want one of %s", s, key, strings.Join(sweepKeys, ", "))
	}
	a := sweepAxis{key: key}
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return sweepAxis{}, usageErrorf("--vary %q: empty value", s)
		}
		a.values = append(a.values, v)
	}
	return a, nil
}

// sweepGrid is every combination of the axes' values, the first axis
// varying slowest; with no axes, the default grid.
func sweepGrid(axes []sweepAxis) ([][]report.Setting, []string, error) {
	if len(axes) == 0 {
		var grid [][]report.Setting
		var names []string
		for _, v := range defaultSweepGrid {
			grid = append(grid, v.settings)
			names = append(names, v.name)
		}
		return grid, names, nil
	}
	seen := map[string]bool{}
	grid := [][]report.Setting{nil}
	for _, a := range axes {
		if seen[a.key] {
			return nil, nil, usageErrorf("--vary %s given twice; list its values in one flag", a.key)
		}
		seen[a.key] = true
		var next [][]report.Setting
		for _, prefix := range grid {
			for _, v := range a.values {
				next = append(next, append(append([]report.Setting(nil), prefix...), report.Setting{Key: a.key, Value: v}))
			}
		}
		grid = next
	}
	names := make([]string, len(grid))
	for i, settings := range grid {
		parts := make([]string, len(settings))
		for j, s := range settings {
			parts[j] = s.Key + "=" + s.Value
		}
		names[i] = strings.Join(parts, " ")
	}
	return grid, names, nil
}

// resolveVariant applies settings over the base parameters and checks them,
// so a bad grid fails before anything runs.
func resolveVariant(name string, settings []report.Setting, base core.Params, machines int, latency replay.Latency) (sweepVariant, error) {
	v := sweepVariant{name: name, settings: settings, params: base, machines: machines, latency: latency}
	for _, s := range settings {
		if s.Key == "latency" {
			l, err := replay.ParseLatency(s.Value)
			if err != nil {
				return v, usageErrorf("variant %q: %v", name, err)
			}
			v.latency = l
			continue
		}
		n, err := strconv.Atoi(s.Value)
		if err != nil {
			return v, usageErrorf("variant %q: %s=%q is not an integer", name, s.Key, s.Value)
		}
		if d, ok := core.LookupParam(s.Key); ok {
			d.Set(&v.params, n)
		} else if s.Key == "machines" {
			v.machines = n
		}
	}
	if err := v.params.Validate(); err != nil {
		return v, usageErrorf("variant %q: %v", name, err)
	}
	if v.machines < 2 || v.machines > maxSimMachines {
		return v, usageErrorf("variant %q: machines must be in 2..%d, got %d", name, maxSimMachines, v.machines)
	}
	var err error
	if v.settingsJSON, err = encodeSettings(settings); err != nil {
		return v, fmt.Errorf("variant %q: %w", name, err)
	}
	return v, nil
}

// describe is the variant as the sweep's log shows it in mode: a live
// run's latency is the network's, so only a simulation names one.
func (v sweepVariant) describe(mode string) string {
	s := fmt.Sprintf("%s (machines %d, rates %d..%d, actions %d", v.name, v.machines, v.params.MinRate, v.params.MaxRate, v.params.Actions)
	if mode == "live" {
		return s + ")"
	}
	return s + ", latency " + v.latency.String() + ")"
}

// setsMachines reports whether the variant chooses its number of machines,
// and so runs a ring of them rather than the config's machines.
func (v sweepVariant) setsMachines() bool {
	for _, s := range v.settings {
		if s.Key == "machines" {
			return true
		}
	}
	return false
}
