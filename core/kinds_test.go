package core_test

import (
	"testing"

	"lamport/core"
)

// The names are the words the logs, show and the exports print
// (docs/MODEL.md); each list must hold every kind once and nothing else.
func TestKindTablesNameEveryKindOnce(t *testing.T) {
	kinds := map[core.Kind]string{core.KindRecv: "recv", core.KindSend: "send", core.KindInternal: "internal"}
	if got := core.Kinds(); len(got) != len(kinds) {
		t.Fatalf("Kinds() = %v, want the %d kinds", got, len(kinds))
	}
	for _, k := range core.Kinds() {
		if !k.Valid() || k.String() != kinds[k] {
			t.Errorf("kind %d: valid %v, name %q, want %q", uint8(k), k.Valid(), k, kinds[k])
		}
	}
	faults := map[core.FaultKind]string{core.FaultLost: "lost", core.FaultDup: "dup", core.FaultCrash: "crash", core.FaultRestart: "restart"}
	if got := core.FaultKinds(); len(got) != len(faults) {
		t.Fatalf("FaultKinds() = %v, want the %d kinds", got, len(faults))
	}
	for _, k := range core.FaultKinds() {
		if !k.Valid() || k.String() != faults[k] {
			t.Errorf("fault kind %d: valid %v, name %q, want %q", uint8(k), k.Valid(), k, faults[k])
		}
	}
	for r, name := range map[core.LostReason]string{core.LostDrop: "drop", core.LostPartition: "partition", core.LostDown: "down"} {
		if !r.Valid() || r.String() != name {
			t.Errorf("reason %d: valid %v, name %q, want %q", uint8(r), r.Valid(), r, name)
		}
	}
}

func TestUnknownKindsAreInvalidAndNamedByNumber(t *testing.T) {
	for _, tc := range []struct {
		valid bool
		text  string
	}{
		{core.Kind(0).Valid(), core.Kind(0).String()},
		{core.Kind(4).Valid(), core.Kind(4).String()},
		{core.FaultKind(0).Valid(), core.FaultKind(0).String()},
		{core.FaultKind(5).Valid(), core.FaultKind(5).String()},
		{core.LostReason(0).Valid(), core.LostReason(0).String()},
		{core.LostReason(255).Valid(), core.LostReason(255).String()},
	} {
		if tc.valid {
			t.Errorf("%s is valid", tc.text)
		}
	}
	if got := core.FaultKind(5).String(); got != "fault(5)" {
		t.Errorf("FaultKind(5) = %q", got)
	}
	if got := core.Kind(9).String(); got != "kind(9)" {
		t.Errorf("Kind(9) = %q", got)
	}
}
