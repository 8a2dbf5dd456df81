package record

import (
	"testing"

	"lamport/core"
)

// TestMsgRingIsAFIFO: random pushes, pops and clears, against a slice,
// with limits it must stay within while asked to hold no more, and a
// limit below what it holds, which it must grow past.
func TestMsgRingIsAFIFO(t *testing.T) {
	for _, limit := range []int{0, 20, 104, 1 << 20} {
		testMsgRing(t, limit)
	}
}

func testMsgRing(t *testing.T, limit int) {
	rng := core.NewRNG(9, core.MachineID(limit))
	var r msgRing
	var ref []core.Message
	peak := 0
	for i := range 50000 {
		switch op := rng.Below(100); {
		case op < 55:
			m := core.Message{From: core.MachineID(i), Seq: uint64(i)}
			r.push(m, limit)
			ref = append(ref, m)
			peak = max(peak, len(ref))
			if peak <= limit && len(r.buf) > max(limit, 16) {
				t.Fatalf("limit %d: holding at most %d, the ring grew to %d", limit, peak, len(r.buf))
			}
		case op < 99 && len(ref) > 0:
			r.pop()
			ref = ref[1:]
		case op == 99:
			r.clear()
			ref = ref[:0]
		}
		got, ok := r.front()
		if r.len() != len(ref) || ok != (len(ref) > 0) || (ok && got != ref[0]) {
			t.Fatalf("limit %d step %d: len %d front %v %v; want len %d, %v", limit, i, r.len(), got, ok, len(ref), ref[:min(1, len(ref))])
		}
	}
}
