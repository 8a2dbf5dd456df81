package core_test

import (
	"slices"
	"testing"

	"lamport/core"
)

func TestPeersGoAroundTheRing(t *testing.T) {
	ids := []core.MachineID{3, 1, 2}
	cases := []struct {
		self core.MachineID
		ids  []core.MachineID
		want []core.MachineID
	}{
		{1, ids, []core.MachineID{2, 3}},
		{2, ids, []core.MachineID{3, 1}},
		{3, ids, []core.MachineID{1, 2}},
		{7, []core.MachineID{10, 7, 4, 20}, []core.MachineID{10, 20, 4}},
		{20, []core.MachineID{10, 7, 4, 20}, []core.MachineID{4, 7, 10}},
		{1, []core.MachineID{1, 2}, []core.MachineID{2}},
	}
	for _, c := range cases {
		got, err := core.Peers(c.self, c.ids)
		if err != nil {
			t.Fatalf("Peers(%d, %v): %v", c.self, c.ids, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Peers(%d, %v) = %v, want %v", c.self, c.ids, got, c.want)
		}
	}
}

func TestPeersRejectsBadSets(t *testing.T) {
	for _, c := range []struct {
		self core.MachineID
		ids  []core.MachineID
	}{
		{1, []core.MachineID{1}},
		{4, []core.MachineID{1, 2, 3}},
		{1, []core.MachineID{1, 2, 2}},
	} {
		if _, err := core.Peers(c.self, c.ids); err == nil {
			t.Errorf("Peers(%d, %v) succeeded, want an error", c.self, c.ids)
		}
	}
}
