package minheap

import (
	"slices"
	"testing"

	"lamport/core"
)

// TestHeapSortsLikeSlices: pushes, pops and top-key increases, at random,
// against a sorted slice.
func TestHeapSortsLikeSlices(t *testing.T) {
	rng := core.NewRNG(3, 0)
	type item struct{ key, id int }
	less := func(a, b *item) bool { return a.key < b.key || (a.key == b.key && a.id < b.id) }
	h := New(less)
	var ref []*item
	sortRef := func() {
		slices.SortFunc(ref, func(a, b *item) int {
			if less(a, b) {
				return -1
			}
			return 1
		})
	}
	for step := range 20000 {
		switch op := rng.Below(3); {
		case op == 0 || h.Len() == 0:
			x := &item{key: int(rng.Below(50)), id: step}
			h.Push(x)
			ref = append(ref, x)
		case op == 1:
			h.Top().key += int(rng.Below(20))
			h.FixTop()
			sortRef()
			// ref[0] may not be the top any more; the heap's top is
			// checked against the re-sorted slice below.
		default:
			sortRef()
			if h.Top() != ref[0] {
				t.Fatalf("step %d: top %+v, want %+v", step, *h.Top(), *ref[0])
			}
			h.PopTop()
			ref = ref[1:]
		}
		if h.Len() != len(ref) {
			t.Fatalf("step %d: %d items, want %d", step, h.Len(), len(ref))
		}
		if h.Len() > 0 {
			sortRef()
			if h.Top() != ref[0] {
				t.Fatalf("step %d: top %+v, want %+v", step, *h.Top(), *ref[0])
			}
		}
	}
}
