package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"lamport/core"
	"lamport/internal/version"
	"lamport/live"
	"lamport/record"
)

// The live measurement: what 'lamport run --speed 1000 --duration 5s
// --seed S' does (three machines over TCP on 127.0.0.1 in this process,
// authenticated with a random secret, recorded, with a log file per
// machine), timed by how late its ticks were.
const (
	liveMachines = 3
	liveSpeed    = 1000.0
	liveDuration = 5 * time.Second
)

// liveLatenessResult is one live run's tick lateness. The lateness of
// tick k is its recorded time minus k × the machine's interval, less the
// smallest such value of the machine (which takes out when the run began
// ticking); the figures are over the ticks of all machines.
type liveLatenessResult struct {
	Events        uint64
	P50, P99, Max time.Duration
	// Wall is the whole run: connecting, ticking, draining, recording.
	Wall time.Duration
}

// liveLateness runs the live measurement for d (liveDuration in the full
// table) in this process and returns its events, its wall time and the
// p99 tick lateness, the figure the target is on (< 1 ms at a quiet
// moment). Events are what the rates owe (65 000 for seed 7 and 5 s), the
// same every run; a run's trace is not (arrivals race), so there is no
// Hash.
func (c benchChild) liveLateness(d time.Duration) (benchMeasure, error) {
	r, err := measureLiveLateness(c.dir, c.seed, d)
	if err != nil {
		return benchMeasure{}, err
	}
	return benchMeasure{Events: r.Events, Seconds: r.Wall.Seconds(), LateP99: r.P99.Seconds() * 1e3}, nil
}

// measureLiveLateness runs liveMachines machines at liveSpeed for d with
// logs on, in a fresh store and log directory under dir (both removed
// after), and returns the lateness of its ticks.
func measureLiveLateness(dir string, seed uint64, d time.Duration) (liveLatenessResult, error) {
	path := filepath.Join(dir, "bench-live.db")
	logDir := filepath.Join(dir, "bench-live-logs")
	if err := removeIfExists(path); err != nil {
		return liveLatenessResult{}, err
	}
	defer os.Remove(path)
	defer os.RemoveAll(logDir)
	st, err := record.Open(path, record.Options{})
	if err != nil {
		return liveLatenessResult{}, err
	}
	defer st.Close()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails
	const runID = "bench-live"
	spec := live.Spec{RunID: runID, Config: core.RingConfig(liveMachines, "127.0.0.1", 0), Params: core.DefaultParams(seed),
		Speed: liveSpeed, Duration: d, Store: st, LogDir: logDir, Tool: version.Tool, Secret: secret,
		Options: map[string]string{"duration": d.String()}}
	began := time.Now()
	res, err := live.Run(context.Background(), spec)
	wall := time.Since(began)
	if err != nil {
		return liveLatenessResult{}, fmt.Errorf("live run: %w", err)
	}
	var late []time.Duration
	for _, m := range res.Meta.Machines {
		interval := time.Duration(float64(time.Second) / (float64(m.Rate) * liveSpeed))
		first := len(late)
		err := st.Scan(runID, m.ID, func(e core.Entry) error {
			if !e.Arrival && e.Fault.Kind == 0 {
				late = append(late, e.At-time.Duration(e.Event.Tick)*interval)
			}
			return nil
		})
		if err != nil {
			return liveLatenessResult{}, err
		}
		if first == len(late) {
			continue
		}
		least := slices.Min(late[first:])
		for i := first; i < len(late); i++ {
			late[i] -= least
		}
	}
	if len(late) == 0 {
		return liveLatenessResult{}, fmt.Errorf("live run %s recorded no ticks", runID)
	}
	slices.Sort(late)
	at := func(q float64) time.Duration { return late[min(len(late)-1, int(q*float64(len(late))))] }
	return liveLatenessResult{Events: uint64(len(late)), P50: at(0.50), P99: at(0.99), Max: late[len(late)-1], Wall: wall}, nil
}
