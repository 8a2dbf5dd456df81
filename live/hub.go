package live

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"lamport/core"
	"lamport/wire"
)

// hub is what the local machines of one process share: one TCP connection
// (wire's shared connection, Hello.Shared) from the process to its own
// lowest machine's listener, which carries every message from one local
// machine to another, each frame tagged with its target. One connection
// instead of one per ordered pair of machines is what lets 200 machines
// run in one process: they need a few hundred file descriptors, not
// 80 000. Each (sender, target) pair stays FIFO, since all its messages go
// through the link's one queue into one ordered stream, and the one
// reading goroutine delivers them in that order. Messages to machines of
// other processes keep their per-machine links.
type hub struct {
	// nodes are the local machines by id; fixed before anything is served.
	nodes map[core.MachineID]*node
	// trunk is the shared connection; nil with fewer than two local
	// machines, or before connect.
	trunk *wire.Link
	// sent counts messages handed to trunk, delivered those its reading
	// side routed to their target; at the end the run waits for them to
	// meet, so nothing sent within the process is left in flight.
	sent, delivered atomic.Uint64
}

func newHub(nodes []*node) *hub {
	h := &hub{nodes: make(map[core.MachineID]*node, len(nodes))}
	for _, n := range nodes {
		h.nodes[n.self] = n
		n.hub = h
	}
	return h
}

// shares reports whether messages between local machines go over a
// shared connection.
func (h *hub) shares() bool { return len(h.nodes) > 1 }

// trunkHello is the hello of the shared connection: from the process's
// lowest machine to that machine's own listener.
func (h *hub) trunkHello(first *node) wire.Hello {
	return wire.Hello{Version: wire.ProtocolVersion, RunID: first.runID, From: first.self, To: first.self,
		Fingerprint: first.fingerprint, Shared: true}
}

// route is the wire.Server's Route for the shared connection: a message
// must come from a machine of this process and go to another one.
func (h *hub) route(to core.MachineID, m core.Message) error {
	n := h.nodes[to]
	switch {
	case h.nodes[m.From] == nil:
		return fmt.Errorf("message %s on a shared connection: machine %d does not run in this process", m.ID(), m.From)
	case n == nil:
		return wire.Refuse(wire.ReasonBadMessage, fmt.Errorf("message %s on a shared connection for machine %d, which does not run in this process", m.ID(), to))
	case to == m.From:
		return wire.Refuse(wire.ReasonBadMessage, fmt.Errorf("message %s on a shared connection from machine %d to itself", m.ID(), to))
	}
	n.arrive(m.From, m)
	h.delivered.Add(1)
	return nil
}

// send hands msg to the shared connection.
func (h *hub) send(to core.MachineID, msg core.Message) error {
	if err := h.trunk.SendTo(to, msg); err != nil {
		return err
	}
	h.sent.Add(1)
	return nil
}

// close sends what the shared connection holds, waiting at most timeout,
// then waits (within the same timeout) until its reading side has
// delivered every message that was written.
func (h *hub) close(timeout time.Duration) error {
	if h.trunk == nil {
		return nil
	}
	deadline := time.Now().Add(timeout)
	err := h.trunk.Close(timeout)
	if err != nil {
		err = fmt.Errorf("shared connection: %w", err)
	}
	want := h.sent.Load() - uint64(len(h.trunk.UndeliveredTo()))
	for h.delivered.Load() < want {
		if time.Now().After(deadline) {
			return errors.Join(err, fmt.Errorf("shared connection: %d of %d messages written were not read back within %v", want-h.delivered.Load(), want, timeout))
		}
		time.Sleep(2 * time.Millisecond)
	}
	return err
}
