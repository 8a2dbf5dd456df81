#!/usr/bin/env python3
"""Reference vectors for core's random stream, computed independently of
the Go code from the description in docs/MODEL.md ("The random stream").

Run: python3 core/testdata/rng_vectors.py
Its output is pasted into core/rngvectors_test.go; if the Go code and this
script ever disagree, one of them departs from the documented stream, and
every recording made before would stop replaying.
"""

M = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


class Stream:
    def __init__(self, seed, mid):
        # state = mix64(seed XOR mix64(id + golden))
        self.state = mix64(seed ^ mix64((mid + GOLDEN) & M))

    def draw(self):
        # state = state + golden; return mix64(state)
        self.state = (self.state + GOLDEN) & M
        return mix64(self.state)

    def below(self, n):
        # Lemire: x*n as 128 bits; draw again while low64 < (2^64 - n) mod n.
        threshold = ((1 << 64) - n) % n
        while True:
            p = self.draw() * n
            if (p & M) >= threshold:
                return p >> 64

    def between(self, lo, hi):
        return lo + self.below(hi - lo + 1)


PAIRS = [
    (0, 1),
    (1, 1),
    (7, 1),
    (7, 4),
    (42, 3),
    (12345678901234567890, 100),
    ((1 << 64) - 1, (1 << 32) - 1),
]

print("// seed, id, MachineSeed, first Uint64, rate Between(1,6), die Between(1,10) after it, Below(2^63+1) after that")
for seed, mid in PAIRS:
    s = Stream(seed, mid)
    start = s.state
    first = Stream(seed, mid).draw()
    rate = s.between(1, 6)
    die = s.between(1, 10)
    wide = s.below((1 << 63) + 1)
    print("{%d, %d, %#018x, %#018x, %d, %d, %#018x}," % (seed, mid, start, first, rate, die, wide))
