package wire_test

import (
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"lamport/wire"
)

func TestHelloRoundTrip(t *testing.T) {
	cases := map[string]wire.Hello{
		"typical":         helloFrom(2, 1),
		"empty strings":   {Version: 0, From: 1, To: 1},
		"largest numbers": {Version: math.MaxUint16, RunID: "r", From: math.MaxUint32, To: math.MaxUint32, Fingerprint: "f"},
		"fixstr edge":     {Version: 1, RunID: strings.Repeat("a", 31), From: 1, To: 2, Fingerprint: strings.Repeat("b", 32)},
		"str8 edge":       {Version: 1, RunID: strings.Repeat("a", 255), From: 1, To: 2, Fingerprint: strings.Repeat("b", 255)},
		"longest strings": {Version: 1, RunID: strings.Repeat("a", wire.MaxRunIDLen), From: 1, To: 2, Fingerprint: strings.Repeat("b", wire.MaxFingerprintLen)},
		"unicode":         {Version: 1, RunID: "ρun-✓", From: 7, To: 8, Fingerprint: "指纹"},
	}
	for name, h := range cases {
		if err := h.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", name, err)
		}
		got, err := wire.DecodeHello(wire.AppendHello(nil, h))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != h {
			t.Errorf("%s: decoded %+v, want %+v", name, got, h)
		}
	}
}

func TestHelloBytes(t *testing.T) {
	h := wire.Hello{Version: 1, RunID: "r7", From: 2, To: 1, Fingerprint: "ab"}
	want := "95" + "01" + "a27237" + "02" + "01" + "a26162"
	if got := hex.EncodeToString(wire.AppendHello(nil, h)); got != want {
		t.Errorf("hello payload %s, want %s", got, want)
	}
	if got := hex.EncodeToString(wire.AppendHelloReply(nil, wire.HelloReply{OK: true})); got != "92c3a0" {
		t.Errorf("OK reply payload %s, want 92c3a0", got)
	}
}

func TestHelloValidate(t *testing.T) {
	good := helloFrom(1, 2)
	bad := map[string]wire.Hello{
		"from 0":           {Version: 1, From: 0, To: 2},
		"to 0":             {Version: 1, From: 1, To: 0},
		"long run id":      {Version: 1, From: 1, To: 2, RunID: strings.Repeat("x", wire.MaxRunIDLen+1)},
		"long fingerprint": {Version: 1, From: 1, To: 2, Fingerprint: strings.Repeat("x", wire.MaxFingerprintLen+1)},
	}
	if err := good.Validate(); err != nil {
		t.Errorf("good hello: %v", err)
	}
	for name, h := range bad {
		if err := h.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
		// What Validate rejects, the decoder rejects too.
		if _, err := wire.DecodeHello(wire.AppendHello(nil, h)); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: DecodeHello gave %v, want ErrMalformed", name, err)
		}
	}
}

func TestDecodeHelloRejects(t *testing.T) {
	valid := hex.EncodeToString(wire.AppendHello(nil, wire.Hello{Version: 1, RunID: "r", From: 2, To: 1, Fingerprint: "f"}))
	cases := map[string]string{
		"empty":              "",
		"not an array":       "a161",
		"four elements":      "9401a1720201",
		"six elements":       "96" + "01" + "a172" + "02" + "01" + "a166" + "00",
		"version too big":    "95" + "ce00010000" + "a172" + "02" + "01" + "a166",
		"negative version":   "95" + "ff" + "a172" + "02" + "01" + "a166",
		"run id not str":     "95" + "01" + "c4017202" + "01" + "a166",
		"from 0":             "95" + "01" + "a172" + "00" + "01" + "a166",
		"to 0":               "95" + "01" + "a172" + "02" + "00" + "a166",
		"to over 32 bits":    "95" + "01" + "a172" + "02" + "cf0000000100000000" + "a166",
		"fingerprint nil":    "95" + "01" + "a172" + "02" + "01" + "c0",
		"trailing":           valid + "00",
		"truncated":          valid[:len(valid)-2],
		"str32 of 4 GiB":     "95" + "01" + "dbffffffff" + "02" + "01" + "a166",
		"str16 over limit":   "95" + "01" + "da0101" + strings.Repeat("61", 257) + "02" + "01" + "a166",
		"str8 cut short":     "95" + "01" + "d9" + "10" + "6161",
		"str16 header cut":   "95" + "01" + "da01",
		"str32 header cut":   "95" + "01" + "db0000",
		"str8 header cut":    "95" + "01" + "d9",
		"array16 header cut": "dc00",
	}
	for name, h := range cases {
		payload, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: bad test hex: %v", name, err)
		}
		got, err := wire.DecodeHello(payload)
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %+v, %v; want an error wrapping ErrMalformed", name, got, err)
		}
	}
}

func TestHelloReplyRoundTrip(t *testing.T) {
	cases := []wire.HelloReply{
		{OK: true},
		{OK: false, Reason: "run \"a\", this machine is in run \"b\""},
		{OK: false, Reason: strings.Repeat("r", wire.MaxReasonLen)},
		{OK: true, Reason: "unusual but valid"},
	}
	for _, r := range cases {
		got, err := wire.DecodeHelloReply(wire.AppendHelloReply(nil, r))
		if err != nil {
			t.Errorf("%+v: %v", r, err)
			continue
		}
		if got != r {
			t.Errorf("decoded %+v, want %+v", got, r)
		}
	}
}

// An over-long reason is cut to the limit, at a rune boundary, rather than
// producing a reply the peer would reject.
func TestHelloReplyCutsLongReason(t *testing.T) {
	for _, reason := range []string{
		strings.Repeat("x", wire.MaxReasonLen+500),
		strings.Repeat("é", wire.MaxReasonLen),       // two bytes a rune
		"x" + strings.Repeat("✓", wire.MaxReasonLen), // three bytes a rune, off by one
	} {
		got, err := wire.DecodeHelloReply(wire.AppendHelloReply(nil, wire.HelloReply{Reason: reason}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Reason) > wire.MaxReasonLen || len(got.Reason) < wire.MaxReasonLen-3 {
			t.Errorf("reason cut to %d bytes, want just under %d", len(got.Reason), wire.MaxReasonLen)
		}
		if !utf8.ValidString(got.Reason) || !strings.HasPrefix(reason, got.Reason) {
			t.Errorf("reason cut badly: %q...", got.Reason[:10])
		}
	}
}

func TestDecodeHelloReplyRejects(t *testing.T) {
	cases := map[string]string{
		"empty":            "",
		"one element":      "91c3",
		"three elements":   "93c3a000",
		"ok not bool":      "9201a0",
		"reason not str":   "92c2c0",
		"reason too long":  "92c2da0401" + strings.Repeat("61", wire.MaxReasonLen+1),
		"reason truncated": "92c2a5616263",
		"trailing":         "92c3a000",
		"truncated":        "92c3",
	}
	for name, h := range cases {
		payload, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: bad test hex: %v", name, err)
		}
		got, err := wire.DecodeHelloReply(payload)
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %+v, %v; want an error wrapping ErrMalformed", name, got, err)
		}
	}
}

func TestRefusedErrorMessage(t *testing.T) {
	err := error(&wire.RefusedError{Addr: "127.0.0.1:7001", Reason: "wrong run"})
	if got, want := err.Error(), "peer at 127.0.0.1:7001 refused the handshake: wrong run"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
