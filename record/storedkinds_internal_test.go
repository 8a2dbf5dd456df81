package record

import (
	"maps"
	"slices"
	"testing"

	"lamport/core"
)

// The stored numbers, as docs/STORE.md ("Kind numbers") gives them. They
// are part of the schema: a store written today must read the same after
// core renumbers or adds a kind.
var (
	pinnedKinds       = map[uint64]core.Kind{1: core.KindRecv, 2: core.KindSend, 3: core.KindInternal}
	pinnedFaultKinds  = map[uint8]core.FaultKind{1: core.FaultLost, 2: core.FaultDup, 3: core.FaultCrash, 4: core.FaultRestart}
	pinnedLostReasons = map[uint8]core.LostReason{1: core.LostDrop, 2: core.LostPartition, 3: core.LostDown}
)

func TestStoredKindNumbersAreFixed(t *testing.T) {
	for code, k := range pinnedKinds {
		if got := storedKindCode(k); got != code {
			t.Errorf("%v is stored as %d, want %d", k, got, code)
		}
		if got := storedKind(uint8(code)); got != k {
			t.Errorf("stored %d reads as %v, want %v", code, got, k)
		}
	}
	if got := storedKind(9); got != core.Kind(9) {
		t.Errorf("an unknown stored kind reads as %v, want it kept", got)
	}
	for code, k := range pinnedFaultKinds {
		if uint8(k) != code {
			t.Errorf("fault kind %v is stored as %d, want %d", k, uint8(k), code)
		}
	}
	for code, r := range pinnedLostReasons {
		if uint8(r) != code {
			t.Errorf("lost reason %v is stored as %d, want %d", r, uint8(r), code)
		}
	}
}

// A kind core adds must get its stored number on purpose: in storedKinds
// (delta.go) for an event kind, and for every kind here and in STORE.md's
// "Kind numbers", so the schema says what the new number means.
func TestEveryKindHasAPinnedStoredNumber(t *testing.T) {
	for _, k := range core.Kinds() {
		if !slices.Contains(storedKinds[1:], k) {
			t.Errorf("event kind %v has no stored number in storedKinds (delta.go)", k)
		}
		if !slices.Contains(slices.Collect(maps.Values(pinnedKinds)), k) {
			t.Errorf("event kind %v has no pinned stored number here and in docs/STORE.md", k)
		}
	}
	for _, k := range core.FaultKinds() {
		if !slices.Contains(slices.Collect(maps.Values(pinnedFaultKinds)), k) {
			t.Errorf("fault kind %v has no pinned stored number here and in docs/STORE.md", k)
		}
	}
	for r := core.LostReason(1); r.Valid(); r++ {
		if !slices.Contains(slices.Collect(maps.Values(pinnedLostReasons)), r) {
			t.Errorf("lost reason %v has no pinned stored number here and in docs/STORE.md", r)
		}
	}
}
