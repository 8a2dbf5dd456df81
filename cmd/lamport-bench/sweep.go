package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// sweep runs 'lamport sweep' of the default grid (the original experiment
// and its two variants, 3 machines for a minute) with sweepRuns seeds, as
// shards processes at once (1: the whole sweep in one process), each
// recording to a store of its own, and times them from the first start to
// the last end. It runs the lamport command itself, since the sweep's way
// of recording is the command's.
func (c benchChild) sweep(shards int) (benchMeasure, error) {
	bin, err := c.lamportBinary()
	if err != nil {
		return benchMeasure{}, err
	}
	type result struct {
		out bytes.Buffer
		err error
	}
	results := make([]*result, shards)
	cmds := make([]*exec.Cmd, shards)
	for i := range shards {
		store := c.storePath(fmt.Sprintf("sweep-%d-of-%d", i+1, shards))
		if err := removeIfExists(store); err != nil {
			return benchMeasure{}, err
		}
		args := []string{"sweep", "--runs", strconv.Itoa(c.sizes.sweepRuns), "--duration", "1m", "--seed", strconv.FormatUint(c.seed, 10),
			"--store", store, "--quiet", "--json"}
		if shards > 1 {
			args = append(args, "--sweep-id", "bench-sweep", "--shard", fmt.Sprintf("%d/%d", i+1, shards))
		}
		results[i] = &result{}
		cmds[i] = exec.Command(bin, args...)
		cmds[i].Stdout, cmds[i].Stderr = &results[i].out, &results[i].out
	}
	var wg sync.WaitGroup
	began := time.Now()
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			return benchMeasure{}, fmt.Errorf("start %s: %w", bin, err)
		}
		wg.Go(func() { results[i].err = cmd.Wait() })
	}
	wg.Wait()
	secs := time.Since(began).Seconds()
	var events uint64
	for i, r := range results {
		if r.err != nil {
			return benchMeasure{}, fmt.Errorf("lamport sweep (shard %d of %d): %v: %s", i+1, shards, r.err, r.out.String())
		}
		n, err := sweepEvents(r.out.Bytes())
		if err != nil {
			return benchMeasure{}, fmt.Errorf("lamport sweep (shard %d of %d): %w", i+1, shards, err)
		}
		events += n
	}
	for i := range shards {
		_ = os.Remove(c.storePath(fmt.Sprintf("sweep-%d-of-%d", i+1, shards)))
	}
	// The sweep is deterministic: the same events whatever the shards.
	return benchMeasure{Events: events, Seconds: secs, Hash: strconv.FormatUint(events, 10)}, nil
}

// sweepEvents adds up the events of every run of a sweep's --json output.
func sweepEvents(out []byte) (uint64, error) {
	var s struct {
		Variants []struct {
			Runs []struct {
				Events uint64 `json:"events"`
			} `json:"runs"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(out, &s); err != nil {
		return 0, fmt.Errorf("unreadable --json output: %w", err)
	}
	var n uint64
	for _, v := range s.Variants {
		for _, r := range v.Runs {
			n += r.Events
		}
	}
	return n, nil
}

// lamportBinary is the lamport command the sweep rows run: the one beside
// this binary (go build -o DIR/ ./cmd/lamport ./cmd/lamport-bench puts
// both there), else one built from the module in the working directory
// into the bench's directory, once.
func (c benchChild) lamportBinary() (string, error) {
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), "lamport")
		if st, err := os.Stat(beside); err == nil && !st.IsDir() {
			return beside, nil
		}
	}
	built := filepath.Join(c.dir, "lamport")
	if _, err := os.Stat(built); err == nil {
		return built, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if out, err := exec.Command("go", "build", "-o", built, "lamport/cmd/lamport").CombinedOutput(); err != nil {
		return "", fmt.Errorf("no lamport beside this binary, and building one failed (run lamport-bench from the repository, or build both: go build -o DIR/ ./cmd/lamport ./cmd/lamport-bench): %v: %s", err, out)
	}
	return built, nil
}
