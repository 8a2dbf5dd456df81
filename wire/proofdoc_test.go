package wire_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/wire"
)

// docProofs reads the proof formulas of docs/WIRE.md: the lines of its
// fenced blocks of the form `NAME = HMAC-SHA256(secret, TERM ‖ TERM ...)`,
// NAME -> terms.
func docProofs(t *testing.T) map[string][]string {
	t.Helper()
	doc, err := os.ReadFile("../docs/WIRE.md")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^([a-z ]+) = HMAC-SHA256\(secret, (.*)\)$`)
	out := map[string][]string{}
	for i, block := range strings.Split(string(doc), "```") {
		if i%2 == 0 {
			continue // outside a fence
		}
		for _, l := range strings.Split(block, "\n") {
			if m := line.FindStringSubmatch(l); m != nil {
				out[m[1]] = strings.Split(m[2], " ‖ ")
			}
		}
	}
	for _, name := range []string{"dialer proof", "server proof", "frame key"} {
		if out[name] == nil {
			t.Fatalf("docs/WIRE.md gives no %q formula in a fenced block", name)
		}
	}
	return out
}

// docFrameTag reads the frame tag formula of docs/WIRE.md:
// `frame tag = first N bytes of HMAC-SHA256(frame key, TERM ‖ TERM ...)`.
func docFrameTag(t *testing.T) (size int, terms []string) {
	t.Helper()
	doc, err := os.ReadFile("../docs/WIRE.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^frame tag = first ([0-9]+) bytes of HMAC-SHA256\(frame key, (.*)\)$`).FindStringSubmatch(string(doc))
	if m == nil {
		t.Fatal("docs/WIRE.md gives no frame tag formula")
	}
	size, _ = strconv.Atoi(m[1])
	return size, strings.Split(m[2], " ‖ ")
}

// uvarint is the doc's uvarint: 7 bits a byte, least significant first,
// the high bit set on every byte but the last.
func uvarint(n int) []byte {
	var b []byte
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

// macInput builds a formula's MAC input byte by byte from its terms: a
// quoted label (\0 is a zero byte), uvarint(len(FIELD)), uvarint(N), or a
// field by name.
func macInput(t *testing.T, terms []string, fields map[string][]byte) []byte {
	t.Helper()
	var in []byte
	for _, term := range terms {
		switch {
		case strings.HasPrefix(term, `"`) && strings.HasSuffix(term, `"`):
			in = append(in, strings.ReplaceAll(term[1:len(term)-1], `\0`, "\x00")...)
		case strings.HasPrefix(term, "uvarint(len(") && strings.HasSuffix(term, "))"):
			f, ok := fields[strings.TrimSuffix(strings.TrimPrefix(term, "uvarint(len("), "))")]
			if !ok {
				t.Fatalf("the formula names an unknown field in %q", term)
			}
			in = append(in, uvarint(len(f))...)
		case term == "uvarint(0)":
			in = append(in, 0)
		case term == "uint64be(n)":
			n := fields["n"]
			if len(n) != 8 {
				t.Fatal("the formula numbers frames, and no number was given")
			}
			in = append(in, n...)
		default:
			f, ok := fields[term]
			if !ok {
				t.Fatalf("the formula has a term this test cannot read: %q", term)
			}
			in = append(in, f...)
		}
	}
	return in
}

func hmacSHA256(secret, in []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(in)
	return m.Sum(nil)
}

// docDialer is a dialer built from docs/WIRE.md alone, connected to a real
// server with its secret: what the handshake's MACs are made of, and the
// connection after the OK reply.
type docDialer struct {
	nc       net.Conn
	fr       *wire.FrameReader
	secret   []byte
	formulas map[string][]string
	fields   map[string][]byte
	// serverProof is the proof of the server's OK reply.
	serverProof []byte
}

// dialAsTheDocSays sends hello (its run id long enough that its length
// takes two uvarint bytes), answers the challenge with the dialer proof
// computed from the document's formula, and checks that the server admits
// it and answers with exactly the server proof the document's formula
// gives. The formulas are read from the document, so a change to it that
// the code does not follow fails.
func dialAsTheDocSays(t *testing.T, s *wire.Server, secret []byte, h wire.Hello) *docDialer {
	t.Helper()
	d := &docDialer{secret: secret, formulas: docProofs(t)}
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	d.nc = nc
	_ = nc.SetDeadline(time.Now().Add(patience))
	hello := wire.AppendHello(nil, h)
	if len(hello) < 128 {
		t.Fatalf("the hello is %d bytes, want one whose length is two uvarint bytes", len(hello))
	}
	if err := wire.WriteFrame(nc, hello); err != nil {
		t.Fatal(err)
	}
	d.fr = wire.NewFrameReader(nc, 4096)
	payload, err := d.fr.Next()
	if err != nil {
		t.Fatal(err)
	}
	challenge := bytes.Clone(payload)
	if _, err := wire.DecodeChallenge(challenge); err != nil {
		t.Fatalf("the server's second frame is not a challenge: %v", err)
	}

	d.fields = map[string][]byte{"hello": hello, "challenge": challenge}
	dialerProof := hmacSHA256(secret, macInput(t, d.formulas["dialer proof"], d.fields))
	if err := wire.WriteFrame(nc, wire.AppendProof(nil, wire.Proof{MAC: dialerProof})); err != nil {
		t.Fatal(err)
	}
	payload, err = d.fr.Next()
	if err != nil {
		t.Fatal(err)
	}
	reply, err := wire.DecodeHelloReply(payload)
	if err != nil {
		t.Fatal(err)
	}
	if !reply.OK {
		t.Fatalf("the server refused the dialer proof of docs/WIRE.md's formula: %s", reply.Reason)
	}
	d.fields["dialer proof"] = dialerProof
	if want := hmacSHA256(secret, macInput(t, d.formulas["server proof"], d.fields)); !bytes.Equal(reply.Proof, want) {
		t.Fatalf("the server's proof is\n%x\nthe formula of docs/WIRE.md gives\n%x", reply.Proof, want)
	}
	d.serverProof = reply.Proof
	return d
}

// tag is the document's frame tag of payload as frame n under key.
func (d *docDialer) tag(t *testing.T, key []byte, n uint64, payload []byte) []byte {
	t.Helper()
	tagSize, tagTerms := docFrameTag(t)
	num := make([]byte, 8)
	for i := range 8 {
		num[i] = byte(n >> (56 - 8*i))
	}
	return hmacSHA256(key, macInput(t, tagTerms, map[string][]byte{"n": num, "payload": payload}))[:tagSize]
}

// key is the key of the document's formula name.
func (d *docDialer) key(t *testing.T, name string) []byte {
	t.Helper()
	terms, ok := d.formulas[name]
	if !ok {
		t.Fatalf("docs/WIRE.md gives no %q formula", name)
	}
	return hmacSHA256(d.secret, macInput(t, terms, d.fields))
}

func TestProofsAreAsWireMDSays(t *testing.T) {
	secret := []byte("a secret both ends were given")
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Secret = secret
	box := newInbox()
	runServer(t, s, func(wire.Hello) error { return nil }, box)
	d := dialAsTheDocSays(t, s, secret, wire.Hello{Version: wire.ProtocolVersion, RunID: strings.Repeat("r", 200), From: 2, To: 1,
		Fingerprint: testFingerprint, Nonce: [wire.NonceSize]byte{1, 2, 3}})
	nc := d.nc

	// Messages tagged as the document says are delivered; one whose tag
	// is for another frame number is refused as forged.
	frameKey := d.key(t, "frame key")
	sendTagged := func(n uint64, m core.Message) {
		t.Helper()
		payload := wire.AppendMessage(nil, m)
		if err := wire.WriteFrame(nc, append(payload, d.tag(t, frameKey, n, payload)...)); err != nil {
			t.Fatal(err)
		}
	}
	sendTagged(0, core.Message{From: 2, Seq: 1, Clock: 5})
	sendTagged(1, core.Message{From: 2, Seq: 2, Clock: 6})
	if got := box.waitFor(t, 2); got[0].Clock != 5 || got[1].Clock != 6 {
		t.Fatalf("delivered %v, want the two messages tagged by the document's formula", got)
	}
	sendTagged(3, core.Message{From: 2, Seq: 3, Clock: 7})
	waitRejected(t, s, map[wire.Reason]uint64{wire.ReasonForged: 1})

	// The same formulas against the functions the code exports.
	hello, challenge, dialerProof := d.fields["hello"], d.fields["challenge"], d.fields["dialer proof"]
	if got, want := wire.DialerProof(secret, hello, challenge), hmacSHA256(secret, macInput(t, d.formulas["dialer proof"], d.fields)); !bytes.Equal(got, want) {
		t.Errorf("wire.DialerProof = %x, the document's formula %x", got, want)
	}
	if got, want := wire.ServerProof(secret, hello, challenge, dialerProof), d.serverProof; !bytes.Equal(got, want) {
		t.Errorf("wire.ServerProof = %x, the document's formula %x", got, want)
	}
}

// The clock probes as docs/WIRE.md gives them: a probe tagged as the
// dialer's frame 0 is answered with the server's clock, tagged with the
// document's server frame key as the server's frame 0, and the first
// message after it is the dialer's frame 1.
func TestClockProbesAreAsWireMDSays(t *testing.T) {
	secret := []byte("a secret both ends were given")
	s, err := wire.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serverNow := time.Unix(1_800_000_000, 42)
	s.Secret, s.Now = secret, func() time.Time { return serverNow }
	box := newInbox()
	runServer(t, s, func(wire.Hello) error { return nil }, box)
	d := dialAsTheDocSays(t, s, secret, wire.Hello{Version: wire.ProtocolVersion, RunID: strings.Repeat("r", 200), From: 2, To: 1,
		Fingerprint: testFingerprint, Probes: 1})
	frameKey, serverKey := d.key(t, "frame key"), d.key(t, "server frame key")
	probe := wire.AppendProbe(nil, 0)
	if err := wire.WriteFrame(d.nc, append(probe, d.tag(t, frameKey, 0, probe)...)); err != nil {
		t.Fatal(err)
	}
	frame, err := d.fr.Next()
	if err != nil {
		t.Fatal(err)
	}
	payload, tag := frame[:len(frame)-wire.FrameMACSize], frame[len(frame)-wire.FrameMACSize:]
	if want := d.tag(t, serverKey, 0, payload); !bytes.Equal(tag, want) {
		t.Fatalf("the probe's answer has tag %x, the document's server frame key gives %x", tag, want)
	}
	if n, at, err := wire.DecodeProbeReply(payload); err != nil || n != 0 || !at.Equal(serverNow) {
		t.Fatalf("probe answer %d %v %v, want 0 and the server's clock %v", n, at, err, serverNow)
	}
	m := wire.AppendMessage(nil, core.Message{From: 2, Seq: 1, Clock: 9})
	if err := wire.WriteFrame(d.nc, append(m, d.tag(t, frameKey, 1, m)...)); err != nil {
		t.Fatal(err)
	}
	if got := box.waitFor(t, 1); got[0].Clock != 9 {
		t.Fatalf("delivered %v, want the message tagged as frame 1", got)
	}
}

// A probe out of turn, or with a wrong tag, ends the connection and is
// counted; nothing is answered.
func TestABadProbeIsRefusedAndCounted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int    // the probe's number
		tagN   uint64 // the frame number its tag is for
		reason wire.Reason
	}{
		{"out of turn", 1, 0, wire.ReasonBadMessage},
		{"wrong tag", 0, 5, wire.ReasonForged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := []byte("k")
			s, err := wire.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s.Secret = secret
			runServer(t, s, func(wire.Hello) error { return nil }, newInbox())
			d := dialAsTheDocSays(t, s, secret, wire.Hello{Version: wire.ProtocolVersion, RunID: strings.Repeat("r", 200), From: 2, To: 1,
				Fingerprint: testFingerprint, Probes: 2})
			probe := wire.AppendProbe(nil, tc.n)
			if err := wire.WriteFrame(d.nc, append(probe, d.tag(t, d.key(t, "frame key"), tc.tagN, probe)...)); err != nil {
				t.Fatal(err)
			}
			if _, err := d.fr.Next(); err == nil {
				t.Error("the server answered a bad probe")
			}
			waitRejected(t, s, map[wire.Reason]uint64{tc.reason: 1})
		})
	}
}
