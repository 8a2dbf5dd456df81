package report

import (
	"math"
	"math/bits"
	"slices"
)

// dist is the exact distribution of a stream of non-negative integers: a
// count per distinct value. Its memory grows with the number of distinct
// values, never with the length of the stream, so percentiles are exact
// without keeping the stream.
type dist struct {
	// small[v] counts value v for v < distSmall; big counts the rest.
	small []uint64
	big   map[uint64]uint64
	n     uint64
	sum   float64
	max   uint64
}

// distSmall bounds the dense part of a dist: clock jumps and queue lengths
// are almost always small, and a slice index is cheaper than a map.
const distSmall = 1024

func (d *dist) add(v uint64) {
	d.n++
	d.sum += float64(v)
	d.max = max(d.max, v)
	if v < distSmall {
		if v >= uint64(len(d.small)) {
			d.small = slices.Grow(d.small, int(v)+1-len(d.small))[:v+1]
		}
		d.small[v]++
		return
	}
	if d.big == nil {
		d.big = map[uint64]uint64{}
	}
	d.big[v]++
}

// mean is the mean value, 0 for an empty stream.
func (d *dist) mean() float64 {
	if d.n == 0 {
		return 0
	}
	return d.sum / float64(d.n)
}

// values calls fn with each distinct value and its count, ascending.
func (d *dist) values(fn func(v, count uint64)) {
	for v, c := range d.small {
		if c > 0 {
			fn(uint64(v), c)
		}
	}
	if len(d.big) == 0 {
		return
	}
	keys := make([]uint64, 0, len(d.big))
	for v := range d.big {
		keys = append(keys, v)
	}
	slices.Sort(keys)
	for _, v := range keys {
		fn(v, d.big[v])
	}
}

// percentiles returns the exact nearest-rank percentiles of ps (each in
// (0, 100]), in order: the p-th percentile is the smallest value v such
// that at least ceil(p/100 * n) of the n values are <= v. An empty stream
// gives zeros.
func (d *dist) percentiles(ps ...float64) []uint64 {
	out := make([]uint64, len(ps))
	if d.n == 0 {
		return out
	}
	ranks := make([]uint64, len(ps))
	for i, p := range ps {
		r := uint64(math.Ceil(p / 100 * float64(d.n)))
		ranks[i] = min(max(r, 1), d.n)
	}
	var seen uint64
	d.values(func(v, c uint64) {
		prev := seen
		seen += c
		for i, r := range ranks {
			if r > prev && r <= seen {
				out[i] = v
			}
		}
	})
	return out
}

// Bucket is one bar of a histogram: Count values in [Lo, Hi].
type Bucket struct {
	Lo    uint64 `json:"lo"`
	Hi    uint64 `json:"hi"`
	Count uint64 `json:"count"`
}

// bucketOf is the histogram bucket of v: 0 and 1 and 2 alone, then powers
// of two, (2^(k-1), 2^k]: 3-4, 5-8, 9-16, ...
func bucketOf(v uint64) (lo, hi uint64) {
	if v <= 2 {
		return v, v
	}
	k := bits.Len64(v - 1) // 2^(k-1) < v <= 2^k
	if k == 64 {
		return 1<<63 + 1, math.MaxUint64
	}
	return 1<<(k-1) + 1, 1 << k
}

// histogram buckets the distribution (bucketOf), omitting empty buckets.
func (d *dist) histogram() []Bucket {
	var out []Bucket
	d.values(func(v, c uint64) {
		lo, hi := bucketOf(v)
		if n := len(out); n > 0 && out[n-1].Lo == lo {
			out[n-1].Count += c
			return
		}
		out = append(out, Bucket{Lo: lo, Hi: hi, Count: c})
	})
	return out
}

// regression keeps the running sums of a least-squares line y = a + b*x,
// updated one point at a time in the numerically stable form (Welford):
// means and co-moments rather than raw sums of squares.
type regression struct {
	n      float64
	mx, my float64
	sxx    float64 // sum of (x - mean x)^2
	sxy    float64 // sum of (x - mean x)(y - mean y)
}

func (r *regression) add(x, y float64) {
	r.n++
	dx := x - r.mx
	r.mx += dx / r.n
	r.my += (y - r.my) / r.n
	r.sxx += dx * (x - r.mx)
	r.sxy += dx * (y - r.my)
}

// slope is b, or 0 with fewer than two distinct x.
func (r *regression) slope() float64 {
	if r.sxx <= 0 {
		return 0
	}
	return r.sxy / r.sxx
}
