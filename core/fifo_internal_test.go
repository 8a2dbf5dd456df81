package core

import "testing"

// TestFIFOAgainstSlice pushes and pops at random against a plain slice,
// through block boundaries, long growth and draining to empty.
func TestFIFOAgainstSlice(t *testing.T) {
	r := NewRNG(1, 1)
	var q fifo
	var model []Message
	seq := uint64(0)
	for step := range 200_000 {
		// Phases that mostly grow, then mostly drain.
		pushP := uint64(3)
		if step/20_000%2 == 1 {
			pushP = 1
		}
		if r.Below(4) < pushP || len(model) == 0 {
			seq++
			// Every bit of every field: the queue keeps messages packed.
			m := Message{From: MachineID(r.Uint64()), Seq: seq<<32 | seq, Clock: r.Uint64()}
			q.push(m)
			model = append(model, m)
		} else {
			got := q.pop()
			if got != model[0] {
				t.Fatalf("step %d: popped %+v, want %+v", step, got, model[0])
			}
			model = model[1:]
		}
		if q.len() != len(model) {
			t.Fatalf("step %d: len %d, want %d", step, q.len(), len(model))
		}
	}
}
