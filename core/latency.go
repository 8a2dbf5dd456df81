package core

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Latency is a per-message network delay distribution: the simulator's
// latency, and the extra delay a live run injects (run --delay).
type Latency struct {
	kind     string // constant, uniform or exp
	min, max time.Duration
	mean     time.Duration
}

// ParseLatency reads "constant:D", "uniform:A-B" or "exp:MEAN", with Go
// durations (1ms, 250us).
func ParseLatency(s string) (Latency, error) {
	kind, arg, ok := strings.Cut(s, ":")
	if !ok {
		return Latency{}, fmt.Errorf("latency %q: want constant:D, uniform:A-B or exp:MEAN", s)
	}
	dur := func(v string) (time.Duration, error) {
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("latency %q: %w", s, err)
		}
		if d < 0 {
			return 0, fmt.Errorf("latency %q: negative duration", s)
		}
		return d, nil
	}
	switch kind {
	case "constant":
		d, err := dur(arg)
		return Latency{kind: kind, min: d, max: d}, err
	case "uniform":
		a, b, ok := strings.Cut(arg, "-")
		if !ok {
			return Latency{}, fmt.Errorf("latency %q: want uniform:MIN-MAX", s)
		}
		lo, err := dur(a)
		if err != nil {
			return Latency{}, err
		}
		hi, err := dur(b)
		if err != nil {
			return Latency{}, err
		}
		if hi < lo {
			return Latency{}, fmt.Errorf("latency %q: max below min", s)
		}
		return Latency{kind: kind, min: lo, max: hi}, nil
	case "exp":
		d, err := dur(arg)
		return Latency{kind: kind, mean: d}, err
	}
	return Latency{}, fmt.Errorf("latency %q: unknown distribution %q (constant, uniform, exp)", s, kind)
}

func (l Latency) String() string {
	switch l.kind {
	case "constant":
		return "constant:" + l.min.String()
	case "uniform":
		return "uniform:" + l.min.String() + "-" + l.max.String()
	case "exp":
		return "exp:" + l.mean.String()
	}
	return "constant:0s"
}

// Draw returns one delay from the random stream r. The exponential uses
// inverse transform sampling on 53 random bits.
func (l Latency) Draw(r *RNG) time.Duration {
	switch l.kind {
	case "uniform":
		return l.min + time.Duration(r.Below(uint64(l.max-l.min)+1))
	case "exp":
		u := float64(r.Uint64()>>11) / (1 << 53) // [0, 1)
		return time.Duration(-math.Log1p(-u) * float64(l.mean))
	}
	return l.min
}
