// Package scenario drives core machines from the commands of a datadriven
// test script and keeps the schedule they saw, for the tests of core and
// replay only. Every output is checked against an independent shadow of
// the model (shadow.go) before it is printed, so a script's expected
// output can only be rewritten to something the model's rules allow.
//
// Commands (ids are machine ids; every input takes one millisecond of the
// world's virtual time, so entries are ordered across machines):
//
//	machines ids=1,2,3 [seed=S] [actions=A] [min-rate=R] [max-rate=R]
//	tick ID[,ID...] [n=N]          each listed machine ticks, N rounds
//	arrive ID from=F [n=N]         the next N messages on link F->ID arrive
//	arrive ID from=F seq=Q clock=C a message the network never carried
//	lose ID from=F                 the next message on link F->ID is dropped
//	crash ID                       ID loses its queue and stops
//	restart ID [missed=N] [clock=kept|reset] [seq-skip=K]
//	net                            the messages in flight, per link
//	state                          every machine's clock, queue and counters
//	log ID                         machine ID's recorded schedule
package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"lamport/core"
	"lamport/internal/datadriven"
)

// World is the machines of one script, the network between them and the
// schedule each machine saw.
type World struct {
	IDs    []core.MachineID
	Params core.Params
	m      map[core.MachineID]*core.Machine
	sh     map[core.MachineID]*shadow
	down   map[core.MachineID]bool
	// links holds the messages in flight, first in first out per link.
	links map[[2]core.MachineID][]core.Message
	// Logs are each machine's entries, in the order it saw them.
	Logs map[core.MachineID][]core.Entry
	now  time.Duration
}

// Step is the virtual time each input takes.
const Step = time.Millisecond

// Do runs one directive of the model's commands; ok is false for a
// command it does not know.
func (w *World) Do(d *datadriven.Directive) (out string, ok bool, err error) {
	if d.Cmd != "machines" && w.m == nil {
		return "", true, fmt.Errorf("%s before machines", d.Cmd)
	}
	var b strings.Builder
	switch d.Cmd {
	case "machines":
		err = w.machines(d, &b)
	case "tick":
		err = w.tick(d, &b)
	case "arrive":
		err = w.arrive(d, &b)
	case "lose":
		err = w.lose(d, &b)
	case "crash":
		err = w.crash(d, &b)
	case "restart":
		err = w.restart(d, &b)
	case "net":
		w.net(&b)
	case "state":
		w.state(&b)
	case "log":
		err = w.log(d, &b)
	default:
		return "", false, nil
	}
	return b.String(), true, err
}

func (w *World) machines(d *datadriven.Directive, b *strings.Builder) error {
	ids, err := d.Uints("ids")
	if err != nil {
		return err
	}
	p := core.DefaultParams(0)
	for _, f := range []struct {
		key string
		dst *int
	}{{"actions", &p.Actions}, {"min-rate", &p.MinRate}, {"max-rate", &p.MaxRate}} {
		v, err := d.Uint(f.key, uint64(*f.dst))
		if err != nil {
			return err
		}
		*f.dst = int(v)
	}
	if p.Seed, err = d.Uint("seed", 1); err != nil {
		return err
	}
	*w = World{Params: p, m: map[core.MachineID]*core.Machine{}, sh: map[core.MachineID]*shadow{},
		down: map[core.MachineID]bool{}, links: map[[2]core.MachineID][]core.Message{}, Logs: map[core.MachineID][]core.Entry{}}
	for _, id := range ids {
		w.IDs = append(w.IDs, core.MachineID(id))
	}
	for _, id := range w.IDs {
		m, err := core.NewMachine(id, w.IDs, p)
		if err != nil {
			return err
		}
		s := newShadow(id, w.IDs, p)
		if m.Rate() != s.rate || !slices.Equal(m.Peers(), s.peers) {
			return fmt.Errorf("machine %d has rate %d and peers %v, the model's rules give %d and %v", id, m.Rate(), m.Peers(), s.rate, s.peers)
		}
		w.m[id], w.sh[id] = m, s
		fmt.Fprintf(b, "m%d rate=%d peers=%s\n", id, m.Rate(), idList(m.Peers()))
	}
	return nil
}

func (w *World) machine(d *datadriven.Directive, s string) (core.MachineID, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	id := core.MachineID(n)
	if err != nil || w.m[id] == nil {
		return 0, fmt.Errorf("%q is not a machine of this world", s)
	}
	return id, nil
}

// target is the directive's first argument, a machine id.
func (w *World) target(d *datadriven.Directive) (core.MachineID, error) {
	if len(d.Args) == 0 || d.Args[0].Vals != nil {
		return 0, fmt.Errorf("%s wants a machine id first", d.Cmd)
	}
	return w.machine(d, d.Args[0].Key)
}

func (w *World) add(id core.MachineID, e core.Entry) {
	w.now += Step
	e.At = w.now
	w.Logs[id] = append(w.Logs[id], e)
}

func (w *World) tick(d *datadriven.Directive, b *strings.Builder) error {
	if len(d.Args) == 0 || d.Args[0].Vals != nil {
		return fmt.Errorf("tick wants machine ids first")
	}
	var ids []core.MachineID
	for _, s := range strings.Split(d.Args[0].Key, ",") {
		id, err := w.machine(d, s)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	n, err := d.Uint("n", 1)
	if err != nil {
		return err
	}
	for range n {
		for _, id := range ids {
			if w.down[id] {
				return fmt.Errorf("machine %d is down and does not tick", id)
			}
			prevClock := w.m[id].Clock()
			want := w.sh[id].tick()
			ev := w.m[id].Tick()
			if err := checkEvent(id, prevClock, ev, want); err != nil {
				return err
			}
			w.add(id, core.Entry{Event: ev})
			for i, msg := range ev.Sent(id) {
				l := [2]core.MachineID{id, ev.To[i]}
				w.links[l] = append(w.links[l], msg)
			}
			fmt.Fprintf(b, "m%d %s\n", id, EventText(ev, id))
		}
	}
	return nil
}

// checkEvent holds ev, the event core produced, to the model's rules: the
// shadow's prediction, and the clock rules stated on their own.
func checkEvent(id core.MachineID, prev uint64, ev, want core.Event) error {
	switch ev.Kind {
	case core.KindRecv:
		if ev.Clock != satInc(max(prev, ev.Msg.Clock)) {
			return fmt.Errorf("machine %d receive: clock %d, want max(%d, %d)+1", id, ev.Clock, prev, ev.Msg.Clock)
		}
	case core.KindSend, core.KindInternal:
		if ev.Clock != satInc(prev) {
			return fmt.Errorf("machine %d %s: clock %d, want %d+1", id, ev.Kind, ev.Clock, prev)
		}
	}
	if !sameEvent(ev, want) {
		return fmt.Errorf("machine %d: core made %+v, the model's rules give %+v", id, ev, want)
	}
	return nil
}

func (w *World) arrive(d *datadriven.Directive, b *strings.Builder) error {
	id, err := w.target(d)
	if err != nil {
		return err
	}
	from, err := d.Uint("from", 0)
	if err != nil {
		return err
	}
	if _, err := w.machine(d, strconv.FormatUint(from, 10)); err != nil {
		return err
	}
	var msgs []core.Message
	if d.Has("clock") {
		// A message the network never carried: the receive rule for any
		// clock, however large.
		seq, err := d.Uint("seq", 1)
		if err != nil {
			return err
		}
		clock, err := d.Uint("clock", 0)
		if err != nil {
			return err
		}
		msgs = append(msgs, core.Message{From: core.MachineID(from), Seq: seq, Clock: clock})
	} else {
		n, err := d.Uint("n", 1)
		if err != nil {
			return err
		}
		l := [2]core.MachineID{core.MachineID(from), id}
		if uint64(len(w.links[l])) < n {
			return fmt.Errorf("link %d->%d carries %d messages, not %d", from, id, len(w.links[l]), n)
		}
		msgs = w.links[l][:n]
		w.links[l] = slices.Clone(w.links[l][n:])
	}
	for _, msg := range msgs {
		if w.down[id] {
			w.add(id, core.Entry{Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: id, Reason: core.LostDown}})
			fmt.Fprintf(b, "m%d is down: %s lost\n", id, msg.ID())
			continue
		}
		clock := w.m[id].Clock()
		w.m[id].Deliver(msg)
		w.sh[id].queue = append(w.sh[id].queue, msg)
		if got, want := w.m[id].QueueLen(), len(w.sh[id].queue); got != want || w.m[id].Clock() != clock {
			return fmt.Errorf("arrival at machine %d: queue %d clock %d, want queue %d and the clock unchanged at %d", id, got, w.m[id].Clock(), want, clock)
		}
		w.add(id, core.Entry{Arrival: true, Msg: msg})
		fmt.Fprintf(b, "m%d <- %s msg_clock=%d queue=%d clock=%d\n", id, msg.ID(), msg.Clock, w.m[id].QueueLen(), clock)
	}
	return nil
}

func (w *World) lose(d *datadriven.Directive, b *strings.Builder) error {
	id, err := w.target(d)
	if err != nil {
		return err
	}
	from, err := d.Uint("from", 0)
	if err != nil {
		return err
	}
	l := [2]core.MachineID{core.MachineID(from), id}
	if len(w.links[l]) == 0 {
		return fmt.Errorf("nothing in flight on link %d->%d", from, id)
	}
	msg := w.links[l][0]
	w.links[l] = slices.Clone(w.links[l][1:])
	// The sender's side decided it, so it is in the sender's log.
	w.add(msg.From, core.Entry{Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: id, Reason: core.LostDrop}})
	fmt.Fprintf(b, "%s to m%d lost (drop)\n", msg.ID(), id)
	return nil
}

func (w *World) crash(d *datadriven.Directive, b *strings.Builder) error {
	id, err := w.target(d)
	if err != nil {
		return err
	}
	if w.down[id] {
		return fmt.Errorf("machine %d is down already", id)
	}
	lost := w.sh[id].queue
	w.sh[id].queue = nil
	n := w.m[id].Crash()
	if n != len(lost) || w.m[id].QueueLen() != 0 {
		return fmt.Errorf("crash of machine %d lost %d messages and left %d, want %d and none", id, n, w.m[id].QueueLen(), len(lost))
	}
	w.down[id] = true
	w.add(id, core.Entry{Fault: core.Fault{Kind: core.FaultCrash, QueueLost: n}})
	var names []string
	for _, m := range lost {
		names = append(names, m.ID())
	}
	fmt.Fprintf(b, "m%d crash queue_lost=%d [%s] clock=%d\n", id, n, strings.Join(names, " "), w.m[id].Clock())
	return nil
}

func (w *World) restart(d *datadriven.Directive, b *strings.Builder) error {
	id, err := w.target(d)
	if err != nil {
		return err
	}
	if !w.down[id] {
		return fmt.Errorf("machine %d is not down", id)
	}
	missed, err := d.Uint("missed", 0)
	if err != nil {
		return err
	}
	skip, err := d.Uint("seq-skip", 0)
	if err != nil {
		return err
	}
	mode, err := d.Str("clock", "kept")
	if err != nil {
		return err
	}
	if mode != "kept" && mode != "reset" {
		return fmt.Errorf("clock=%s: want kept or reset", mode)
	}
	reset := mode == "reset"
	before := w.m[id].Clock()
	w.m[id].Restart(missed, reset, skip)
	s := w.sh[id]
	s.ticks += missed
	s.lastSeq += skip
	if reset {
		s.clock = 0
	}
	if w.m[id].Clock() != s.clock || w.m[id].Ticks() != s.ticks || w.m[id].LastSeq() != s.lastSeq {
		return fmt.Errorf("restart of machine %d: clock %d ticks %d last seq %d, want %d %d %d", id,
			w.m[id].Clock(), w.m[id].Ticks(), w.m[id].LastSeq(), s.clock, s.ticks, s.lastSeq)
	}
	w.down[id] = false
	w.add(id, core.Entry{Fault: core.Fault{Kind: core.FaultRestart, Missed: missed, ResetClock: reset, SeqSkip: skip}})
	fmt.Fprintf(b, "m%d restart missed=%d clock=%s seq_skip=%d: clock %d -> %d, ticks=%d last_seq=%d\n",
		id, missed, mode, skip, before, w.m[id].Clock(), w.m[id].Ticks(), w.m[id].LastSeq())
	return nil
}

func (w *World) net(b *strings.Builder) {
	var links [][2]core.MachineID
	for l, msgs := range w.links {
		if len(msgs) > 0 {
			links = append(links, l)
		}
	}
	slices.SortFunc(links, func(a, c [2]core.MachineID) int {
		if a[0] != c[0] {
			return int(a[0]) - int(c[0])
		}
		return int(a[1]) - int(c[1])
	})
	if len(links) == 0 {
		b.WriteString("nothing in flight\n")
	}
	for _, l := range links {
		var names []string
		for _, m := range w.links[l] {
			names = append(names, fmt.Sprintf("%s@%d", m.ID(), m.Clock))
		}
		fmt.Fprintf(b, "%d->%d: %s\n", l[0], l[1], strings.Join(names, " "))
	}
}

func (w *World) state(b *strings.Builder) {
	for _, id := range w.IDs {
		m := w.m[id]
		status := "up"
		if w.down[id] {
			status = "down"
		}
		fmt.Fprintf(b, "m%d %s clock=%d queue=%d ticks=%d events=%d last_seq=%d\n", id, status, m.Clock(), m.QueueLen(), m.Ticks(), m.Events(), m.LastSeq())
	}
}

func (w *World) log(d *datadriven.Directive, b *strings.Builder) error {
	id, err := w.target(d)
	if err != nil {
		return err
	}
	for i, e := range w.Logs[id] {
		fmt.Fprintf(b, "%d %s\n", i+1, EntryText(id, &e))
	}
	return nil
}

// EventText is a tick's output, every field: index, tick, kind, die,
// clock, the queue when the tick came (and left= after a receive), and
// the messages sent or taken.
func EventText(ev core.Event, self core.MachineID) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d tick=%d %s", ev.Index, ev.Tick, ev.Kind)
	if ev.Kind != core.KindRecv {
		fmt.Fprintf(&b, " die=%d", ev.Die)
	}
	fmt.Fprintf(&b, " clock=%d queue=%d", ev.Clock, ev.QueueAtTick())
	switch ev.Kind {
	case core.KindRecv:
		fmt.Fprintf(&b, " left=%d msg=%s msg_clock=%d", ev.Queue, ev.Msg.ID(), ev.Msg.Clock)
	case core.KindSend:
		var msgs []string
		for _, m := range ev.Sent(self) {
			msgs = append(msgs, m.ID())
		}
		fmt.Fprintf(&b, " to=%s msgs=%s", idList(ev.To), strings.Join(msgs, ","))
	case core.KindInternal:
		// No message taken or sent: nothing more to say.
	}
	return b.String()
}

// EntryText is one entry of a log.
func EntryText(self core.MachineID, e *core.Entry) string {
	switch {
	case e.Arrival:
		return fmt.Sprintf("arrival %s msg_clock=%d", e.Msg.ID(), e.Msg.Clock)
	case e.Fault.Kind != 0:
		f := e.Fault
		switch f.Kind {
		case core.FaultLost:
			return fmt.Sprintf("lost %s msg_clock=%d to=%d reason=%s", e.Msg.ID(), e.Msg.Clock, f.To, f.Reason)
		case core.FaultDup:
			return fmt.Sprintf("dup %s msg_clock=%d to=%d", e.Msg.ID(), e.Msg.Clock, f.To)
		case core.FaultCrash:
			return fmt.Sprintf("crash queue_lost=%d", f.QueueLost)
		case core.FaultRestart:
			return fmt.Sprintf("restart missed=%d reset=%v seq_skip=%d", f.Missed, f.ResetClock, f.SeqSkip)
		}
		return f.Kind.String()
	}
	return "tick " + EventText(e.Event, self)
}

func idList(ids []core.MachineID) string {
	var s []string
	for _, id := range ids {
		s = append(s, strconv.FormatUint(uint64(id), 10))
	}
	return strings.Join(s, ",")
}
