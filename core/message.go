package core

import (
	"fmt"
	"strconv"
	"strings"
)

// MachineID names a machine of a run. Valid ids are positive.
type MachineID uint32

// Message is what one machine sends another: the sender, the sender's own
// message sequence number and the sender's Lamport clock at the send.
//
// Seq counts every message the sender has produced, across all targets,
// starting at 1, so (From, Seq) identifies a message within a run.
type Message struct {
	From  MachineID
	Seq   uint64
	Clock uint64
}

// ID is the message's run-wide name, "<sender>:<seq>".
func (m Message) ID() string {
	return strconv.FormatUint(uint64(m.From), 10) + ":" + strconv.FormatUint(m.Seq, 10)
}

// ParseMessageID reads a "<sender>:<seq>" name back.
func ParseMessageID(s string) (from MachineID, seq uint64, err error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("message id %q: want <sender>:<seq>", s)
	}
	f, err := strconv.ParseUint(a, 10, 32)
	if err != nil || f == 0 {
		return 0, 0, fmt.Errorf("message id %q: bad sender", s)
	}
	q, err := strconv.ParseUint(b, 10, 64)
	if err != nil || q == 0 {
		return 0, 0, fmt.Errorf("message id %q: bad sequence", s)
	}
	return MachineID(f), q, nil
}
