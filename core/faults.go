package core

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults are the network and process faults a driver injects into a run.
// The zero value injects none. They are parameters, like Params: the
// simulator draws every decision they call for from the run's seed, so the
// same seed and faults give the same run.
type Faults struct {
	// Drop is the probability that a message is lost, in [0, 1].
	Drop float64
	// Dup is the probability that a message is delivered twice, in [0, 1].
	Dup float64
	// Spike adds a latency spike to some messages.
	Spike Spike
	// Partitions cut links for a while: a message sent on a cut link is
	// lost.
	Partitions []Partition
	// Clog clogs every link at random, FoundationDB-swizzle style: a
	// message sent on a clogged link waits until the clog ends.
	Clog Clog
	// Crashes are planned machine crashes.
	Crashes []Crash
	// RandomCrashes crash every machine at random.
	RandomCrashes Clog
	// ResetClock: a machine that restarts after a crash starts its clock
	// again from 0 (otherwise it keeps it).
	ResetClock bool
}

// Spike delays a message by Extra more than its latency, with
// probability P.
type Spike struct {
	P     float64
	Extra time.Duration
}

// Partition cuts the link between A and B (only A to B if OneWay) for
// messages sent in [From, To) of the run's time.
type Partition struct {
	A, B     MachineID
	OneWay   bool
	From, To time.Duration
}

// Crash takes machine ID down for [From, To) of the run's time.
type Crash struct {
	ID       MachineID
	From, To time.Duration
}

// Clog describes random outages: each one starts after an exponentially
// distributed wait of mean Every and lasts an exponentially distributed
// time of mean For. Zero Every means none.
type Clog struct {
	Every, For time.Duration
}

// MinFaultMean bounds the means of random outages from below, so a run
// cannot be asked for billions of them.
const MinFaultMean = time.Millisecond

// Any reports whether f injects anything.
func (f Faults) Any() bool {
	return f.Drop > 0 || f.Dup > 0 || f.Spike.P > 0 || len(f.Partitions) > 0 || f.Clog.Every > 0 ||
		len(f.Crashes) > 0 || f.RandomCrashes.Every > 0
}

// Cut reports whether a message sent from one machine to another at time
// at crosses a partition.
func (f Faults) Cut(from, to MachineID, at time.Duration) bool {
	for _, p := range f.Partitions {
		if at < p.From || at >= p.To {
			continue
		}
		if (p.A == from && p.B == to) || (!p.OneWay && p.A == to && p.B == from) {
			return true
		}
	}
	return false
}

// Validate checks f against the run's machine ids.
func (f Faults) Validate(ids []MachineID) error {
	prob := func(name string, p float64) error {
		if !(p >= 0 && p <= 1) { // also refuses NaN
			return fmt.Errorf("%s must be a probability in [0, 1], got %v", name, p)
		}
		return nil
	}
	if err := prob("drop", f.Drop); err != nil {
		return err
	}
	if err := prob("dup", f.Dup); err != nil {
		return err
	}
	if err := prob("spike probability", f.Spike.P); err != nil {
		return err
	}
	if f.Spike.Extra < 0 || (f.Spike.P > 0 && f.Spike.Extra == 0) {
		return fmt.Errorf("spike: want a positive extra delay, got %v", f.Spike.Extra)
	}
	known := func(id MachineID) bool { _, ok := slices.BinarySearch(ids, id); return ok }
	for _, p := range f.Partitions {
		switch {
		case !known(p.A) || !known(p.B):
			return fmt.Errorf("partition %s: the run has no machine %d", p, pick(known(p.A), p.B, p.A))
		case p.A == p.B:
			return fmt.Errorf("partition %s: a machine cannot be cut from itself", p)
		case p.From < 0 || p.To <= p.From:
			return fmt.Errorf("partition %s: want 0 <= start < end", p)
		}
	}
	for _, c := range []struct {
		name string
		c    Clog
	}{{"clog", f.Clog}, {"crashes", f.RandomCrashes}} {
		if c.c.Every == 0 && c.c.For == 0 {
			continue
		}
		if c.c.Every < MinFaultMean || c.c.For < MinFaultMean {
			return fmt.Errorf("%s %s: both means must be at least %v", c.name, c.c, MinFaultMean)
		}
	}
	for i, c := range f.Crashes {
		switch {
		case !known(c.ID):
			return fmt.Errorf("crash %s: the run has no machine %d", c, c.ID)
		case c.From < 0 || c.To <= c.From:
			return fmt.Errorf("crash %s: want 0 <= start < end", c)
		}
		for _, o := range f.Crashes[:i] {
			if o.ID == c.ID && c.From < o.To && o.From < c.To {
				return fmt.Errorf("crashes %s and %s overlap", o, c)
			}
		}
	}
	return nil
}

func pick(first bool, ifTrue, ifFalse MachineID) MachineID {
	if first {
		return ifTrue
	}
	return ifFalse
}

// ParseProbability reads a probability in [0, 1].
func ParseProbability(s string) (float64, error) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("%q is not a probability in [0, 1]", s)
	}
	return p, nil
}

// ParseSpike reads "P:EXTRA", e.g. "0.01:500ms".
func ParseSpike(s string) (Spike, error) {
	ps, ds, ok := strings.Cut(s, ":")
	if !ok {
		return Spike{}, fmt.Errorf("spike %q: want PROBABILITY:EXTRA, e.g. 0.01:500ms", s)
	}
	p, err := ParseProbability(ps)
	if err != nil {
		return Spike{}, fmt.Errorf("spike %q: %w", s, err)
	}
	d, err := time.ParseDuration(ds)
	if err != nil || d <= 0 {
		return Spike{}, fmt.Errorf("spike %q: %q is not a positive duration", s, ds)
	}
	return Spike{P: p, Extra: d}, nil
}

// ParseClog reads "EVERY:FOR", two mean durations, e.g. "30s:2s".
func ParseClog(s string) (Clog, error) {
	es, fs, ok := strings.Cut(s, ":")
	if !ok {
		return Clog{}, fmt.Errorf("%q: want EVERY:FOR, two mean durations, e.g. 30s:2s", s)
	}
	every, err1 := time.ParseDuration(es)
	dur, err2 := time.ParseDuration(fs)
	if err1 != nil || err2 != nil || every < MinFaultMean || dur < MinFaultMean {
		return Clog{}, fmt.Errorf("%q: want two durations of at least %v, e.g. 30s:2s", s, MinFaultMean)
	}
	return Clog{Every: every, For: dur}, nil
}

// ParsePartition reads "A-B@FROM-TO" (both directions) or "A>B@FROM-TO"
// (only A to B), e.g. "2-3@10s-20s".
func ParsePartition(s string) (Partition, error) {
	link, span, ok := strings.Cut(s, "@")
	if !ok {
		return Partition{}, fmt.Errorf("partition %q: want A-B@FROM-TO or A>B@FROM-TO, e.g. 2-3@10s-20s", s)
	}
	var p Partition
	sep := "-"
	if strings.Contains(link, ">") {
		sep, p.OneWay = ">", true
	}
	as, bs, _ := strings.Cut(link, sep)
	a, errA := ParseMachineID(as)
	b, errB := ParseMachineID(bs)
	if errA != nil || errB != nil {
		return Partition{}, fmt.Errorf("partition %q: %q is not two machine ids joined by - or >", s, link)
	}
	p.A, p.B = a, b
	from, to, err := parseSpan(span)
	if err != nil {
		return Partition{}, fmt.Errorf("partition %q: %w", s, err)
	}
	p.From, p.To = from, to
	return p, nil
}

// ParseCrash reads "ID@FROM-TO", e.g. "2@10s-20s".
func ParseCrash(s string) (Crash, error) {
	ids, span, ok := strings.Cut(s, "@")
	if !ok {
		return Crash{}, fmt.Errorf("crash %q: want ID@FROM-TO, e.g. 2@10s-20s", s)
	}
	id, err := ParseMachineID(ids)
	if err != nil {
		return Crash{}, fmt.Errorf("crash %q: %w", s, err)
	}
	from, to, err := parseSpan(span)
	if err != nil {
		return Crash{}, fmt.Errorf("crash %q: %w", s, err)
	}
	return Crash{ID: id, From: from, To: to}, nil
}

// ParseMachineID reads a positive machine id.
func ParseMachineID(s string) (MachineID, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%q is not a machine id (a positive integer)", s)
	}
	return MachineID(v), nil
}

func parseSpan(s string) (time.Duration, time.Duration, error) {
	fs, ts, ok := strings.Cut(s, "-")
	from, err1 := time.ParseDuration(fs)
	to, err2 := time.ParseDuration(ts)
	if !ok || err1 != nil || err2 != nil || from < 0 || to <= from {
		return 0, 0, fmt.Errorf("%q is not a time span START-END with 0 <= START < END, e.g. 10s-20s", s)
	}
	return from, to, nil
}

func (s Spike) String() string { return fmtFloat(s.P) + ":" + s.Extra.String() }
func (c Clog) String() string  { return c.Every.String() + ":" + c.For.String() }
func (c Crash) String() string {
	return strconv.FormatUint(uint64(c.ID), 10) + "@" + c.From.String() + "-" + c.To.String()
}

func (p Partition) String() string {
	sep := "-"
	if p.OneWay {
		sep = ">"
	}
	return strconv.FormatUint(uint64(p.A), 10) + sep + strconv.FormatUint(uint64(p.B), 10) + "@" + p.From.String() + "-" + p.To.String()
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Options lists f as the flags that would set it, for a run's metadata:
// key and value, in a fixed order, only what is set.
func (f Faults) Options() [][2]string {
	var out [][2]string
	add := func(k, v string) { out = append(out, [2]string{k, v}) }
	if f.Drop > 0 {
		add("drop", fmtFloat(f.Drop))
	}
	if f.Dup > 0 {
		add("dup", fmtFloat(f.Dup))
	}
	if f.Spike.P > 0 {
		add("spike", f.Spike.String())
	}
	if len(f.Partitions) > 0 {
		var ps []string
		for _, p := range f.Partitions {
			ps = append(ps, p.String())
		}
		add("partition", strings.Join(ps, ","))
	}
	if f.Clog.Every > 0 {
		add("clog", f.Clog.String())
	}
	if len(f.Crashes) > 0 {
		var cs []string
		for _, c := range f.Crashes {
			cs = append(cs, c.String())
		}
		add("crash", strings.Join(cs, ","))
	}
	if f.RandomCrashes.Every > 0 {
		add("crashes", f.RandomCrashes.String())
	}
	if f.ResetClock {
		add("restart", "reset")
	}
	return out
}

// Swarm draws a fault setting from the run's seed, in the spirit of swarm
// testing (and TigerBeetle's VOPR): each kind of fault is switched on with
// probability 1/2, and its strength is drawn too, so different seeds
// explore different mixes rather than one average of everything. A run of
// length d gets outages scaled to it.
func Swarm(seed uint64, d time.Duration) Faults {
	r := StreamRNG(seed, SwarmStream)
	on := func() bool { return r.Uint64()&1 == 1 }
	var f Faults
	if on() {
		f.Drop = roundProb(0.2 * r.Float64())
	}
	if on() {
		f.Dup = roundProb(0.1 * r.Float64())
	}
	if on() {
		f.Spike = Spike{P: roundProb(0.05*r.Float64() + 0.001), Extra: time.Duration(1+r.Below(1000)) * time.Millisecond}
	}
	span := max(d, time.Second)
	if on() {
		f.Clog = Clog{Every: roundMean(span / time.Duration(2+r.Below(9))), For: roundMean(span / time.Duration(20+r.Below(80)))}
	}
	if on() {
		f.RandomCrashes = Clog{Every: roundMean(span / time.Duration(1+r.Below(4))), For: roundMean(span / time.Duration(10+r.Below(40)))}
		f.ResetClock = on()
	}
	return f
}

// roundProb keeps three significant decimals so the metadata reads well.
func roundProb(p float64) float64 { return math.Round(p*1000) / 1000 }

func roundMean(d time.Duration) time.Duration {
	return max(d.Round(time.Millisecond), MinFaultMean)
}
