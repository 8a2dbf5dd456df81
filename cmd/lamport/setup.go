package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/live"
)

// setupFlags are the flags that fix a run: where the machines are and the
// model's parameters. run and machine share them. A flag given on the
// command line beats the same key in config.json, which beats the default.
type setupFlags struct {
	config   string
	seed     uint64
	duration time.Duration
	speed    float64
	// params are the values of core.ParamTable's flags, row by row.
	params []int
}

// setup is a resolved run setup.
type setup struct {
	cfg        core.Config
	params     core.Params
	speed      float64
	duration   time.Duration
	seedChosen bool // the seed came from a flag or the config, not chance
}

func (f *setupFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.config, "config", "config.json", "machines file: {\"machines\": [{\"id\":1,\"host\":\"127.0.0.1\",\"port\":5001}, ...]}")
	fs.Uint64Var(&f.seed, "seed", 0, "run seed (default: config's \"seed\", else random; always printed)")
	fs.DurationVar(&f.duration, "duration", 60*time.Second, "how long machines tick, e.g. 10s, 5m; 0 runs until Ctrl-C")
	fs.Float64Var(&f.speed, "speed", 1, "multiply every tick rate (a time-lapse); the model is unchanged. At most 1000000, and ticks must stay 1ns to 292 years apart at every rate: about 1.084e-10 to 1000000 at rates 1..6")
	f.params = make([]int, len(core.ParamTable))
	for i, d := range core.ParamTable {
		fs.IntVar(&f.params[i], d.Name, d.Default, d.Usage)
	}
}

// resolve reads --config and applies the flags over it.
func (f *setupFlags) resolve(fs *pflag.FlagSet) (setup, error) {
	cfg, err := f.loadConfig()
	if err != nil {
		return setup{}, err
	}
	return f.resolveConfig(fs, cfg)
}

// resolveConfig applies the flags over cfg's optional parameters.
func (f *setupFlags) resolveConfig(fs *pflag.FlagSet, cfg core.Config) (setup, error) {
	var err error
	s := setup{cfg: cfg, speed: f.speed, duration: f.duration}
	var p core.Params
	for i, d := range core.ParamTable {
		v := f.params[i]
		if fromConfig, ok := cfg.Params[d.Name]; ok && !fs.Changed(d.Name) {
			v = fromConfig
		}
		d.Set(&p, v)
	}
	if !fs.Changed("speed") && cfg.Speed != nil {
		s.speed = *cfg.Speed
	}
	if !fs.Changed("duration") && cfg.Duration != nil {
		if s.duration, err = time.ParseDuration(*cfg.Duration); err != nil {
			return setup{}, fmt.Errorf("config %s: duration: %w", f.config, err)
		}
	}
	switch {
	case fs.Changed("seed"):
		p.Seed, s.seedChosen = f.seed, true
	case cfg.Seed != nil:
		p.Seed, s.seedChosen = *cfg.Seed, true
	default:
		p.Seed = randomSeed()
	}
	// A value taken from the config file is named as such, so the user
	// knows to look there rather than at the command line.
	from := func(name string) string {
		if fs.Changed(name) {
			return ""
		}
		return " (from config " + f.config + ")"
	}
	if err := p.Validate(); err != nil {
		var where string
		for _, d := range core.ParamTable {
			if _, set := cfg.Params[d.Name]; set && from(d.Name) != "" && strings.Contains(err.Error(), d.Name) {
				where = from(d.Name)
			}
		}
		return setup{}, usageErrorf("%v%s", err, where)
	}
	if err := live.CheckSpeed(s.speed, p.MinRate, p.MaxRate); err != nil {
		var where string
		if cfg.Speed != nil {
			where = from("speed")
		}
		return setup{}, usageErrorf("%v%s", err, where)
	}
	if s.duration < 0 {
		var where string
		if cfg.Duration != nil {
			where = from("duration")
		}
		return setup{}, usageErrorf("duration must not be negative, got %v%s", s.duration, where)
	}
	s.params = p
	return s, nil
}

// randomSeed is small enough to type back: lamport replay --seed 483920.
func randomSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return binary.LittleEndian.Uint64(b[:])%999_999 + 1
}

// newRunID names a run by its start time (so ids sort by age) and a random
// suffix (so two runs started in the same second differ).
func newRunID(now time.Time) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// paramArgs are the flags that give a child 'lamport' process p's model
// parameters.
func paramArgs(p core.Params) []string {
	var args []string
	for _, d := range core.ParamTable {
		args = append(args, "--"+d.Name, strconv.Itoa(d.Get(p)))
	}
	return args
}

// setupOptions is what a run's metadata keeps of its flags for display.
func (s setup) options() map[string]string {
	return map[string]string{"duration": s.duration.String()}
}
