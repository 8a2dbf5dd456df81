package wire_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"lamport/core"
	"lamport/wire"
)

var roundTripMessages = []struct {
	name string
	m    core.Message
	hex  string // expected payload; empty when not pinned
}{
	{"smallest", core.Message{From: 1}, "930100" + "00"},
	{"typical", core.Message{From: 2, Seq: 7, Clock: 42}, "9302072a"},
	{"fixint edge", core.Message{From: 127, Seq: 127, Clock: 127}, "937f7f7f"},
	{"uint8 edge", core.Message{From: 128, Seq: 255, Clock: 128}, "93cc80ccffcc80"},
	{"uint16 edge", core.Message{From: 256, Seq: 65535, Clock: 256}, "93cd0100cdffffcd0100"},
	{"uint32 edge", core.Message{From: 65536, Seq: math.MaxUint32, Clock: 65536}, "93ce00010000ceffffffffce00010000"},
	{"uint64 edge", core.Message{From: 3, Seq: 1 << 32, Clock: 1<<32 - 1}, "9303cf0000000100000000ceffffffff"},
	{"largest", core.Message{From: math.MaxUint32, Seq: math.MaxUint64, Clock: math.MaxUint64},
		"93ceffffffffcfffffffffffffffffcfffffffffffffffff"},
}

func TestMessageRoundTrip(t *testing.T) {
	for _, tc := range roundTripMessages {
		t.Run(tc.name, func(t *testing.T) {
			payload := wire.AppendMessage(nil, tc.m)
			if tc.hex != "" && hex.EncodeToString(payload) != tc.hex {
				t.Errorf("payload %x, want %s", payload, tc.hex)
			}
			if len(payload) > wire.MaxMessageSize {
				t.Errorf("payload of %d bytes exceeds MaxMessageSize %d", len(payload), wire.MaxMessageSize)
			}
			got, err := wire.DecodeMessage(payload)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.m {
				t.Errorf("decoded %+v, want %+v", got, tc.m)
			}

			// Appending must keep what dst already holds.
			prefixed := wire.AppendMessage([]byte("xy"), tc.m)
			if !bytes.Equal(prefixed, append([]byte("xy"), payload...)) {
				t.Errorf("append to a non-empty slice gave %x", prefixed)
			}

			frame := wire.AppendMessageFrame(nil, tc.m)
			if want := wire.AppendFrame(nil, payload); !bytes.Equal(frame, want) {
				t.Errorf("AppendMessageFrame %x, want %x", frame, want)
			}
		})
	}
}

// libEncode writes fields as a msgpack array of integers through the
// msgpack library, an implementation independent of the hand-written
// codec; with compact ints it too picks each integer's shortest form.
func libEncode(t testing.TB, fields ...uint64) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(fields); err != nil {
		t.Fatalf("msgpack library: %v", err)
	}
	return buf.Bytes()
}

// libDecode reads a msgpack array of integers through the library.
func libDecode(t testing.TB, payload []byte) []uint64 {
	var fields []uint64
	if err := msgpack.Unmarshal(payload, &fields); err != nil {
		t.Fatalf("msgpack library cannot read %x: %v", payload, err)
	}
	return fields
}

// The msgpack library writes exactly the bytes of AppendMessage and
// AppendTaggedMessage for the same values, and reads them back.
func TestMessageMatchesTheMsgpackLibrary(t *testing.T) {
	for _, tc := range roundTripMessages {
		m := tc.m
		fields := []uint64{uint64(m.From), m.Seq, m.Clock}
		if lib, hand := libEncode(t, fields...), wire.AppendMessage(nil, m); !bytes.Equal(lib, hand) {
			t.Errorf("%s: msgpack library wrote %x, AppendMessage %x", tc.name, lib, hand)
		}
		if got := libDecode(t, wire.AppendMessage(nil, m)); !slices.Equal(got, fields) {
			t.Errorf("%s: msgpack library read %v, want %v", tc.name, got, fields)
		}
		to := m.From ^ 0xff
		tagged := append([]uint64{uint64(to)}, fields...)
		if lib, hand := libEncode(t, tagged...), wire.AppendTaggedMessage(nil, to, m); !bytes.Equal(lib, hand) {
			t.Errorf("%s: msgpack library wrote %x, AppendTaggedMessage %x", tc.name, lib, hand)
		}
	}
}

// Realistic messages stay small: machine ids are small, and a run would
// need years at the model's rates to push seq or clock past 2^32.
func TestMessagePayloadSize(t *testing.T) {
	cases := []struct {
		m   core.Message
		max int
	}{
		{core.Message{From: 1, Seq: 1, Clock: 1}, 4},
		{core.Message{From: 3, Seq: 100, Clock: 120}, 4},
		{core.Message{From: 127, Seq: math.MaxUint32, Clock: math.MaxUint32}, 12},
		{core.Message{From: 255, Seq: math.MaxUint32, Clock: math.MaxUint32}, 13},
		{core.Message{From: math.MaxUint16, Seq: math.MaxUint32, Clock: math.MaxUint32}, 14},
	}
	for _, tc := range cases {
		if n := len(wire.AppendMessage(nil, tc.m)); n > tc.max {
			t.Errorf("%+v: payload of %d bytes, want at most %d", tc.m, n, tc.max)
		}
	}
}

func TestMessageCodecDoesNotAllocate(t *testing.T) {
	m := core.Message{From: 3, Seq: 1 << 40, Clock: 70000}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = wire.AppendMessage(buf[:0], m) }); n != 0 {
		t.Errorf("AppendMessage: %v allocations per run", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf = wire.AppendMessageFrame(buf[:0], m) }); n != 0 {
		t.Errorf("AppendMessageFrame: %v allocations per run", n)
	}
	payload := wire.AppendMessage(nil, m)
	var got core.Message
	if n := testing.AllocsPerRun(100, func() { got, _ = wire.DecodeMessage(payload) }); n != 0 {
		t.Errorf("DecodeMessage: %v allocations per run", n)
	}
	if got != m {
		t.Errorf("decoded %+v, want %+v", got, m)
	}
}

// Any valid msgpack encoding of the right values is accepted, not only the
// smallest, so other msgpack writers can speak the protocol.
func TestDecodeMessageAcceptsEveryIntegerEncoding(t *testing.T) {
	cases := map[string]string{
		"array16 header": "dc0003" + "01" + "02" + "03",
		"array32 header": "dd00000003" + "01" + "02" + "03",
		"uint8 for 1":    "93" + "cc01" + "02" + "03",
		"uint16 for 1":   "93" + "cd0001" + "02" + "03",
		"uint32 for 1":   "93" + "ce00000001" + "02" + "03",
		"uint64 for 1":   "93" + "cf0000000000000001" + "02" + "03",
		"int8 for 1":     "93" + "d001" + "02" + "03",
		"int16 for 2":    "93" + "01" + "d10002" + "03",
		"int32 for 3":    "93" + "01" + "02" + "d200000003",
		"int64 for 3":    "93" + "01" + "02" + "d30000000000000003",
	}
	for name, h := range cases {
		payload, _ := hex.DecodeString(h)
		got, err := wire.DecodeMessage(payload)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want := (core.Message{From: 1, Seq: 2, Clock: 3}); got != want {
			t.Errorf("%s: decoded %+v, want %+v", name, got, want)
		}
	}
}

func TestDecodeMessageRejects(t *testing.T) {
	cases := map[string]string{
		"empty":                "",
		"nil":                  "c0",
		"map":                  "81a16101",
		"string":               "a3616263",
		"two elements":         "920102",
		"four elements":        "9401020304",
		"empty array":          "90",
		"sender 0":             "93000203",
		"sender over 32 bits":  "93cf000000010000000002" + "03",
		"negative fixint":      "93ff0203",
		"negative int8":        "9301d0ff03",
		"negative int64":       "930102d3ffffffffffffffff",
		"float":                "9301cb3ff000000000000003",
		"bool":                 "9301c303",
		"nil element":          "9301c003",
		"string element":       "9301a13103",
		"trailing byte":        "9301020300",
		"truncated array":      "93",
		"truncated uint32":     "9301ce0000",
		"truncated uint64":     "930102cf00000000",
		"truncated array16":    "dc00",
		"array32 of 3 missing": "dd00000003",
		"unused byte":          "c1",
		"ext":                  "d40100",
	}
	for name, h := range cases {
		payload, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: bad test hex: %v", name, err)
		}
		m, err := wire.DecodeMessage(payload)
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %+v, %v; want an error wrapping ErrMalformed", name, m, err)
		}
	}
}
