package core

// Event is the output of one tick. Every tick yields exactly one event.
type Event struct {
	// Index is the event's 1-based position in its machine's history.
	Index uint64
	// Tick is the 1-based number of the tick of the machine's schedule that
	// produced the event. Ticks a machine missed while it was down (a
	// restart's Fault.Missed) count too, so Tick >= Index, equal until the
	// first outage.
	Tick uint64
	Kind Kind
	// Die is the value drawn in 1..Params.Actions; 0 for a receive, which
	// draws nothing.
	Die int
	// Clock is the machine's Lamport clock after the event.
	Clock uint64
	// Queue is the queue length after the event: the messages left after
	// a receive took one, and always 0 for a send or internal event, which
	// happen only on an empty queue. The store keeps this number; what the
	// experiment logs, the length when the tick came, is QueueAtTick.
	Queue int
	// To lists a send's targets in peer order; nil otherwise. It may share
	// memory with the machine: read it, never write it.
	To []MachineID
	// FirstSeq is the sequence number of the message to To[0]; To[i] gets
	// FirstSeq+i. Zero unless Kind is KindSend.
	FirstSeq uint64
	// Msg is the received message. Zero unless Kind is KindRecv.
	Msg Message
}

// QueueAtTick is the queue length when the tick came, before the event:
// the figure the classic exercise logs on every receive. A receive took
// one message, so it is Queue+1; a send or internal event took none, so it
// is Queue (0). Every report, export and log line that says "queue" means
// this number; the messages left after the event are Queue.
func (e Event) QueueAtTick() int {
	if e.Kind == KindRecv {
		return e.Queue + 1
	}
	return e.Queue
}

// Sent lists the messages a send event produces, one per target, in order.
func (e Event) Sent(from MachineID) []Message {
	if e.Kind != KindSend {
		return nil
	}
	out := make([]Message, len(e.To))
	for i := range e.To {
		out[i] = e.Message(from, i)
	}
	return out
}

// Message is the message a send event produces for its i-th target,
// without building the whole list (the simulator's hot path).
func (e Event) Message(from MachineID, i int) Message {
	return Message{From: from, Seq: e.FirstSeq + uint64(i), Clock: e.Clock}
}
