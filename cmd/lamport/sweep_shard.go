package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"lamport/core"
	"lamport/report"
)

// sweepShard is --shard I/N: the I-th of N parts of a sweep's grid. The
// zero value (N 0) is the whole grid.
type sweepShard struct {
	index, count int // I (1-based) and N
}

// parseSweepShard reads "I/N" with 1 <= I <= N.
func parseSweepShard(s string) (sweepShard, error) {
	bad := usageErrorf("--shard %q: want I/N, the I-th of N parts with 1 <= I <= N, e.g. 1/4", s)
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return sweepShard{}, bad
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return sweepShard{}, bad
	}
	return sweepShard{index: i, count: n}, nil
}

// sharded reports whether the sweep runs one part of its grid.
func (s sweepShard) sharded() bool { return s.count > 0 }

// owns reports whether the run at position k of the whole grid (variant
// by variant, each variant's seeds in order, from 0) falls to this shard:
// run k goes to shard (k mod N) + 1, so every N splits the grid into the
// same runs, each in exactly one shard.
func (s sweepShard) owns(k int) bool {
	return !s.sharded() || k%s.count == s.index-1
}

func (s sweepShard) String() string {
	if !s.sharded() {
		return "none"
	}
	return fmt.Sprintf("%d/%d", s.index, s.count)
}

// sweepIDPattern is what --sweep-id accepts: an id that is safe in a file
// name, a shell word and a run id.
var sweepIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkSweepID(id string) error {
	if !sweepIDPattern.MatchString(id) {
		return usageErrorf("--sweep-id %q: want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// The run options a sweep records beside "sweep", "variant" and
// "duration", so that 'sweep --table' can rebuild its table from the
// runs alone: the variant's place in the grid and its settings, the
// grid's size and first seed, and the digest of everything that defines
// the sweep, which the runs of one sweep share.
const (
	optSweep           = "sweep"
	optVariant         = "variant"
	optVariantIndex    = "variant-index"    // 1-based position in the grid
	optVariantSettings = "variant-settings" // JSON: [{"key":..,"value":..}]
	optSweepVariants   = "sweep-variants"   // variants in the grid
	optSweepSeeds      = "sweep-seeds"      // seeds per variant
	optSweepFirstSeed  = "sweep-first-seed"
	optSweepDigest     = "sweep-digest"
)

// sweepDefinition is everything that decides a sweep's runs, and so its
// table: hashed, it names a sharded sweep with no --sweep-id, and its
// digest ties the runs of one sweep together. The output flags, the store
// and the shard are not part of it.
type sweepDefinition struct {
	Mode      string              `json:"mode"`
	Duration  int64               `json:"duration_ns"`
	Speed     float64             `json:"speed,omitempty"`
	FirstSeed uint64              `json:"first_seed"`
	Seeds     int                 `json:"seeds"`
	Variants  []variantDefinition `json:"variants"`
}

type variantDefinition struct {
	Name     string           `json:"name"`
	Settings []report.Setting `json:"settings"`
	Params   map[string]int   `json:"params"`
	// Machines are the machines' ids, and in a live sweep their addresses
	// too; a simulation never opens a socket, so its config's hosts and
	// ports change nothing.
	Machines []core.MachineSpec `json:"machines"`
	Latency  string             `json:"latency,omitempty"`
}

// definitionHash is the hex SHA-256 of the plan's sweepDefinition.
func (p sweepPlan) definitionHash() (string, error) {
	d := sweepDefinition{Mode: p.mode, Duration: int64(p.duration), FirstSeed: p.seed, Seeds: p.runs}
	if p.mode == "live" {
		d.Speed = p.speed
	}
	for _, v := range p.variants {
		vd := variantDefinition{Name: v.name, Settings: v.settings, Params: map[string]int{}}
		for _, m := range p.configOf(v).Machines {
			if p.mode != "live" {
				m = core.MachineSpec{ID: m.ID}
			}
			vd.Machines = append(vd.Machines, m)
		}
		for _, row := range core.ParamTable {
			vd.Params[row.Name] = row.Get(v.params)
		}
		if p.mode != "live" {
			vd.Latency = v.latency.String()
		}
		d.Variants = append(d.Variants, vd)
	}
	// Structs and a map with sorted keys: the encoding is deterministic.
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("encode the sweep's definition: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// derivedSweepID names a sweep by its definition, so shards started apart
// with the same flags agree on it.
func derivedSweepID(hash string) string { return "sweep-" + hash[:12] }

// sweepRunID names the run of variant vi (1-based) and seed in a sweep
// whose id was given or derived: every shard, and the unsharded sweep,
// name it alike, so a run recorded twice is caught by the store and by
// merge.
func sweepRunID(sweepID string, vi int, seed uint64) string {
	return sweepID + "-v" + strconv.Itoa(vi) + "-s" + strconv.FormatUint(seed, 10)
}

// runOptions are the run options of variant vi (0-based).
func (p sweepPlan) runOptions(vi int) map[string]string {
	v := p.variants[vi]
	opts := map[string]string{
		"duration":        p.duration.String(),
		optSweep:          p.id,
		optVariant:        v.name,
		optVariantIndex:   strconv.Itoa(vi + 1),
		optSweepVariants:  strconv.Itoa(len(p.variants)),
		optSweepSeeds:     strconv.Itoa(p.runs),
		optSweepFirstSeed: strconv.FormatUint(p.seed, 10),
		optSweepDigest:    p.digest[:16],
	}
	if v.settingsJSON != "" {
		opts[optVariantSettings] = v.settingsJSON
	}
	return opts
}

// encodeSettings is a variant's settings as its runs record them: JSON,
// or "" for none (the model as given).
func encodeSettings(settings []report.Setting) (string, error) {
	if len(settings) == 0 {
		return "", nil
	}
	b, err := json.Marshal(settings)
	if err != nil {
		return "", fmt.Errorf("encode the variant's settings: %w", err)
	}
	return string(b), nil
}
