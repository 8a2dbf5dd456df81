package record

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"lamport/core"
	"lamport/internal/msgp"
)

// appendChunk returns a new chunk holding old's entries (old may be nil)
// followed by es, as a Recorder's flush builds it.
func appendChunk(old []byte, es []core.Entry) ([]byte, error) {
	var body []byte
	for i := range es {
		body = appendEntry(body, &es[i])
	}
	return appendChunkBody(old, body, len(es))
}

// oddEntries are entries core never produces but the codec must still keep
// exactly, next to ordinary ones of every form.
var oddEntries = []struct {
	name string
	e    core.Entry
	form int
}{
	{"arrival", core.Entry{At: 5 * time.Second, Arrival: true, Msg: core.Message{From: 2, Seq: 9, Clock: 40}}, formArrival},
	{"recv", core.Entry{At: 1, Event: core.Event{Index: 3, Tick: 3, Kind: core.KindRecv, Clock: 41, Queue: 2, Msg: core.Message{From: 3, Seq: 1, Clock: 40}}}, formRecv},
	{"send one", core.Entry{At: 2, Event: core.Event{Index: 4, Tick: 4, Kind: core.KindSend, Die: 1, Clock: 42, To: []core.MachineID{2}, FirstSeq: 7}}, formSend},
	{"send all", core.Entry{At: 2, Event: core.Event{Index: 5, Tick: 5, Kind: core.KindSend, Die: 3, Clock: 43, To: []core.MachineID{2, 3, 4}, FirstSeq: 8}}, formSend},
	{"send nil to", core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindSend, Die: 1, Clock: 1}}, formSend},
	{"send empty to", core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindSend, Die: 1, Clock: 1, To: []core.MachineID{}}}, formSend},
	{"internal", core.Entry{At: 3, Event: core.Event{Index: 6, Tick: 6, Kind: core.KindInternal, Die: 7, Clock: 44}}, formInternal},
	{"recv with die", core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindRecv, Die: 2, Clock: 1}}, formTick},
	{"internal with empty to", core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindInternal, To: []core.MachineID{}}}, formTick},
	{"internal with queue", core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindInternal, Queue: 3}}, formTick},
	{"send with msg", core.Entry{Event: core.Event{Index: 1, Tick: 1, Kind: core.KindSend, Msg: core.Message{From: 1}}}, formTick},
	{"unknown kind", core.Entry{Event: core.Event{Index: 1, Tick: 2, Kind: 9, Die: -1, Queue: -70000, To: []core.MachineID{math.MaxUint32}}}, formTick},
	{"zero kind", core.Entry{}, formTick},
	{"negative at", core.Entry{At: -3 * time.Hour, Arrival: true}, formArrival},
	{"extremes", core.Entry{At: math.MaxInt64, Event: core.Event{Index: math.MaxUint64, Tick: math.MaxUint64, Kind: core.KindRecv,
		Clock: math.MaxUint64, Queue: math.MaxInt, Msg: core.Message{From: math.MaxUint32, Seq: math.MaxUint64, Clock: math.MaxUint64}}}, formRecv},
	{"min at", core.Entry{At: math.MinInt64, Event: core.Event{Kind: core.KindInternal, Die: math.MinInt}}, formInternal},
	{"lost", core.Entry{At: 7, Msg: core.Message{From: 1, Seq: 4, Clock: 9}, Fault: core.Fault{Kind: core.FaultLost, To: 3, Reason: core.LostPartition}}, formLost},
	{"lost unknown reason", core.Entry{Msg: core.Message{From: 1, Seq: 1}, Fault: core.Fault{Kind: core.FaultLost, Reason: 200}}, formLost},
	{"dup", core.Entry{At: 8, Msg: core.Message{From: 2, Seq: math.MaxUint64, Clock: 1}, Fault: core.Fault{Kind: core.FaultDup, To: math.MaxUint32}}, formDup},
	{"crash", core.Entry{At: 9, Fault: core.Fault{Kind: core.FaultCrash, QueueLost: 17}}, formCrash},
	{"restart keep", core.Entry{At: 10, Fault: core.Fault{Kind: core.FaultRestart, Missed: 41}}, formRestart},
	{"restart reset", core.Entry{At: 11, Fault: core.Fault{Kind: core.FaultRestart, Missed: math.MaxUint64, ResetClock: true, SeqSkip: 1 << 32}}, formRestart},
}

func TestEntryRoundTrip(t *testing.T) {
	var all []core.Entry
	for _, tc := range oddEntries {
		if got := formOf(&tc.e); got != tc.form {
			t.Errorf("%s: form %d, want %d", tc.name, got, tc.form)
		}
		b := appendEntry(nil, &tc.e)
		d := msgp.NewDecoder(b)
		got, err := decodeEntry(&d)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.e) || d.Len() != 0 {
			t.Errorf("%s: got %+v (%d bytes left), want %+v", tc.name, got, d.Len(), tc.e)
		}
		// Plain msgpack: a stock decoder reads the same array.
		var generic []any
		if err := msgpack.Unmarshal(b, &generic); err != nil || len(generic) != formLen[tc.form] {
			t.Errorf("%s: msgpack reads %v, %v", tc.name, generic, err)
		}
		all = append(all, tc.e)
	}
	chunk, err := appendChunk(nil, all)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeChunk(chunk)
	if err != nil || !reflect.DeepEqual(got, all) {
		t.Fatalf("chunk round trip: %v\n got %+v\nwant %+v", err, got, all)
	}
}

// Growing a chunk rewrites its header, including across the 15 and 65535
// entry boundaries where the header changes size.
func TestAppendChunkHeaders(t *testing.T) {
	e := core.Entry{Arrival: true, Msg: core.Message{From: 1, Seq: 1, Clock: 1}}
	for _, split := range [][2]int{{15, 1}, {10, 10}, {65535, 1}, {65530, 10}, {1, 0}} {
		first := make([]core.Entry, split[0])
		second := make([]core.Entry, split[1])
		for i := range first {
			first[i] = e
			first[i].At = time.Duration(i)
		}
		for i := range second {
			second[i] = e
			second[i].At = time.Duration(split[0] + i)
		}
		c1, err := appendChunk(nil, first)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := appendChunk(c1, second)
		if err != nil {
			t.Fatal(err)
		}
		whole, _ := appendChunk(nil, append(first, second...))
		if !bytes.Equal(c2, whole) {
			t.Errorf("%v: appending to a chunk differs from writing it whole", split)
		}
		got, err := decodeChunk(c2)
		if err != nil || len(got) != split[0]+split[1] || got[len(got)-1].At != time.Duration(len(got)-1) {
			t.Errorf("%v: decoded %d entries, %v", split, len(got), err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	valid, _ := appendChunk(nil, []core.Entry{oddEntries[3].e})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty input", nil},
		{"not an array", []byte{0x01}},
		{"nil", []byte{msgp.Nil}},
		{"empty chunk", []byte{0x90}},
		{"count beyond bytes", []byte{msgp.Array32, 0xff, 0xff, 0xff, 0xff, 0x95}},
		{"count beyond bytes 16", []byte{msgp.Array16, 0xff, 0xff, 0, 0, 0, 0, 0, 0}},
		{"truncated", valid[:len(valid)-1]},
		{"trailing", append(append([]byte(nil), valid...), 0)},
		{"unknown form", []byte{0x91, 0x95, 0x09, 0, 0, 0, 0}},
		{"wrong length for form", []byte{0x91, 0x96, 0x00, 0, 0, 0, 0, 0}},
		{"negative index", []byte{0x91, 0x96, 0x03, 0, 0xff, 1, 1, 1}},
		{"from beyond uint32", []byte{0x91, 0x95, 0x00, 0, msgp.Uint64, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1}},
		{"at beyond int64", []byte{0x91, 0x95, 0x00, msgp.Uint64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 1, 1}},
		{"kind beyond uint8", []byte{0x91, 0x9d, 0x04, 0, 1, 1, msgp.Uint16, 1, 0, 0, 0, 0, 0, msgp.Nil, 0, 0, 0}},
		{"to of strings", []byte{0x91, 0x98, 0x02, 0, 1, 1, 1, 1, 1, 0x91, 0xa1, 'x'}},
	} {
		if es, err := decodeChunk(tc.b); err == nil {
			t.Errorf("%s: decoded %+v, want an error", tc.name, es)
		}
	}
}

// FuzzDecodeChunk: no input panics the decoder of either chunk format,
// and whatever decodes re-encodes, in both formats, to the same entries
// (and, in msgpack, then to canonical bytes).
func FuzzDecodeChunk(f *testing.F) {
	var es []core.Entry
	for _, tc := range oddEntries {
		es = append(es, tc.e)
	}
	for i := range es {
		c, _ := appendChunk(nil, es[i:i+1])
		f.Add(c)
	}
	c, _ := appendChunk(nil, es)
	f.Add(c)
	f.Add(encodeLog(es, never, never)[0])
	for _, log := range modelLogs(f, 5, 3, time.Minute) {
		f.Add(encodeLog(log, never, never)[0])
	}
	f.Add([]byte{deltaMagic, 1, chunkReset, dArrival | at4<<atShift, 0xff})
	f.Add([]byte{})
	f.Add([]byte{0x90})
	f.Add([]byte{msgp.Array32, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x91, 0x95, 0x00, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3})
	f.Add([]byte("not msgpack at all"))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := decodeChunk(b)
		if err != nil {
			return
		}
		re, err := appendChunk(nil, es)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		es2, err := decodeChunk(re)
		if err != nil {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
		if !reflect.DeepEqual(es, es2) {
			t.Fatalf("round trip changed entries:\n%+v\n%+v", es, es2)
		}
		re2, _ := appendChunk(nil, es2)
		if !bytes.Equal(re, re2) {
			t.Fatalf("encoding is not canonical")
		}
		es3, err := decodeChunk(encodeLog(es, never, never)[0])
		if err != nil || !reflect.DeepEqual(es, es3) {
			t.Fatalf("delta round trip: %v\n%+v\n%+v", err, es, es3)
		}
	})
}

// TestDecodeStatsOfSchemaOne: version 1 stats had no fault counts.
func TestDecodeStatsOfSchemaOne(t *testing.T) {
	b := msgp.AppendArrayHeader(nil, statsFieldsV1)
	for _, v := range []uint64{5, 2, 3, 1, 1, 1, 9} {
		b = msgp.AppendUint(b, v)
	}
	b = msgp.AppendInt(b, int64(time.Second))
	st, err := decodeStats(4, b)
	want := core.MachineStats{ID: 4, Entries: 5, Arrivals: 2, Events: 3, Sends: 1, Recvs: 1, Internals: 1, LastClock: 9, LastAt: time.Second}
	if err != nil || st != want {
		t.Fatalf("decodeStats of version 1 = %+v, %v; want %+v", st, err, want)
	}
}

func FuzzDecodeStats(f *testing.F) {
	f.Add(encodeStats(core.MachineStats{Entries: 3, Arrivals: 1, Events: 2, Sends: 1, Internals: 1, LastClock: 5, LastAt: time.Second}))
	f.Add([]byte{0x98, 0, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeStats(1, b)
		if err != nil {
			return
		}
		st2, err := decodeStats(1, encodeStats(st))
		if err != nil || st2 != st {
			t.Fatalf("stats round trip: %+v -> %+v, %v", st, st2, err)
		}
	})
}

// TestSmallestEntryChunk: a msgpack chunk of one crash of fixints, the
// smallest entry (4 bytes), decodes; the bound on claimed entries once
// refused it (found by FuzzDecodeChunk).
func TestSmallestEntryChunk(t *testing.T) {
	es := []core.Entry{{At: 9, Fault: core.Fault{Kind: core.FaultCrash, QueueLost: 17}}}
	c, err := appendChunk(nil, es)
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 1+minEntrySize {
		t.Fatalf("a crash of fixints takes %d bytes, want %d", len(c)-1, minEntrySize)
	}
	got, err := decodeChunk(c)
	if err != nil || !reflect.DeepEqual(got, es) {
		t.Fatalf("decodeChunk = %+v, %v", got, err)
	}
}
