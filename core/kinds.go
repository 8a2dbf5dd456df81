package core

import "fmt"

// Every kind the schedule names, each with its one table of names. Valid,
// String and the Kinds lists come from these tables, so a new kind is one
// constant and one name here; the linter's exhaustive check then names
// every switch that does not handle it yet.

// Kind is what a machine did on a tick.
type Kind uint8

const (
	// KindRecv: the machine took one message off its queue.
	KindRecv Kind = iota + 1
	// KindSend: the machine sent one message to each machine in Event.To.
	KindSend
	// KindInternal: the machine did an internal event.
	KindInternal
)

var kindNames = [...]string{KindRecv: "recv", KindSend: "send", KindInternal: "internal"}

// Kinds lists every event kind in order.
func Kinds() []Kind { return kindsOf[Kind](len(kindNames)) }

// Valid reports whether k is a kind this version knows.
func (k Kind) Valid() bool { return named(kindNames[:], k) }

func (k Kind) String() string { return nameOf(kindNames[:], k, "kind") }

// FaultKind says what a fault entry records.
type FaultKind uint8

const (
	// FaultLost: message Msg, sent to machine Fault.To, never arrives, for
	// Fault.Reason. It is in the sender's log after the send when the
	// sender's side decided it (drop, partition, a failed send), in the
	// receiver's log at the time it would have arrived when the receiver
	// was down.
	FaultLost FaultKind = iota + 1
	// FaultDup: the network will deliver message Msg to Fault.To twice. It
	// is in the sender's log after the send, so replay expects the second
	// arrival.
	FaultDup
	// FaultCrash: the machine crashed and lost Fault.QueueLost queued
	// messages (the model's output, which replay checks). It does not tick
	// until its FaultRestart.
	FaultCrash
	// FaultRestart: the machine came back after Fault.Missed ticks of its
	// schedule, with its clock reset to 0 if Fault.ResetClock, its message
	// numbers moved on by Fault.SeqSkip past any it may have sent without
	// recording them.
	FaultRestart
)

var faultKindNames = [...]string{FaultLost: "lost", FaultDup: "dup", FaultCrash: "crash", FaultRestart: "restart"}

// FaultKinds lists every fault kind in order.
func FaultKinds() []FaultKind { return kindsOf[FaultKind](len(faultKindNames)) }

// Valid reports whether k is a fault kind this version knows.
func (k FaultKind) Valid() bool { return named(faultKindNames[:], k) }

func (k FaultKind) String() string { return nameOf(faultKindNames[:], k, "fault") }

// LostReason is why a message was lost.
type LostReason uint8

const (
	// LostDrop: the fault model dropped it (--drop).
	LostDrop LostReason = iota + 1
	// LostPartition: its link was cut (--partition).
	LostPartition
	// LostDown: its receiver was down, or the send to it failed.
	LostDown
)

var lostReasonNames = [...]string{LostDrop: "drop", LostPartition: "partition", LostDown: "down"}

// Valid reports whether r is a reason this version knows.
func (r LostReason) Valid() bool { return named(lostReasonNames[:], r) }

func (r LostReason) String() string { return nameOf(lostReasonNames[:], r, "reason") }

// kindsOf lists 1..n-1 as T: the kinds of a name table whose index 0 is
// unused.
func kindsOf[T ~uint8](n int) []T {
	out := make([]T, 0, n-1)
	for k := 1; k < n; k++ {
		out = append(out, T(k))
	}
	return out
}

// named reports whether k has a name in names, whose index 0 is unused.
func named[T ~uint8](names []string, k T) bool { return k > 0 && int(k) < len(names) }

// nameOf is k's name in names, or what(number) for a kind this version
// does not know, so an unknown kind read from a store still prints.
func nameOf[T ~uint8](names []string, k T, what string) string {
	if named(names, k) {
		return names[k]
	}
	return fmt.Sprintf("%s(%d)", what, uint8(k))
}
