package core

import "math/bits"

// RNG is the per-machine random stream: SplitMix64 (Steele, Lea, Flood 2014).
//
// It is written out here rather than taken from math/rand so that the
// sequence is fixed by this file alone, forever: recordings made today must
// replay with any future Go release.
//
// The stream of machine id under run seed s starts from the state
//
//	MachineSeed(s, id) = Mix64(s XOR Mix64(id + golden))
//
// where golden = 0x9E3779B97F4A7C15 and mix64 is SplitMix64's finalizer.
// Each draw adds golden to the state and returns Mix64(state).
type RNG struct {
	state uint64
}

const golden = 0x9E3779B97F4A7C15

// Mix64 is SplitMix64's finalizer, a bijection of uint64 that spreads
// every input bit over the output. It is the one mixer of the project: the
// random streams here and replay's trace hash both use it, so what a seed
// means and what a trace hash means rest on one function.
func Mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// MachineSeed derives machine id's starting state from the run seed.
func MachineSeed(seed uint64, id MachineID) uint64 {
	return Mix64(seed ^ Mix64(uint64(id)+golden))
}

// NewRNG returns the stream of machine id under the run seed.
func NewRNG(seed uint64, id MachineID) RNG {
	return RNG{state: MachineSeed(seed, id)}
}

// Uint64 returns the next 64 random bits.
func (r *RNG) Uint64() uint64 {
	r.state += golden
	return Mix64(r.state)
}

// Below returns a uniform value in [0, n) by Lemire's multiply-and-reject
// method, so no value is favoured. n must be positive.
func (r *RNG) Below(n uint64) uint64 {
	if n == 0 {
		panic("core: RNG.Below(0)")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Between returns a uniform value in [lo, hi]; lo <= hi.
func (r *RNG) Between(lo, hi int) int {
	return lo + int(r.Below(uint64(hi-lo)+1))
}

// streamGolden separates derived streams from machine streams.
const streamGolden = 0xD1B54A32D192ED03

// StreamRNG returns the run's random stream named label, for drivers'
// needs that no machine owns (the simulator's faults, one stream per link
// or per machine so that each is fixed whatever else happens):
//
//	state = Mix64(seed XOR Mix64(label + 0xD1B54A32D192ED03))
//
// A different constant from MachineSeed's keeps these streams apart from
// every machine's.
func StreamRNG(seed, label uint64) RNG {
	return RNG{state: Mix64(seed ^ Mix64(label+streamGolden))}
}

// Float64 returns a uniform value in [0, 1) from 53 random bits.
func (r *RNG) Float64() float64 {
	return float64(r.Uint64()>>11) / (1 << 53)
}
