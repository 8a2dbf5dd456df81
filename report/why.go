package report

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"lamport/core"
	"lamport/record"
)

// EventRef names one event of a run: machine Machine's Index-th event,
// written m2#45.
type EventRef struct {
	Machine core.MachineID
	Index   uint64
}

func (e EventRef) String() string { return fmt.Sprintf("m%d#%d", e.Machine, e.Index) }

// ErrBadEventName is returned by ParseEventRef.
var ErrBadEventName = errors.New("name events like m2#45: machine 2's 45th event (events count from 1, as lamport show numbers them)")

// ParseEventRef reads an event name: m<machine>#<index>, both positive.
func ParseEventRef(s string) (EventRef, error) {
	m, idx, ok := strings.Cut(strings.TrimPrefix(s, "m"), "#")
	if !ok || !strings.HasPrefix(s, "m") {
		return EventRef{}, fmt.Errorf("event %q: %w", s, ErrBadEventName)
	}
	id, err1 := strconv.ParseUint(m, 10, 32)
	i, err2 := strconv.ParseUint(idx, 10, 64)
	if err1 != nil || err2 != nil || id == 0 || i == 0 {
		return EventRef{}, fmt.Errorf("event %q: %w", s, ErrBadEventName)
	}
	return EventRef{core.MachineID(id), i}, nil
}

// Verdict is how two events are ordered by happened-before.
type Verdict string

const (
	Same       Verdict = "same"       // A and B are one event
	ABeforeB   Verdict = "a_before_b" // A happened before B
	BBeforeA   Verdict = "b_before_a" // B happened before A
	Concurrent Verdict = "concurrent" // neither
)

// Hop is one event of a chain and how the chain reached it.
type Hop struct {
	Machine core.MachineID
	Entry   core.Entry
	// Via is how the previous hop leads here: "" for the first, "program
	// order" for a later event of the same machine, or "message" for the
	// receive of a message the previous hop sent.
	Via string
}

// Why is the answer to "did A happen before B?".
type Why struct {
	A, B EventRef
	// EntryA and EntryB are the two events as recorded.
	EntryA, EntryB core.Entry
	Verdict        Verdict
	// Chain proves an order: from the earlier event to the later, each hop
	// a later event on the same machine or the receive of a message the
	// previous hop sent. Empty for Same and Concurrent.
	Chain []Hop
}

// errFound stops the causal walk once both events have been seen.
var errFound = errors.New("both events found")

// Explain says whether a happened before b in the run r reads, b before a,
// or neither, and for an order finds a chain of events and messages that
// proves it.
//
// One walk in causal order (vectorClocks) stops at the later of the two
// events. It remembers, for each of the two machines, the receives whose
// message's send already knew of a's (or b's) event: the send's entry in
// a's machine (b's) was at least a's index (b's). a happened before b iff
// b's vector has at least a's index in a's machine. The chain is found
// walking back from b: the latest such receive at or before the current
// event, jump to its send, until the walk is on a's machine at or after a.
// Memory: one record per such send and receive up to the later event.
func Explain(r *record.Reader, a, b EventRef) (Why, error) {
	meta := r.Meta()
	ids := r.Machines()
	w := Why{A: a, B: b}
	for _, ref := range []EventRef{a, b} {
		st, ok, err := r.Stats(ref.Machine)
		if err != nil {
			return w, err
		}
		if !ok {
			return w, fmt.Errorf("run %s has no machine %d (%s)", meta.ID, ref.Machine, ref)
		}
		if ref.Index > st.Events {
			return w, fmt.Errorf("run %s: machine %d has %d events, so %s does not exist", meta.ID, ref.Machine, st.Events, ref)
		}
	}
	pa, _ := slices.BinarySearch(ids, a.Machine)
	pb, _ := slices.BinarySearch(ids, b.Machine)

	// knowing: for a message whose send knows of a or b, the send and
	// what it knows; recvs: the receives of such messages, per machine, in
	// program order.
	type know struct {
		pos      int
		index    uint64
		ofA, ofB uint64 // the send's vector entries of a's and b's machines
	}
	type msgKey struct {
		from core.MachineID
		seq  uint64
	}
	knowing := map[msgKey]know{}
	type recvOf struct {
		index uint64
		send  know
	}
	recvs := map[int][]recvOf{}
	var vecA, vecB []uint64 // a's and b's vectors when seen
	err := vectorClocks(r, func(ve vectorEvent) error {
		pos, _ := slices.BinarySearch(ids, ve.Machine)
		ev := &ve.Event
		switch ev.Kind {
		case core.KindSend:
			k := know{pos: pos, index: ev.Index, ofA: ve.Clock[pa], ofB: ve.Clock[pb]}
			if k.ofA >= a.Index || k.ofB >= b.Index {
				for i := range ev.To {
					m := ev.Message(ve.Machine, i)
					knowing[msgKey{m.From, m.Seq}] = k
				}
			}
		case core.KindRecv:
			if k, ok := knowing[msgKey{ev.Msg.From, ev.Msg.Seq}]; ok {
				recvs[pos] = append(recvs[pos], recvOf{ev.Index, k})
			}
		case core.KindInternal:
			// Carries no knowledge to another machine.
		}
		if ve.Machine == a.Machine && ev.Index == a.Index {
			vecA = slices.Clone(ve.Clock)
		}
		if ve.Machine == b.Machine && ev.Index == b.Index {
			vecB = slices.Clone(ve.Clock)
		}
		if vecA != nil && vecB != nil {
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return w, err
	}
	if vecA == nil || vecB == nil {
		return w, fmt.Errorf("run %s: %s or %s was not found in the machines' logs", meta.ID, a, b)
	}

	// chain walks back from the later event to the earlier one, both as
	// (position, index), and returns the events in forward order.
	type at struct {
		pos   int
		index uint64
	}
	chain := func(from, to EventRef, pfrom, pto int, ofFrom func(know) uint64) []at {
		out := []at{{pto, to.Index}}
		cur := at{pto, to.Index}
		for cur.pos != pfrom || cur.index < from.Index {
			rs := recvs[cur.pos]
			i := len(rs) - 1
			for i >= 0 && (rs[i].index > cur.index || ofFrom(rs[i].send) < from.Index) {
				i--
			}
			if i < 0 { // cannot happen when the vectors said from→to
				break
			}
			if rs[i].index != cur.index {
				out = append(out, at{cur.pos, rs[i].index})
			}
			cur = at{rs[i].send.pos, rs[i].send.index}
			out = append(out, cur)
		}
		if cur.index != from.Index {
			out = append(out, at{pfrom, from.Index})
		}
		slices.Reverse(out)
		return out
	}
	var path []at
	switch {
	case a == b:
		w.Verdict = Same
	case vecB[pa] >= a.Index:
		w.Verdict = ABeforeB
		path = chain(a, b, pa, pb, func(k know) uint64 { return k.ofA })
	case vecA[pb] >= b.Index:
		w.Verdict = BBeforeA
		path = chain(b, a, pb, pa, func(k know) uint64 { return k.ofB })
	default:
		w.Verdict = Concurrent
	}

	// Read the entries to show: a, b and the chain's.
	want := []struct {
		at
		dst *core.Entry
	}{{at{pa, a.Index}, &w.EntryA}, {at{pb, b.Index}, &w.EntryB}}
	w.Chain = make([]Hop, len(path))
	for i, p := range path {
		w.Chain[i].Machine = ids[p.pos]
		if i > 0 {
			w.Chain[i].Via = "program order"
			if p.pos != path[i-1].pos {
				w.Chain[i].Via = "message"
			}
		}
	}
	for pos := range ids {
		var last uint64
		for _, p := range want {
			if p.pos == pos {
				last = max(last, p.index)
			}
		}
		for _, p := range path {
			if p.pos == pos {
				last = max(last, p.index)
			}
		}
		if last == 0 {
			continue
		}
		it := r.Entries(ids[pos])
		var e core.Entry
		for it.Read(&e) {
			if !e.IsTick() {
				continue
			}
			for _, p := range want {
				if p.pos == pos && p.index == e.Event.Index {
					*p.dst = e
					p.dst.Event.To = slices.Clone(e.Event.To)
				}
			}
			for i, p := range path {
				if p.pos == pos && p.index == e.Event.Index {
					w.Chain[i].Entry = e
					w.Chain[i].Entry.Event.To = slices.Clone(e.Event.To)
				}
			}
			if e.Event.Index >= last {
				break
			}
		}
		if err := it.Err(); err != nil {
			return w, fmt.Errorf("run %s machine %d: %w", meta.ID, ids[pos], err)
		}
	}
	return w, nil
}
