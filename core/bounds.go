package core

import (
	"fmt"
	"math"
)

// MaxClock and MaxSeq bound the Lamport clock and the sequence number a
// message of any real run can carry. A message above either is forged or
// corrupt, and the edges that read messages from outside (the network)
// refuse it before it reaches a Machine.
//
// Why 2^53 is out of reach: the largest clock of a run grows by at most
// one per event (a receive sets max(clock, message clock)+1, and the
// message clock is at most the largest clock so far), and a sender's Seq
// grows by one per message it produces, each of which is handled one at a
// time. Reaching 2^53 (about 9.0e15) would take 28 years at 10 M events a
// second, faster than any driver (the simulator runs 5 to 7 M events a
// second, a live run far fewer), and a recording of that many events, at a
// byte or more each, would hold petabytes. 2^53 is also the largest integer a JSON number keeps
// exactly in JavaScript, so every value below it survives an export to
// ShiViz or a browser unchanged.
const (
	MaxClock uint64 = 1 << 53
	MaxSeq   uint64 = 1 << 53
)

// CheckMessageBounds reports a message whose clock or sequence number no
// real run can reach (see MaxClock).
func CheckMessageBounds(m Message) error {
	switch {
	case m.Clock > MaxClock:
		return fmt.Errorf("message %s: clock %d is above %d, more than any run can reach", m.ID(), m.Clock, MaxClock)
	case m.Seq > MaxSeq:
		return fmt.Errorf("message %s: sequence number %d is above %d, more than any run can reach", m.ID(), m.Seq, MaxSeq)
	}
	return nil
}

// nextClock is clock+1 saturated at math.MaxUint64: a clock never wraps
// to 0, which would put the machine's later events before its earlier
// ones. Only a message above MaxClock, which the network refuses, can
// bring a clock near the top.
func nextClock(clock uint64) uint64 {
	if clock == math.MaxUint64 {
		return clock
	}
	return clock + 1
}
