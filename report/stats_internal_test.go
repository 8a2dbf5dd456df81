package report

import (
	"math"
	"reflect"
	"testing"
)

func TestBucketOf(t *testing.T) {
	for _, c := range []struct{ v, lo, hi uint64 }{
		{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 3, 4}, {4, 3, 4}, {5, 5, 8}, {8, 5, 8}, {9, 9, 16}, {16, 9, 16},
		{17, 17, 32}, {1 << 40, 1<<39 + 1, 1 << 40}, {1<<40 + 1, 1<<40 + 1, 1 << 41},
		{1<<63 + 1, 1<<63 + 1, math.MaxUint64}, {math.MaxUint64, 1<<63 + 1, math.MaxUint64},
	} {
		if lo, hi := bucketOf(c.v); lo != c.lo || hi != c.hi {
			t.Errorf("bucketOf(%d) = %d-%d, want %d-%d", c.v, lo, hi, c.lo, c.hi)
		}
	}
}

func TestDistExactPercentilesAndHistogram(t *testing.T) {
	var d dist
	// 1..100 once each, plus values only the sparse part holds.
	for v := uint64(1); v <= 100; v++ {
		d.add(v)
	}
	d.add(5000)
	d.add(5000)
	d.add(math.MaxUint64 - 1)
	// n = 103: nearest ranks 52, 93, 102, 103, and 1 for p=0.1.
	got := d.percentiles(50, 90, 99, 100, 0.1)
	if want := []uint64{52, 93, 5000, math.MaxUint64 - 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("percentiles %v, want %v", got, want)
	}
	if d.max != math.MaxUint64-1 || d.n != 103 {
		t.Errorf("max %d n %d", d.max, d.n)
	}
	wantHist := []Bucket{{1, 1, 1}, {2, 2, 1}, {3, 4, 2}, {5, 8, 4}, {9, 16, 8}, {17, 32, 16}, {33, 64, 32}, {65, 128, 36},
		{4097, 8192, 2}, {1<<63 + 1, math.MaxUint64, 1}}
	if h := d.histogram(); !reflect.DeepEqual(h, wantHist) {
		t.Errorf("histogram\n %v, want\n %v", h, wantHist)
	}
	var empty dist
	if p := empty.percentiles(50, 99); p[0] != 0 || p[1] != 0 || empty.mean() != 0 || empty.histogram() != nil {
		t.Errorf("empty dist: percentiles %v mean %v", p, empty.mean())
	}
}

// A dist's memory is bounded by its distinct values, not by how many it
// counted.
func TestDistMemoryIsBoundedByDistinctValues(t *testing.T) {
	var d dist
	for i := range 1_000_000 {
		d.add(uint64(i%7) + 1)
		d.add(uint64(i%3) * 10_000)
	}
	if len(d.small) > 8 || len(d.big) != 2 || d.n != 2_000_000 {
		t.Errorf("dense %d, sparse %d entries for 10 distinct values", len(d.small), len(d.big))
	}
	// Sorted: 333 334 zeros, then about 142 857 of each of 1..7: rank
	// 1 000 000 falls among the 5s.
	if p := d.percentiles(50); p[0] != 5 {
		t.Errorf("p50 %d, want 5", p[0])
	}
}

func TestRegressionSlope(t *testing.T) {
	var r regression
	if r.slope() != 0 {
		t.Error("slope of no points")
	}
	r.add(3, 10)
	r.add(3, 20)
	if r.slope() != 0 {
		t.Error("slope of one distinct x")
	}
	// y = 5 + 2.5 x, far from the origin, plus symmetric noise.
	var l regression
	for i := range 100_000 {
		x := 1e6 + float64(i)*0.01
		noise := float64(i%2*2-1) * 0.5
		l.add(x, 5+2.5*x+noise)
	}
	if s := l.slope(); math.Abs(s-2.5) > 1e-6 {
		t.Errorf("slope %v, want 2.5", s)
	}
}
