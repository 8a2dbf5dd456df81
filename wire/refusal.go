package wire

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Reason names why a server refused or dropped a connection; it is the key
// of ServerStats.Rejected and the "kind" of the log line.
type Reason string

// The reasons a Server counts. Those before ReasonBadMessage end a
// connection in its handshake; the last four end an admitted one.
const (
	// ReasonBusy: MaxPending connections were already in their handshake,
	// or MaxConns open; closed at once, without a reply.
	ReasonBusy Reason = "busy"
	// ReasonTimeout: the handshake was not complete within the handshake
	// timeout (a client that sends nothing, or too slowly).
	ReasonTimeout Reason = "timeout"
	// ReasonClosed: the client hung up (or reset) between handshake frames.
	ReasonClosed Reason = "closed"
	// ReasonTruncated: the client hung up inside a handshake frame.
	ReasonTruncated Reason = "truncated"
	// ReasonTooLarge: a handshake frame declared more than the handshake's
	// limit.
	ReasonTooLarge Reason = "too_large"
	// ReasonMalformed: a handshake frame that is not what the protocol
	// says (garbage bytes, a bad length prefix, an undecodable hello).
	ReasonMalformed Reason = "malformed"
	// ReasonVersion: a hello of another protocol version.
	ReasonVersion Reason = "version"
	// ReasonAuth: the dialer did not prove the server's secret, or offered
	// a proof to a server without one.
	ReasonAuth Reason = "auth"
	// ReasonRefused: the check passed to Serve rejected the hello without
	// naming a reason of its own.
	ReasonRefused Reason = "refused"
	// ReasonDuplicate: the hello claims a machine id that already has a
	// connection to this server.
	ReasonDuplicate Reason = "duplicate"
	// ReasonBadMessage: after the handshake, a frame that is not a message
	// (or is longer than any message).
	ReasonBadMessage Reason = "bad_message"
	// ReasonSpoofed: after the handshake, a message whose From is not the
	// machine id the connection authenticated as.
	ReasonSpoofed Reason = "spoofed"
	// ReasonOutOfRange: after the handshake, a message whose clock or
	// sequence number is above core.MaxClock or core.MaxSeq, which no real
	// run reaches: delivered, it would push the receiver's clock to the
	// top of its range.
	ReasonOutOfRange Reason = "out_of_range"
	// ReasonForged: after the handshake of a connection with a secret, a
	// frame whose tag is wrong or missing: altered, replayed, reordered,
	// or injected by someone who does not hold the connection's key.
	ReasonForged Reason = "forged"
)

// Reasons a check passed to Serve may give with Refuse, for the fields of a
// hello the server cannot judge by itself.
const (
	ReasonWrongRun    Reason = "wrong_run"
	ReasonWrongConfig Reason = "wrong_config"
	ReasonWrongTarget Reason = "wrong_target"
	ReasonUnknownPeer Reason = "unknown_peer"
)

// Refusal is an error that carries the reason a connection is refused
// under. A check passed to Serve makes one with Refuse.
type Refusal struct {
	Reason Reason
	Err    error
	// reply says whether the client gets a HelloReply with the reason: it
	// does once it has sent a well-framed hello, not for garbage or
	// silence, to which no answer is owed.
	reply bool
}

func (r *Refusal) Error() string { return r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// Refuse wraps err so that a Server counts the refusal under reason.
func Refuse(reason Reason, err error) error {
	return &Refusal{Reason: reason, Err: err}
}

func replyRefusal(reason Reason, err error) *Refusal {
	return &Refusal{Reason: reason, Err: err, reply: true}
}

// readRefusal classifies a failure to read (or write) a handshake frame.
func readRefusal(what string, err error) *Refusal {
	reason := ReasonClosed
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		reason = ReasonTimeout
	case errors.Is(err, ErrFrameTooLarge):
		reason = ReasonTooLarge
	case errors.Is(err, ErrMalformed):
		reason = ReasonMalformed
	case errors.Is(err, io.ErrUnexpectedEOF):
		reason = ReasonTruncated
	}
	return &Refusal{Reason: reason, Err: fmt.Errorf("%s: %w", what, err)}
}

// logLimiter lets through at most logBurst refusal lines per second, so a
// flood of bad connections cannot flood the log too; the counters stay
// exact. Its owner serialises calls.
type logLimiter struct {
	window     time.Time
	lines      int
	suppressed int
}

const logBurst = 20

// allow reports whether a line may be logged now and, if so, how many were
// held back since the last one that was.
func (l *logLimiter) allow(now time.Time) (bool, int) {
	if now.Sub(l.window) >= time.Second {
		l.window, l.lines = now, 0
	}
	if l.lines >= logBurst {
		l.suppressed++
		return false, 0
	}
	l.lines++
	n := l.suppressed
	l.suppressed = 0
	return true, n
}
