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
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	at := -1
	for i, id := range sorted {
		if i > 0 && sorted[i-1] == id {
			return nil, fmt.Errorf("machine id %d appears twice", id)
		}
		if id == self {
			at = i
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("machine id %d is not among the run's machines", self)
	}
	if len(sorted) < 2 {
		return nil, fmt.Errorf("a run needs at least 2 machines, got %d", len(sorted))
	}
	peers := make([]MachineID, 0, len(sorted)-1)
	for k := 1; k < len(sorted); k++ {
		peers = append(peers, sorted[(at+k)%len(sorted)])
	}
	return peers, nil
}
