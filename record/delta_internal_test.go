package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"lamport/core"
)

// modelLogs drives n core machines the way the simulator does: each ticks
// at its own fixed interval, messages arrive after a random delay, FIFO per
// link, and now and then a machine crashes and restarts, or a message is
// lost or duplicated. It returns each machine's log.
func modelLogs(t testing.TB, seed uint64, n int, until time.Duration) map[core.MachineID][]core.Entry {
	return modelLogsFaults(t, seed, n, until, true)
}

func modelLogsFaults(t testing.TB, seed uint64, n int, until time.Duration, faults bool) map[core.MachineID][]core.Entry {
	t.Helper()
	p := core.DefaultParams(seed)
	ring, err := core.NewRing(core.RingConfig(n, "h", 0).IDs())
	if err != nil {
		t.Fatal(err)
	}
	rng := core.NewRNG(seed, 0)
	ms := map[core.MachineID]*modelMachine{}
	ids := core.RingConfig(n, "h", 0).IDs()
	for _, id := range ids {
		m, err := core.NewMachineOnRing(id, ring, p)
		if err != nil {
			t.Fatal(err)
		}
		iv := time.Second / time.Duration(m.Rate())
		ms[id] = &modelMachine{m: m, interval: iv, next: iv}
	}
	logs := map[core.MachineID][]core.Entry{}
	for step := 0; ; step++ {
		// The machine whose tick or arrival comes first.
		var id core.MachineID
		best := until + 1
		for _, mid := range ids {
			mm := ms[mid]
			at := mm.next
			if len(mm.inbox) > 0 && mm.inbox[0].At < at {
				at = mm.inbox[0].At
			}
			if at < best {
				best, id = at, mid
			}
		}
		if best > until {
			return logs
		}
		mm := ms[id]
		if len(mm.inbox) > 0 && mm.inbox[0].At == best {
			e := mm.inbox[0]
			mm.inbox = mm.inbox[1:]
			if mm.down {
				logs[id] = append(logs[id], core.Entry{At: e.At, Msg: e.Msg, Fault: core.Fault{Kind: core.FaultLost, To: id, Reason: core.LostDown}})
				continue
			}
			mm.m.Deliver(e.Msg)
			logs[id] = append(logs[id], e)
			continue
		}
		mm.next += mm.interval
		switch {
		case mm.down && rng.Below(4) == 0:
			mm.down = false
			reset := rng.Below(2) == 0
			mm.m.Restart(mm.missed, reset, 0)
			logs[id] = append(logs[id], core.Entry{At: best, Fault: core.Fault{Kind: core.FaultRestart, Missed: mm.missed, ResetClock: reset}})
			mm.missed = 0
			continue
		case mm.down:
			mm.missed++
			continue
		case faults && rng.Below(300) == 0:
			mm.down = true
			logs[id] = append(logs[id], core.Entry{At: best, Fault: core.Fault{Kind: core.FaultCrash, QueueLost: mm.m.Crash()}})
			continue
		}
		ev := mm.m.Tick()
		logs[id] = append(logs[id], core.Entry{At: best, Event: ev})
		for i, to := range ev.To {
			msg := ev.Message(id, i)
			switch rng.Below(50) + 2*boolInt(!faults) {
			case 0:
				logs[id] = append(logs[id], core.Entry{At: best, Msg: msg, Fault: core.Fault{Kind: core.FaultLost, To: to, Reason: core.LostDrop}})
				continue
			case 1:
				logs[id] = append(logs[id], core.Entry{At: best, Msg: msg, Fault: core.Fault{Kind: core.FaultDup, To: to}})
				ms[to].deliver(best, msg, &rng)
			}
			ms[to].deliver(best, msg, &rng)
		}
	}
}

type modelMachine struct {
	m        *core.Machine
	interval time.Duration
	next     time.Duration
	down     bool
	missed   uint64
	inbox    []core.Entry // arrivals due, in time order
}

// deliver queues msg for m after a random delay of up to 3 ms, in time
// order (FIFO per link follows: a later send never arrives first).
func (m *modelMachine) deliver(at time.Duration, msg core.Message, rng *core.RNG) {
	e := core.Entry{At: at + time.Duration(rng.Below(uint64(3*time.Millisecond))), Arrival: true, Msg: msg}
	i := len(m.inbox)
	for i > 0 && m.inbox[i-1].At > e.At {
		i--
	}
	m.inbox = append(m.inbox, core.Entry{})
	copy(m.inbox[i+1:], m.inbox[i:])
	m.inbox[i] = e
}

// encodeLog encodes es as delta chunks the way a Recorder does: state
// carries on, a chunk ends after cut(i) says so, and a chunk starts from
// zero where reset(i) says so (a new Recorder).
func encodeLog(es []core.Entry, cut, reset func(i int) bool) [][]byte {
	var (
		s      deltaState
		chunks [][]byte
		body   []byte
		n      int
		flags  byte = chunkReset
	)
	flush := func() {
		if n > 0 {
			chunks = append(chunks, append(appendDeltaHeader(nil, deltaHeader{n: n, flags: flags, heads: defaultHeads}), body...))
		}
		body, n, flags = nil, 0, 0
	}
	s.reset(defaultHeads)
	for i := range es {
		if i > 0 && reset(i) {
			flush()
			s.reset(defaultHeads)
			flags = chunkReset
		}
		body = appendDeltaEntry(body, &s, &es[i])
		n++
		if cut(i) {
			flush()
		}
	}
	flush()
	return chunks
}

func decodeLogChunks(chunks [][]byte) ([]core.Entry, error) {
	var it chunkIter
	var out []core.Entry
	for k, c := range chunks {
		if err := it.reset(c); err != nil {
			return nil, fmt.Errorf("chunk %d: %w", k+1, err)
		}
		for it.left > 0 {
			var e core.Entry
			if err := it.next(&e); err != nil {
				return nil, fmt.Errorf("chunk %d: %w", k+1, err)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func TestDeltaRoundTripOddEntries(t *testing.T) {
	var all []core.Entry
	for _, tc := range oddEntries {
		all = append(all, tc.e)
		got, err := decodeLogChunks(encodeLog([]core.Entry{tc.e}, never, never))
		if err != nil || !reflect.DeepEqual(got, []core.Entry{tc.e}) {
			t.Errorf("%s: round trip = %+v, %v; want %+v", tc.name, got, err, tc.e)
		}
	}
	// Together, in both orders, so that each is encoded against the
	// state the others leave.
	for _, es := range [][]core.Entry{all, reversed(all)} {
		got, err := decodeLogChunks(encodeLog(es, never, never))
		if err != nil || !reflect.DeepEqual(got, es) {
			t.Fatalf("round trip of all odd entries: %v\n got %+v\nwant %+v", err, got, es)
		}
	}
}

func never(int) bool { return false }

func reversed(es []core.Entry) []core.Entry {
	out := make([]core.Entry, len(es))
	for i := range es {
		out[len(es)-1-i] = es[i]
	}
	return out
}

// TestDeltaRoundTripModelLogs: real machines' logs, with faults, cut into
// chunks and Recorder sessions at random places, read back exactly; and
// they are small, because the predictions hold.
func TestDeltaRoundTripModelLogs(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		logs := modelLogs(t, seed, 5, 10*time.Minute)
		rng := core.NewRNG(seed, 99)
		for id, es := range logs {
			cutEvery := 1 + rng.Below(200)
			cut := func(int) bool { return rng.Below(cutEvery) == 0 }
			reset := func(int) bool { return rng.Below(500) == 0 }
			chunks := encodeLog(es, cut, reset)
			got, err := decodeLogChunks(chunks)
			if err != nil {
				t.Fatalf("seed %d machine %d: %v", seed, id, err)
			}
			if !reflect.DeepEqual(got, es) {
				t.Fatalf("seed %d machine %d: %s", seed, id, firstDiff(es, got))
			}
		}
		// Sizes, with one chunk per log: against the schema 2 msgpack
		// encoding of the same entries.
		var delta, v2, entries int
		for _, es := range logs {
			delta += len(encodeLog(es, never, never)[0])
			for i := range es {
				v2 += len(appendEntry(nil, &es[i]))
			}
			entries += len(es)
		}
		if per := float64(delta) / float64(entries); per > 6 || delta*3 > v2 {
			t.Errorf("seed %d: delta chunks take %.2f bytes per entry, %d in all against %d in msgpack", seed, per, delta, v2)
		}
	}
}

func firstDiff(want, got []core.Entry) string {
	for i := range min(len(want), len(got)) {
		if !reflect.DeepEqual(want[i], got[i]) {
			return fmt.Sprintf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("got %d entries, want %d", len(got), len(want))
}

// TestDeltaMispredictions: every field the encoder predicts, broken one
// at a time, still reads back exactly.
func TestDeltaMispredictions(t *testing.T) {
	base := modelLogs(t, 3, 3, 2*time.Minute)[1]
	breaks := map[string]func(e *core.Entry){
		"clock":     func(e *core.Entry) { e.Event.Clock += 5 },
		"clock0":    func(e *core.Entry) { e.Event.Clock = 0 },
		"queue":     func(e *core.Entry) { e.Event.Queue += 3 },
		"index":     func(e *core.Entry) { e.Event.Index += 2 },
		"tick":      func(e *core.Entry) { e.Event.Tick-- },
		"first seq": func(e *core.Entry) { e.Event.FirstSeq += 9 },
		"msg":       func(e *core.Entry) { e.Event.Msg.Seq += 1 },
		"at back":   func(e *core.Entry) { e.At -= time.Hour },
		"to":        func(e *core.Entry) { e.Event.To = []core.MachineID{9, 1 << 31, 0} },
		"to empty":  func(e *core.Entry) { e.Event.To = []core.MachineID{} },
		"die":       func(e *core.Entry) { e.Event.Die = -7 },
	}
	for name, brk := range breaks {
		for every := 1; every <= 7; every += 3 {
			es := append([]core.Entry(nil), base...)
			for i := range es {
				if i%every == 0 && !es[i].Arrival && es[i].Fault.Kind == 0 {
					brk(&es[i])
				}
			}
			got, err := decodeLogChunks(encodeLog(es, func(i int) bool { return i%97 == 0 }, never))
			if err != nil || !reflect.DeepEqual(got, es) {
				t.Fatalf("%s every %d: %v %s", name, every, err, firstDiff(es, got))
			}
		}
	}
}

// TestMixedSchemaLog: a schema 2 run resumed by schema 3 holds msgpack
// chunks then delta chunks; it reads as one log. A delta chunk that does
// not start from zero may not follow a msgpack chunk.
func TestMixedSchemaLog(t *testing.T) {
	es := modelLogs(t, 8, 3, 3*time.Minute)[2]
	half := len(es) / 2
	old, err := appendChunk(nil, es[:half])
	if err != nil {
		t.Fatal(err)
	}
	chunks := append([][]byte{old}, encodeLog(es[half:], func(i int) bool { return i%50 == 49 }, never)...)
	got, err := decodeLogChunks(chunks)
	if err != nil || !reflect.DeepEqual(got, es) {
		t.Fatalf("mixed log: %v %s", err, firstDiff(es, got))
	}
	carry := bytes.Clone(chunks[1])
	carry[2] = 0 // the flags, after a one-byte count
	if _, err := decodeLogChunks([][]byte{old, carry}); err == nil {
		t.Fatal("a carrying-on delta chunk after a msgpack chunk decoded")
	}
}

func boolInt(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// TestDeltaPredictionsHoldForTheModel: on a fault-free log of real
// machines, every prediction holds but the first send's sequence number
// (the state starts at zero, the machine at one): no clock, queue or
// index is ever written, and no tick needs the full form.
func TestDeltaPredictionsHoldForTheModel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		for id, es := range modelLogsFaults(t, seed, 4, 5*time.Minute, false) {
			var it chunkIter
			if err := it.reset(encodeLog(es, never, never)[0]); err != nil {
				t.Fatal(err)
			}
			firstSeqs := 0
			for i := 0; it.left > 0; i++ {
				var e core.Entry
				if err := it.next(&e); err != nil {
					t.Fatal(err)
				}
				tag := it.delta.tag
				form := tag & 7
				switch {
				case form == dFullTick || form == dFault:
					t.Fatalf("seed %d machine %d entry %d: form %d", seed, id, i, form)
				case form != dArrival && tag&flagClock != 0,
					form == dRecv && tag&flagQueue != 0:
					t.Fatalf("seed %d machine %d entry %d (%+v): tag %#x writes a predictable field", seed, id, i, es[i], tag)
				case form == dSend && tag&flagFirstSeq != 0:
					firstSeqs++
				}
			}
			if firstSeqs > 1 {
				t.Errorf("seed %d machine %d: %d sends wrote their first sequence number, want at most 1", seed, id, firstSeqs)
			}
		}
	}
}

// TestHeadsBudget: a Recorder remembers up to 2^18 arrivals over a run,
// within per-log bounds of 16 and 4096, and a reader refuses a header that
// asks for more than the bound.
func TestHeadsBudget(t *testing.T) {
	for _, tc := range []struct{ machines, want int }{{0, 4096}, {3, 4096}, {64, 4096}, {100, 2621}, {1000, 262}, {10000, 26}, {1000000, 16}} {
		if got := headsFor(tc.machines); got != tc.want {
			t.Errorf("headsFor(%d) = %d, want %d", tc.machines, got, tc.want)
		}
	}
	c := appendDeltaHeader(nil, deltaHeader{n: 1, flags: chunkReset, heads: maxHeadsCap + 1})
	c = append(c, dInternal, 0, 2)
	if _, _, err := splitDeltaHeader(c); err == nil {
		t.Fatalf("a header asking for %d heads was accepted", maxHeadsCap+1)
	}
}

// TestIDListRuns: target lists round-trip whatever their shape, and a
// send to all of 10 000 machines' peers, in ring order, takes a few bytes.
func TestIDListRuns(t *testing.T) {
	ring, err := core.NewRing(core.RingConfig(10000, "h", 0).IDs())
	if err != nil {
		t.Fatal(err)
	}
	peers, err := ring.Peers(4321)
	if err != nil {
		t.Fatal(err)
	}
	rng := core.NewRNG(5, 0)
	random := make([]core.MachineID, 300)
	for i := range random {
		random[i] = core.MachineID(rng.Below(1 << 32))
	}
	lists := [][]core.MachineID{nil, {}, {7}, {1 << 31, 0, 1 << 31}, {5, 4, 3, 2, 1}, {9, 9, 9, 9, 9, 9}, peers, random}
	for i, to := range lists {
		for _, nilable := range []bool{true, false} {
			if to == nil && !nilable {
				continue
			}
			b := appendIDList(nil, to, nilable)
			d := deltaDecoder{r: varintReader{b}}
			got, err := d.idList(nilable)
			if err != nil || !reflect.DeepEqual(got, to) || len(d.r.b) != 0 {
				t.Fatalf("list %d (nilable %v): got %v, %v, %d bytes left", i, nilable, got, err, len(d.r.b))
			}
		}
	}
	if n := len(appendIDList(nil, peers, false)); n > 16 {
		t.Errorf("9 999 peers in ring order take %d bytes", n)
	}
	// A run longer than the list, or a list longer than any run's
	// machines, is refused rather than allocated.
	for _, b := range [][]byte{{5<<1 | 1, 2, 9}, appendZ(binary.AppendUvarint(nil, maxIDList<<1|3), 1)} {
		d := deltaDecoder{r: varintReader{b}}
		if _, err := d.idList(false); err == nil {
			t.Errorf("list % x decoded", b)
		}
	}
}
