package core_test

import (
	"testing"

	"lamport/core"
)

func TestRNGBelowIsUniformEnough(t *testing.T) {
	r := core.NewRNG(42, 1)
	const n, draws = 6, 60000
	var counts [n]int
	for range draws {
		v := r.Below(n)
		if v >= n {
			t.Fatalf("Below(%d) = %d", n, v)
		}
		counts[v]++
	}
	for v, c := range counts {
		// Expected 10000 each; 5 sigma is about 450.
		if c < 9500 || c > 10500 {
			t.Errorf("value %d drawn %d times of %d, far from uniform: %v", v, c, draws, counts)
		}
	}
}

func TestBetweenStaysInRange(t *testing.T) {
	r := core.NewRNG(3, 9)
	seen := map[int]bool{}
	for range 2000 {
		v := r.Between(1, 6)
		if v < 1 || v > 6 {
			t.Fatalf("Between(1,6) = %d", v)
		}
		seen[v] = true
	}
	if len(seen) != 6 {
		t.Fatalf("Between(1,6) never produced some values: %v", seen)
	}
}

func TestStreamsDependOnSeedAndMachine(t *testing.T) {
	first := func(seed uint64, id core.MachineID) [4]uint64 {
		r := core.NewRNG(seed, id)
		return [4]uint64{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	}
	if a, b := first(7, 1), first(7, 1); a != b {
		t.Fatal("same seed and machine gave different streams")
	}
	seen := map[[4]uint64]string{}
	for seed := uint64(0); seed < 20; seed++ {
		for id := core.MachineID(1); id <= 20; id++ {
			s := first(seed, id)
			if prev, dup := seen[s]; dup {
				t.Fatalf("seed %d machine %d repeats the stream of %s", seed, id, prev)
			}
			seen[s] = "seed/machine"
		}
	}
}
