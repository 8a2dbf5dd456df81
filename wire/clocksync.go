package wire

import (
	"errors"
	"fmt"
	"net"
	"time"

	"lamport/internal/msgp"
)

// MaxProbes bounds Hello.Probes: enough round trips for one of them to be
// quick on a busy network, few enough that a handshake stays short.
const MaxProbes = 16

// serverFrameKeyLabel separates the key of the server's frames after the
// handshake (probe answers, the start) from the dialer's frame key.
const serverFrameKeyLabel = "lamport wire v5 server frame key\x00"

// ClockSync is what a dial learnt of the peer's clock.
type ClockSync struct {
	// Probes is how many probes were answered; 0 means nothing was
	// measured and the rest is zero.
	Probes int
	// Offset is the peer's clock minus this side's, from the probe with the
	// shortest round trip, taken at its midpoint (Cristian's method).
	Offset time.Duration
	// Bound is half that round trip: whatever the split of the round trip
	// between the two directions, the true offset lies within
	// Offset ± Bound.
	Bound time.Duration
	// Start is the instant at which the peer said the run starts, read on
	// the peer's clock; zero when none was asked for (Hello.AwaitStart) or
	// the peer offers none.
	Start time.Time
}

// StartFunc is a server's answer to a dialer that waits for the run's
// start (Hello.AwaitStart): it blocks until the start is decided and
// returns it on the server's clock, or the zero time if this server does
// not decide it. done is closed when the server shuts down.
type StartFunc func(from Hello, done <-chan struct{}) (time.Time, error)

// AppendProbe appends a probe's payload, the msgpack array [n], n being
// the probe's number on its connection from 0.
func AppendProbe(dst []byte, n int) []byte {
	dst = msgp.AppendArrayHeader(dst, 1)
	return msgp.AppendUint(dst, uint64(n))
}

// DecodeProbe parses a probe payload: exactly [n] with n below MaxProbes.
func DecodeProbe(payload []byte) (int, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 1); err != nil {
		return 0, fmt.Errorf("probe: %w", err)
	}
	n, err := d.UintMax(MaxProbes - 1)
	if err != nil {
		return 0, fmt.Errorf("probe number: %w", malformedValue(err))
	}
	if err := noTrailing(&d); err != nil {
		return 0, fmt.Errorf("probe: %w", err)
	}
	return int(n), nil
}

// AppendProbeReply appends a probe's answer, [n, time], time being the
// server's clock when it answered, in nanoseconds since the Unix epoch.
func AppendProbeReply(dst []byte, n int, at time.Time) []byte {
	dst = msgp.AppendArrayHeader(dst, 2)
	dst = msgp.AppendUint(dst, uint64(n))
	return msgp.AppendInt(dst, at.UnixNano())
}

// DecodeProbeReply parses a probe's answer: exactly [n, time].
func DecodeProbeReply(payload []byte) (int, time.Time, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 2); err != nil {
		return 0, time.Time{}, fmt.Errorf("probe reply: %w", err)
	}
	n, err := d.UintMax(MaxProbes - 1)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("probe reply number: %w", malformedValue(err))
	}
	ns, err := d.Int64()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("probe reply time: %w", malformedValue(err))
	}
	if err := noTrailing(&d); err != nil {
		return 0, time.Time{}, fmt.Errorf("probe reply: %w", err)
	}
	return int(n), time.Unix(0, ns), nil
}

// AppendStart appends the start frame's payload, [time]: the run's start
// on the server's clock in nanoseconds since the Unix epoch, 0 for none.
func AppendStart(dst []byte, at time.Time) []byte {
	dst = msgp.AppendArrayHeader(dst, 1)
	ns := int64(0)
	if !at.IsZero() {
		ns = at.UnixNano()
	}
	return msgp.AppendInt(dst, ns)
}

// DecodeStart parses a start payload: exactly [time].
func DecodeStart(payload []byte) (time.Time, error) {
	d := msgp.NewDecoder(payload)
	if err := readArrayOf(&d, 1); err != nil {
		return time.Time{}, fmt.Errorf("start: %w", err)
	}
	ns, err := d.Int64()
	if err != nil {
		return time.Time{}, fmt.Errorf("start time: %w", malformedValue(err))
	}
	if err := noTrailing(&d); err != nil {
		return time.Time{}, fmt.Errorf("start: %w", err)
	}
	if ns == 0 {
		return time.Time{}, nil
	}
	return time.Unix(0, ns), nil
}

// syncClock runs the dialer's side of the exchange that follows an OK
// reply when the hello asked for probes or the start: each probe is timed
// on now, and the start is waited for without a deadline (ctx, through
// the connection's deadline, still ends it). Frames in both directions are
// tagged when the connection has a secret: the dialer's with its frame
// key, numbered before any message, the server's with the server's key.
func syncClock(nc net.Conn, fr *FrameReader, mac, smac *frameMAC, hello Hello, now func() time.Time) (ClockSync, error) {
	var cs ClockSync
	best := time.Duration(-1)
	for i := range int(hello.Probes) {
		frame := AppendProbe(nil, i)
		if mac != nil {
			frame = append(frame, mac.next(frame)...)
		}
		t0 := now()
		if err := WriteFrame(nc, frame); err != nil {
			return cs, fmt.Errorf("send clock probe: %w", err)
		}
		payload, err := readServerFrame(fr, smac)
		if err != nil {
			return cs, fmt.Errorf("clock probe reply: %w", err)
		}
		t1 := now()
		n, at, err := DecodeProbeReply(payload)
		if err != nil {
			return cs, err
		}
		if n != i {
			return cs, fmt.Errorf("clock probe reply: %w", malformed("answer to probe %d where %d was sent", n, i))
		}
		rtt := t1.Sub(t0)
		if best >= 0 && rtt >= best {
			continue
		}
		best = rtt
		// t0 and t1 carry this side's monotonic reading; the midpoint as a
		// wall time is what the peer's wall time is compared with.
		mid := t0.Add(rtt / 2).Round(0)
		cs.Offset, cs.Bound = at.Sub(mid), (rtt+1)/2
	}
	cs.Probes = int(hello.Probes)
	if hello.AwaitStart {
		_ = nc.SetReadDeadline(time.Time{})
		payload, err := readServerFrame(fr, smac)
		if err != nil {
			return cs, fmt.Errorf("the run's start: %w", err)
		}
		if cs.Start, err = DecodeStart(payload); err != nil {
			return cs, err
		}
	}
	return cs, nil
}

// readServerFrame reads the server's next frame after the handshake and
// checks its tag.
func readServerFrame(fr *FrameReader, smac *frameMAC) ([]byte, error) {
	frame, err := nextReply(fr)
	if err != nil {
		return nil, err
	}
	payload, ok := smac.open(frame)
	if !ok {
		return nil, fmt.Errorf("%w: a frame's tag does not match the server's key", ErrAuth)
	}
	return payload, nil
}

// answerClock runs the server's side of the exchange after an OK reply:
// it answers each of the hello's probes with now, then, if asked, the
// run's start from start (zero without one). The probes keep the
// handshake's deadline; the wait for the start has none but the server's
// shutdown.
func (c *conn) answerClock(fr *FrameReader, mac, smac *frameMAC, h Hello) error {
	for i := range int(h.Probes) {
		payload, ok, err := c.nextMessage(fr, mac)
		if err != nil {
			return err
		}
		if !ok {
			return errForgedProbe
		}
		n, err := DecodeProbe(payload)
		if err != nil {
			return err
		}
		if n != i {
			return malformed("probe %d where %d was due", n, i)
		}
		if err := c.writeServerFrame(smac, AppendProbeReply(nil, n, c.s.now())); err != nil {
			return err
		}
	}
	if !h.AwaitStart {
		return nil
	}
	_ = c.nc.SetDeadline(time.Time{})
	var start time.Time
	if c.s.Start != nil {
		var err error
		if start, err = c.s.Start(h, c.s.stopped); err != nil {
			return err
		}
	}
	return c.writeServerFrame(smac, AppendStart(nil, start))
}

var errForgedProbe = errors.New("a probe's tag does not match the connection's key")

func (c *conn) writeServerFrame(smac *frameMAC, payload []byte) error {
	if smac != nil {
		payload = append(payload, smac.next(payload)...)
	}
	return WriteFrame(c.nc, payload)
}

// newServerFrameMAC is the key of the server's frames after the handshake
// of a connection with a secret; nil without one.
func newServerFrameMAC(secret, hello, challenge, dialerProof []byte) *frameMAC {
	if len(secret) == 0 {
		return nil
	}
	return newFrameMACLabel(secret, serverFrameKeyLabel, hello, challenge, dialerProof)
}
