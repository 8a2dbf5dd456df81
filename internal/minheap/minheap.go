// Package minheap is a binary min-heap for merging sorted streams: the
// readers that walk a run's machines in time order keep one head per
// machine in it, so a step costs log(machines) rather than machines.
package minheap

// Heap holds items ordered by Less; ties keep no particular order, so
// Less must break them (by machine id, say) when order matters.
type Heap[T any] struct {
	items []T
	less  func(a, b T) bool
}

// New returns an empty heap ordered by less.
func New[T any](less func(a, b T) bool) *Heap[T] { return &Heap[T]{less: less} }

func (h *Heap[T]) Len() int { return len(h.items) }

// Top is the least item; the heap must not be empty.
func (h *Heap[T]) Top() T { return h.items[0] }

// Push adds x.
func (h *Heap[T]) Push(x T) {
	h.items = append(h.items, x)
	for i := len(h.items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h.less(h.items[i], h.items[parent]) {
			return
		}
		h.items[i], h.items[parent] = h.items[parent], h.items[i]
		i = parent
	}
}

// FixTop restores the order after the top item's key grew.
func (h *Heap[T]) FixTop() {
	items := h.items
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(items) && h.less(items[l], items[m]) {
			m = l
		}
		if r := l + 1; r < len(items) && h.less(items[r], items[m]) {
			m = r
		}
		if m == i {
			return
		}
		items[i], items[m] = items[m], items[i]
		i = m
	}
}

// PopTop removes the least item.
func (h *Heap[T]) PopTop() {
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	h.FixTop()
}
