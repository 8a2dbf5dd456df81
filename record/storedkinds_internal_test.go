package record

import (
	"testing"

	"lamport/core"
)

// The stored numbers are part of the schema (docs/STORE.md, "Kind numbers"): a store
// written today must read the same after core renumbers or adds a kind.
func TestStoredKindNumbersAreFixed(t *testing.T) {
	for code, k := range map[uint64]core.Kind{1: core.KindRecv, 2: core.KindSend, 3: core.KindInternal} {
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
	for code, k := range map[uint8]core.FaultKind{1: core.FaultLost, 2: core.FaultDup, 3: core.FaultCrash, 4: core.FaultRestart} {
		if uint8(k) != code {
			t.Errorf("fault kind %v is stored as %d, want %d", k, uint8(k), code)
		}
	}
	for code, r := range map[uint8]core.LostReason{1: core.LostDrop, 2: core.LostPartition, 3: core.LostDown} {
		if uint8(r) != code {
			t.Errorf("lost reason %v is stored as %d, want %d", r, uint8(r), code)
		}
	}
}
