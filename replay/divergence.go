package replay

import (
	"time"

	"lamport/core"
)

// Divergence is a place where the replay's outputs depart from the
// recording's.
type Divergence struct {
	Machine core.MachineID
	// Index is the event index on Machine (for a stalled arrival, the index
	// the next event would have had; 0 for the tick rate, drawn before any
	// event).
	Index uint64
	Tick  uint64
	// At is the recorded offset, Wall the recorded wall time.
	At   time.Duration
	Wall time.Time
	// Reason says in words what differs.
	Reason string
	// Recorded and Replayed are the two versions of the event; nil for a
	// divergence that is not about one tick (a message never produced).
	Recorded, Replayed *core.Event
	// Message is the message involved, if any.
	Message *core.Message
	// Recent are the recorded events just before it on Machine, oldest first.
	Recent []core.Event
}

// before orders divergences by recorded wall time, then machine id.
func (d *Divergence) before(o *Divergence) bool {
	if !d.Wall.Equal(o.Wall) {
		return d.Wall.Before(o.Wall)
	}
	return d.Machine < o.Machine
}
