package replay

import "lamport/core"

// Latency is the simulator's per-message network delay distribution,
// core.Latency (live runs draw their injected delays from it too).
type Latency = core.Latency

// DefaultLatency is what sim uses without --latency.
const DefaultLatency = "exp:1ms"

// ParseLatency reads "constant:D", "uniform:A-B" or "exp:MEAN"; see
// core.ParseLatency.
func ParseLatency(s string) (Latency, error) { return core.ParseLatency(s) }
