package core

import (
	"fmt"
	"slices"
)

// Peers returns self's peers in the model's fixed order: the other ids
// going around the ring of ids sorted ascending, starting after self. For
// ids 1,2,3: peers of 1 are [2 3], of 2 are [3 1], of 3 are [1 2]. The
// "first peer" is Peers[0] and the "second peer" Peers[1 % len].
func Peers(self MachineID, ids []MachineID) ([]MachineID, error) {
	r, err := NewRing(ids)
	if err != nil {
		return nil, err
	}
	return r.Peers(self)
}

// Ring is a run's machine ids in ring order, built once and shared by all
// its machines: the ids sorted ascending, stored twice in a row, so every
// machine's peers are one window of it. A run of N machines then holds 2N
// ids rather than N copies of N-1, which matters at 10 000 machines.
type Ring struct {
	twice []MachineID
	n     int
}

// NewRing checks ids (no repeats, at least 2) and builds their ring.
func NewRing(ids []MachineID) (*Ring, error) {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i-1] == sorted[i] {
			return nil, fmt.Errorf("machine id %d appears twice", sorted[i])
		}
	}
	if len(sorted) < 2 {
		return nil, fmt.Errorf("a run needs at least 2 machines, got %d", len(sorted))
	}
	return &Ring{twice: append(sorted, sorted...), n: len(sorted)}, nil
}

// Peers is self's peers, as the package-level Peers orders them. The
// slice is shared: read it, never write it (its capacity ends with it, so
// an append copies).
func (r *Ring) Peers(self MachineID) ([]MachineID, error) {
	at, ok := slices.BinarySearch(r.twice[:r.n], self)
	if !ok {
		return nil, fmt.Errorf("machine id %d is not among the run's machines", self)
	}
	return r.twice[at+1 : at+r.n : at+r.n], nil
}
