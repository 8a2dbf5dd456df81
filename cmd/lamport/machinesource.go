package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"lamport/core"
)

// machinesFlagUsage is --machines' help in sim and sweep.
const machinesFlagUsage = "N machines, ids 1..N, in place of the config's (its other settings still apply); default: the config's machines, or 3 without a config file"

// hideDefault keeps --help from printing a flag's default when its usage
// says it better (--machines: the config's machines, not always 3).
func hideDefault(fs *pflag.FlagSet, name string) {
	fs.Lookup(name).DefValue = "0"
}

// resolveSimSetup is how sim and sweep find their machines, so that
// 'run --seed 7' and 'sim --seed 7' model the same system: the machines
// file exactly as run reads it (--config, else ./config.json when it
// exists), with --machines N putting a ring of N in place of its machines;
// with no file, a ring of --machines. ringHost names the ring's hosts.
// fromFile reports whether the machines are the file's.
func (f *setupFlags) resolveSimSetup(fs *pflag.FlagSet, machines int, ringHost string) (s setup, fromFile bool, err error) {
	useFile := fs.Changed("config")
	if !useFile {
		_, statErr := os.Stat(f.config)
		useFile = !errors.Is(statErr, os.ErrNotExist)
	}
	ringAsked := fs.Changed("machines") || !useFile
	if ringAsked && (machines < 2 || machines > maxSimMachines) {
		return setup{}, false, usageErrorf("--machines must be in 2..%d, got %d", maxSimMachines, machines)
	}
	if !useFile {
		s, err = f.resolveConfig(fs, core.RingConfig(machines, ringHost, 0))
		return s, false, err
	}
	cfg, err := f.loadConfig()
	if err != nil {
		return setup{}, false, err
	}
	if ringAsked {
		cfg.Machines = core.RingConfig(machines, ringHost, 0).Machines
	}
	s, err = f.resolveConfig(fs, cfg)
	return s, !ringAsked, err
}

// loadConfig reads and parses the --config file.
func (f *setupFlags) loadConfig() (core.Config, error) {
	data, err := readConfigFile(f.config)
	if err != nil {
		return core.Config{}, err
	}
	cfg, err := core.ParseConfig(data)
	if err != nil {
		return core.Config{}, fmt.Errorf("config %s: %w", f.config, err)
	}
	return cfg, nil
}
