package msgp_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"lamport/internal/msgp"
)

// Each reader refuses what is not its value, with an error that says
// what was wanted and found.
func TestDecoderRejects(t *testing.T) {
	cases := []struct {
		name, hex, read, want string
	}{
		{"empty", "", "uint", "want an integer, found the end of the input"},
		{"string for an integer", "a161", "uint", "want an integer, found a string (0xa1)"},
		{"nil for an integer", "c0", "int64", "want an integer, found nil (0xc0)"},
		{"float for an integer", "cb3ff0000000000000", "uint", "want an integer, found a float (0xcb)"},
		{"ext for an integer", "d40100", "uint", "want an integer, found an extension (0xd4)"},
		{"unused byte", "c1", "uint", "found the unused byte (0xc1)"},
		{"uint16 cut", "cd01", "uint", "want an integer, found 1 of the 2 bytes after 0xcd"},
		{"int64 cut", "d3ffff", "int64", "found 2 of the 8 bytes after 0xd3"},
		{"negative fixint for a uint", "ff", "uint", "want a non-negative integer, found -1"},
		{"negative int8 for a uint", "d080", "uint", "want a non-negative integer, found -128"},
		{"negative int64 for a uint", "d38000000000000000", "uint", "found -9223372036854775808"},
		{"over the maximum", "cd0100", "uintmax255", "integer 256 out of range 0..255"},
		{"uint64 beyond int64", "cf8000000000000000", "int64", "integer 9223372036854775808 out of range for int64"},
		{"uint64 beyond int", "cf8000000000000000", "int", "out of range for int64"},
		{"map for an array", "80", "array", "want an array, found a map (0x80)"},
		{"nil for an array", "c0", "array", "want an array, found nil (0xc0)"},
		{"array16 cut", "dc00", "array", "want an array, found 1 of the 2 bytes after 0xdc"},
		{"fixarray beyond the bytes", "930102", "array", "array of 3 elements in 2 bytes"},
		{"array32 beyond the bytes", "ddffffffff00", "nilorarray", "array of 4294967295 elements in 1 bytes"},
		{"array16 beyond the bytes", "dc000300", "array", "array of 3 elements in 1 bytes"},
		{"binary for a string", "c40161", "str", "want a string, found binary data (0xc4)"},
		{"string over the limit", "a5616263646566", "str", "a string of 5 bytes, limit 4"},
		{"str32 over the limit before its bytes", "dbffffffff", "str", "a string of 4294967295 bytes, limit 4"},
		{"string cut", "a36162", "str", "want a string of 3 bytes, found 2"},
		{"str8 header cut", "d9", "str", "want a string, found 0 of the 1 bytes after 0xd9"},
		{"string for binary", "a161", "bin", "want binary data, found a string (0xa1)"},
		{"binary over the limit", "c405", "bin", "binary data of 5 bytes, limit 4"},
		{"binary cut", "c50003ffff", "bin", "want binary data of 3 bytes, found 2"},
		{"integer for a boolean", "01", "bool", "want a boolean, found an integer (0x01)"},
		{"nothing for a boolean", "", "bool", "want a boolean, found the end of the input"},
	}
	for _, tc := range cases {
		b, err := hex.DecodeString(tc.hex)
		if err != nil {
			t.Fatalf("%s: bad hex: %v", tc.name, err)
		}
		d := msgp.NewDecoder(b)
		switch tc.read {
		case "uint":
			_, err = d.Uint()
		case "uintmax255":
			_, err = d.UintMax(255)
		case "int64":
			_, err = d.Int64()
		case "int":
			_, err = d.Int()
		case "array":
			_, err = d.ArrayLen()
		case "nilorarray":
			_, _, err = d.NilOrArrayLen()
		case "str":
			_, err = d.Str(4)
		case "bin":
			_, err = d.Bin(4)
		case "bool":
			_, err = d.Bool()
		default:
			t.Fatalf("%s: no reader %q", tc.name, tc.read)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %s of %s: error %v, want one containing %q", tc.name, tc.read, tc.hex, err, tc.want)
		}
	}
}

// Binary data is returned as a slice of the input whose capacity ends with
// it, so appending to it cannot overwrite the bytes that follow.
func TestBinIsASliceOfTheInput(t *testing.T) {
	b := []byte{msgp.Bin8, 2, 'h', 'i', msgp.True}
	d := msgp.NewDecoder(b)
	p, err := d.Bin(2)
	if err != nil || &p[0] != &b[2] || cap(p) != 2 {
		t.Fatalf("Bin = %q (cap %d), %v; want a slice of the input of capacity 2", p, cap(p), err)
	}
	if v, err := d.Bool(); err != nil || !v {
		t.Fatalf("the value after the binary data reads %v, %v", v, err)
	}
}

func TestAppendKeepsWhatIsThere(t *testing.T) {
	b := []byte("xy")
	b = msgp.AppendUint(b, 300)
	b = msgp.AppendInt(b, -300)
	b = msgp.AppendArrayHeader(b, 2)
	b = msgp.AppendStr(b, "s")
	b = msgp.AppendBin(b, []byte{1})
	b = msgp.AppendBool(b, true)
	b = msgp.AppendNil(b)
	if want := "7879" + "cd012c" + "d1fed4" + "92" + "a173" + "c40101" + "c3" + "c0"; hex.EncodeToString(b) != want {
		t.Fatalf("appended %x, want %s", b, want)
	}
}

func TestDecodingDoesNotAllocate(t *testing.T) {
	b := msgp.AppendArrayHeader(nil, 4)
	b = msgp.AppendUint(b, 1<<40)
	b = msgp.AppendInt(b, -70000)
	b = msgp.AppendBin(b, []byte("nonce"))
	b = msgp.AppendBool(b, true)
	n := testing.AllocsPerRun(100, func() {
		d := msgp.NewDecoder(b)
		_, _ = d.ArrayLen()
		_, _ = d.Uint()
		_, _ = d.Int64()
		_, _ = d.Bin(8)
		_, _ = d.Bool()
	})
	if n != 0 {
		t.Errorf("%v allocations per decode", n)
	}
}

// SkipArrayHeader steps over a header without judging its count, so a
// reader can peek at the first element of a payload cut short.
func TestSkipArrayHeader(t *testing.T) {
	for _, h := range []string{"9501", "dc000501", "dd0000000501"} {
		b, _ := hex.DecodeString(h)
		d := msgp.NewDecoder(b)
		if err := d.SkipArrayHeader(); err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if v, err := d.Uint(); err != nil || v != 1 {
			t.Errorf("%s: the first element reads %d, %v", h, v, err)
		}
		d = msgp.NewDecoder(b)
		if _, err := d.ArrayLen(); err == nil {
			t.Errorf("%s: ArrayLen took a count beyond the bytes", h)
		}
	}
	for _, h := range []string{"", "c0", "01", "dc00"} {
		b, _ := hex.DecodeString(h)
		d := msgp.NewDecoder(b)
		if err := d.SkipArrayHeader(); err == nil {
			t.Errorf("%q: SkipArrayHeader took it", h)
		}
	}
}
