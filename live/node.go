package live

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/wire"
)

// node is one machine of a live run: the core model plus its listener, its
// outbound links, its log file and its share of the recorder.
type node struct {
	self        core.MachineID
	runID       string
	fingerprint string
	clock       core.Clock
	rec         *record.Recorder
	server      *wire.Server
	// start is the origin of every recorded offset (it carries Go's
	// monotonic reading, so offsets ignore wall-clock steps).
	start time.Time

	// mu serialises the machine's inputs. An arrival is queued and
	// recorded under it, so the recorded order is the order the machine saw.
	mu      sync.Mutex
	machine *core.Machine
	// open is true until the node stops recording arrivals.
	open bool

	// links, to peers in other processes, is filled before the first tick
	// and only read afterwards. Messages to peers in this process go over
	// hub's shared connection.
	links map[core.MachineID]*wire.Link
	hub   *hub

	// log is the machine's log file, nil without one; logPath names it.
	log     *machineLog
	logPath string

	// Send-side faults (run --drop, --partition, --delay). faultRNG is
	// drawn under mu; delayer, set with the links when delay is, holds
	// messages for their delay; fates belongs to the tick goroutine.
	faults   core.Faults
	faultRNG core.RNG
	delay    core.Latency
	delayer  *delayer
	fates    []sendFate

	// A machine restarted into its run (Spec.Resume) ticks its schedule
	// from resumeBegin, starting with tick firstTick.
	resumeBegin time.Time
	firstTick   int64
	// restart holds the crash and restart entries of a rejoin until the
	// machine's first input, under mu, so they precede everything it sees
	// after coming back, and a rejoin that sees nothing records nothing.
	restart []core.Entry

	// maxLate is the worst tick lateness seen; tick goroutine only.
	maxLate time.Duration
	// ticks mirrors machine.Ticks() for readers outside the lock.
	ticks atomic.Uint64
}

func newNode(self core.MachineID, ids []core.MachineID, p core.Params, runID, fingerprint string, clock core.Clock, start time.Time) (*node, error) {
	m, err := core.NewMachine(self, ids, p)
	if err != nil {
		return nil, fmt.Errorf("machine %d: %w", self, err)
	}
	return &node{
		self: self, runID: runID, fingerprint: fingerprint, clock: clock, start: start,
		machine: m, open: true, links: map[core.MachineID]*wire.Link{},
	}, nil
}

// openLog opens the machine's log file of the run under dir and writes its
// header. A fresh run creates the file and refuses one that exists: it
// belongs to an earlier run of the same id, which this one must not
// overwrite. A machine rejoining its run appends to its own file.
// Its lines then go through w, in batches.
func (n *node) openLog(w *logWriter, dir string, header []byte, rejoin bool) error {
	if dir == "" {
		return nil
	}
	path := LogPath(dir, n.runID, n.self)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if rejoin {
		flags = os.O_RDWR | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("machine %d log %s exists already: an earlier run with the id %s wrote it; move it away or choose another run id", n.self, path, n.runID)
	}
	if err != nil {
		return fmt.Errorf("machine %d log: %w", n.self, err)
	}
	// A new file starts with the header; a rejoin appends below its own,
	// after the last whole line its killed process wrote.
	if rejoin {
		err = cutTornLine(f)
	}
	if st, statErr := f.Stat(); err == nil && statErr != nil {
		err = statErr
	} else if err == nil && st.Size() == 0 {
		_, err = f.Write(header)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("machine %d log: %w", n.self, err)
	}
	n.log, n.logPath = w.open(f), path
	return nil
}

// checkHello admits only peers of this very run. The server has already
// checked the protocol version and the secret; the reasons name what the
// run's metadata counts the refusal under.
func (n *node) checkHello(h wire.Hello) error {
	switch {
	case h.RunID != n.runID:
		return wire.Refuse(wire.ReasonWrongRun, fmt.Errorf("run %q, this machine is in run %q", h.RunID, n.runID))
	case h.Fingerprint != n.fingerprint:
		return wire.Refuse(wire.ReasonWrongConfig, fmt.Errorf("config fingerprint %s, this run's is %s (a different config.json or parameters)", h.Fingerprint, n.fingerprint))
	case h.To != n.self:
		return wire.Refuse(wire.ReasonWrongTarget, fmt.Errorf("hello for machine %d reached machine %d", h.To, n.self))
	case h.Shared && n.hub.nodes[h.From] == nil:
		return wire.Refuse(wire.ReasonUnknownPeer, fmt.Errorf("a shared connection of machine %d, which does not run in this process", h.From))
	case h.Shared && h.From != n.self:
		return wire.Refuse(wire.ReasonUnknownPeer, fmt.Errorf("a shared connection of machine %d; this process's comes from machine %d", h.From, n.self))
	case h.Shared:
		return nil
	case n.hub.nodes[h.From] != nil:
		// Its messages come over the process's shared connection, so a
		// plain connection claiming to be it is an impostor.
		return wire.Refuse(wire.ReasonDuplicate, fmt.Errorf("machine %d is already connected: it runs in this process", h.From))
	}
	for _, p := range n.machine.Peers() {
		if p == h.From {
			return nil
		}
	}
	return wire.Refuse(wire.ReasonUnknownPeer, fmt.Errorf("machine %d is not a peer of machine %d in this run", h.From, n.self))
}

// arrive is the arrival input. It may run on several connection goroutines
// at once; the lock makes the queue order and the recorded order one.
func (n *node) arrive(_ core.MachineID, msg core.Message) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.open {
		return
	}
	n.recordRestart()
	n.machine.Deliver(msg)
	n.rec.Append(n.self, core.Entry{At: n.clock.Now().Sub(n.start), Arrival: true, Msg: msg})
}

// tick is the tick input. The event is recorded before its messages go on
// the network, so no recorded arrival can lack its recorded send.
func (n *node) tick() {
	n.mu.Lock()
	n.recordRestart()
	ev := n.machine.Tick()
	at := n.clock.Now().Sub(n.start)
	n.rec.Append(n.self, core.Entry{At: at, Event: ev})
	sent := ev.Sent(n.self)
	n.fates = n.decideFates(ev, sent, at, n.fates)
	n.mu.Unlock()
	n.ticks.Add(1)

	if n.log != nil {
		n.log.add(n.start.Add(at), n.self, ev)
	}
	for i, msg := range sent {
		if n.fates[i] == fateLost {
			continue
		}
		if n.delayer != nil {
			n.delayer.push(ev.To[i], msg, n.delay.Draw(&n.faultRNG))
			continue
		}
		// Send fails only after Close, which happens after the last tick.
		if err := n.send(ev.To[i], msg); err != nil {
			panic(fmt.Sprintf("live: send on a closed link from %d to %d: %v", n.self, ev.To[i], err))
		}
	}
}

// send hands msg to the link to machine to: its own link if it runs in
// another process, the shared connection if it runs in this one.
func (n *node) send(to core.MachineID, msg core.Message) error {
	if l := n.links[to]; l != nil {
		return l.Send(msg)
	}
	return n.hub.send(to, msg)
}

// recordRestart records a rejoin's crash and restart, once; n.mu held.
func (n *node) recordRestart() {
	for _, e := range n.restart {
		n.rec.Append(n.self, e)
	}
	n.restart = nil
}

// tickLoop ticks at rate*speed per second from begin until until (zero:
// until ctx ends). Tick k is due at begin + k*interval; a late tick is
// taken at once rather than skipped, so the count of ticks follows the rate.
func (n *node) tickLoop(ctx context.Context, speed float64, begin, until time.Time) {
	interval := tickInterval(n.machine.Rate(), speed)
	for k := max(n.firstTick, 1); ; k++ {
		if time.Duration(k) > math.MaxInt64/interval {
			// Tick k falls past what a Duration reaches (an interval of
			// years): no tick is left before any representable end.
			if until.IsZero() {
				<-ctx.Done()
			}
			return
		}
		due := begin.Add(time.Duration(k) * interval)
		if !until.IsZero() && due.After(until) {
			return
		}
		if !waitUntil(ctx, n.clock, due, interval < fineSleepInterval) {
			return
		}
		n.maxLate = max(n.maxLate, n.clock.Now().Sub(due))
		n.tick()
	}
}

// stopRecording ends the node's schedule: later arrivals are dropped.
func (n *node) stopRecording() {
	n.mu.Lock()
	n.open = false
	n.mu.Unlock()
}

// closeLog writes the lines still pending and closes the log file, once;
// it reports the first write that failed during the run.
func (n *node) closeLog() error {
	if n.log == nil {
		return nil
	}
	err := n.log.close()
	n.log = nil
	if err != nil {
		return fmt.Errorf("machine %d log: %w", n.self, err)
	}
	return nil
}
