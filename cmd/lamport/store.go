package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"lamport/record"
)

// openStore opens a store; read-only for commands that only look.
func openStore(path string, readOnly bool) (*record.Store, error) {
	st, err := record.Open(path, record.Options{ReadOnly: readOnly})
	switch {
	case err == nil && !readOnly:
		// A command that writes reads the run list first, so a store
		// damaged where every write goes is refused before anything runs
		// or is logged (record.Open reads only the header and meta).
		if _, err := st.Runs(); err != nil {
			st.Close()
			return nil, err
		}
		return st, nil
	case err == nil:
		return st, nil
	case errors.Is(err, record.ErrLocked):
		return nil, fmt.Errorf("store %s is held open by another lamport process; wait for it to finish or use another --store", path)
	case readOnly && errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("store %s does not exist (record a run with 'lamport run' or pass --store)", path)
	case errors.Is(err, os.ErrNotExist):
		// A new store's directory is missing: say so as the live commands
		// do before they start.
		if dirErr := checkStoreDir(path); dirErr != nil {
			return nil, dirErr
		}
	}
	return nil, err
}

// runRef is how commands name a run: an id, a unique id prefix, "latest",
// or --seed N for the latest run with that seed.
type runRef struct {
	store string
	seed  uint64
}

func (r *runRef) register(fs *pflag.FlagSet) {
	fs.StringVar(&r.store, "store", "lamport.db", "bbolt store to read")
	fs.Uint64Var(&r.seed, "seed", 0, "pick the latest run recorded with this seed instead of naming RUN")
}

// resolve finds the run named by the positional argument or --seed.
func (r *runRef) resolve(fs *pflag.FlagSet, st *record.Store) (record.RunMeta, error) {
	args := fs.Args()
	switch {
	case fs.Changed("seed") && len(args) > 0:
		return record.RunMeta{}, usageErrorf("give RUN or --seed, not both")
	case fs.Changed("seed"):
		m, err := st.LatestWithSeed(r.seed)
		if errors.Is(err, record.ErrNotFound) {
			return m, fmt.Errorf("store %s: no run with seed %d", st.Path(), r.seed)
		}
		if err != nil {
			return m, fmt.Errorf("store %s: %w", st.Path(), err)
		}
		return m, nil
	case len(args) == 0:
		return record.RunMeta{}, usageErrorf("name a run: RUN (an id, a unique prefix, or 'latest') or --seed N")
	case len(args) > 1:
		return record.RunMeta{}, usageErrorf("one run at a time, got %q", args)
	}
	return resolveName(st, args[0])
}

// resolveName finds the run a name gives (an id, a unique prefix or
// "latest"); the error names the store and, when there is no such run,
// how to list the runs it has.
func resolveName(st *record.Store, name string) (record.RunMeta, error) {
	m, err := st.Resolve(name)
	if errors.Is(err, record.ErrNotFound) {
		return m, fmt.Errorf("store %s: %w ('lamport ls --store %s' lists its runs)", st.Path(), err, st.Path())
	}
	if err != nil {
		return m, fmt.Errorf("store %s: %w", st.Path(), err)
	}
	return m, nil
}

func uint64String(v uint64) string { return strconv.FormatUint(v, 10) }
