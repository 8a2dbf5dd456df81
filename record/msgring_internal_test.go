package record

import (
	"testing"

	"lamport/core"
)

// TestMsgRingIsAFIFO: random pushes, pops and clears, against a slice.
func TestMsgRingIsAFIFO(t *testing.T) {
	rng := core.NewRNG(9, 0)
	var r msgRing
	var ref []core.Message
	for i := range 50000 {
		switch op := rng.Below(100); {
		case op < 55:
			m := core.Message{From: core.MachineID(i), Seq: uint64(i)}
			r.push(m)
			ref = append(ref, m)
		case op < 99 && len(ref) > 0:
			r.pop()
			ref = ref[1:]
		case op == 99:
			r.clear()
			ref = ref[:0]
		}
		got, ok := r.front()
		if r.len() != len(ref) || ok != (len(ref) > 0) || (ok && got != ref[0]) {
			t.Fatalf("step %d: len %d front %v %v; want len %d, %v", i, r.len(), got, ok, len(ref), ref[:min(1, len(ref))])
		}
	}
}
