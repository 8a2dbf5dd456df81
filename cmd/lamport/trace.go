package main

import (
	"fmt"
	"strconv"

	"lamport/core"
	"lamport/replay"
)

// recordedTick lets the trace reuse the timeline's index filter.
func recordedTick(s replay.TraceStep) core.Entry {
	return core.Entry{At: s.At, Event: s.Recorded}
}

// appendTraceLine is one --trace line: machine, index, tick, seconds since
// the start, the replayed event, and the recorded one when they differ.
func appendTraceLine(b []byte, s replay.TraceStep) []byte {
	b = append(b, 'm')
	b = strconv.AppendUint(b, uint64(s.Machine), 10)
	b = fmt.Appendf(b, " #%-5d tick %-5d %12.6fs  ", s.Replayed.Index, s.Replayed.Tick, s.At.Seconds())
	b = s.Replayed.AppendDetails(b, s.Machine)
	if !s.Same {
		b = append(b, "   <- recorded: "...)
		b = s.Recorded.AppendDetails(b, s.Machine)
	}
	return append(b, '\n')
}
