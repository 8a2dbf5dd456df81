package wire_test

import (
	"bytes"
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
		"shared":          {Version: 3, RunID: "r", From: 1, To: 1, Fingerprint: "f", Shared: true},
		"clock sync":      {Version: 5, RunID: "r", From: 1, To: 2, Fingerprint: "f", Probes: wire.MaxProbes, AwaitStart: true},
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
	h := wire.Hello{Version: 3, RunID: "r7", From: 2, To: 1, Fingerprint: "ab"}
	h.Nonce[0], h.Nonce[31] = 0xaa, 0xbb
	// fixarray 9, then shared, probes and await_start at the end.
	head := "99" + "03" + "a27237" + "02" + "01" + "a26162" + "c420" + "aa" + strings.Repeat("00", 30) + "bb"
	want := head + "c2" + "00" + "c2"
	if got := hex.EncodeToString(wire.AppendHello(nil, h)); got != want {
		t.Errorf("hello payload %s, want %s", got, want)
	}
	h.Shared = true
	want = head + "c3" + "00" + "c2"
	if got := hex.EncodeToString(wire.AppendHello(nil, h)); got != want {
		t.Errorf("shared hello payload %s, want %s", got, want)
	}
	h.Shared, h.Probes, h.AwaitStart = false, 8, true
	want = head + "c2" + "08" + "c3"
	if got := hex.EncodeToString(wire.AppendHello(nil, h)); got != want {
		t.Errorf("hello with probes payload %s, want %s", got, want)
	}
	if got := hex.EncodeToString(wire.AppendHelloReply(nil, wire.HelloReply{OK: true})); got != "93c3a0c400" {
		t.Errorf("OK reply payload %s, want 93c3a0c400", got)
	}
	proof := make([]byte, wire.ProofSize)
	proof[0] = 0x11
	want = "93c3a0c420" + "11" + strings.Repeat("00", 31)
	if got := hex.EncodeToString(wire.AppendHelloReply(nil, wire.HelloReply{OK: true, Proof: proof})); got != want {
		t.Errorf("OK reply with proof %s, want %s", got, want)
	}
}

func TestHelloValidate(t *testing.T) {
	good := helloFrom(1, 2)
	bad := map[string]wire.Hello{
		"from 0":           {Version: 1, From: 0, To: 2},
		"to 0":             {Version: 1, From: 1, To: 0},
		"long run id":      {Version: 1, From: 1, To: 2, RunID: strings.Repeat("x", wire.MaxRunIDLen+1)},
		"long fingerprint": {Version: 1, From: 1, To: 2, Fingerprint: strings.Repeat("x", wire.MaxFingerprintLen+1)},
		"too many probes":  {Version: 1, From: 1, To: 2, Probes: wire.MaxProbes + 1},
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
	valid := hex.EncodeToString(wire.AppendHello(nil, wire.Hello{Version: 2, RunID: "r", From: 2, To: 1, Fingerprint: "f"}))
	nonce := "c420" + strings.Repeat("00", wire.NonceSize)
	cases := map[string]string{
		"empty":              "",
		"not an array":       "a161",
		"four elements":      "9401a1720201",
		"five elements (v1)": "95" + "01" + "a172" + "02" + "01" + "a166",
		"seven elements":     "97" + "02" + "a172" + "02" + "01" + "a166" + nonce + "00",
		"version too big":    "96" + "ce00010000" + "a172" + "02" + "01" + "a166" + nonce,
		"negative version":   "96" + "ff" + "a172" + "02" + "01" + "a166" + nonce,
		"run id not str":     "96" + "02" + "c4017202" + "01" + "a166" + nonce,
		"from 0":             "96" + "02" + "a172" + "00" + "01" + "a166" + nonce,
		"to 0":               "96" + "02" + "a172" + "02" + "00" + "a166" + nonce,
		"to over 32 bits":    "96" + "02" + "a172" + "02" + "cf0000000100000000" + "a166" + nonce,
		"fingerprint nil":    "96" + "02" + "a172" + "02" + "01" + "c0" + nonce,
		"nonce not bin":      "96" + "02" + "a172" + "02" + "01" + "a166" + "a0",
		"nonce too short":    "96" + "02" + "a172" + "02" + "01" + "a166" + "c41f" + strings.Repeat("00", 31),
		"nonce too long":     "96" + "02" + "a172" + "02" + "01" + "a166" + "c421" + strings.Repeat("00", 33),
		"nonce bin32 of 4G":  "96" + "02" + "a172" + "02" + "01" + "a166" + "c6ffffffff",
		"nonce cut short":    "96" + "02" + "a172" + "02" + "01" + "a166" + "c420" + "0000",
		"trailing":           valid + "00",
		"truncated":          valid[:len(valid)-2],
		"str32 of 4 GiB":     "96" + "02" + "dbffffffff" + "02" + "01" + "a166" + nonce,
		"str16 over limit":   "96" + "02" + "da0101" + strings.Repeat("61", 257) + "02" + "01" + "a166" + nonce,
		"str8 cut short":     "96" + "02" + "d9" + "10" + "6161",
		"str16 header cut":   "96" + "02" + "da01",
		"str32 header cut":   "96" + "02" + "db0000",
		"str8 header cut":    "96" + "02" + "d9",
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
		{OK: true, Proof: bytes.Repeat([]byte{0xee}, wire.ProofSize)},
	}
	for _, r := range cases {
		got, err := wire.DecodeHelloReply(wire.AppendHelloReply(nil, r))
		if err != nil {
			t.Errorf("%+v: %v", r, err)
			continue
		}
		if got.OK != r.OK || got.Reason != r.Reason || !bytes.Equal(got.Proof, r.Proof) {
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
		"empty":             "",
		"one element":       "91c3",
		"two elements (v1)": "92c3a0",
		"four elements":     "94c3a0c40000",
		"ok not bool":       "9301a0c400",
		"reason not str":    "93c2c0c400",
		"reason too long":   "93c2da0401" + strings.Repeat("61", wire.MaxReasonLen+1) + "c400",
		"reason truncated":  "93c2a5616263",
		"proof not bin":     "93c3a0a0",
		"proof of 31 bytes": "93c3a0c41f" + strings.Repeat("00", 31),
		"proof of 33 bytes": "93c3a0c421" + strings.Repeat("00", 33),
		"trailing":          "93c3a0c40000",
		"truncated":         "93c3a0",
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
