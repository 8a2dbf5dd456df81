// Package wire is how machines of a live run talk over TCP: the msgpack
// message and handshake payloads, the length-prefixed frames that carry
// them, and the links between machines.
//
// Every machine listens on its own address (Listen, Server.Serve) and, for
// each peer, dials one outbound connection (Dial, Link) that it only ever
// writes messages to. Between two machines there are therefore two
// one-directional connections, and the order of messages from one sender to
// one receiver is the order of one TCP stream. Machines that run in one
// process instead share one connection (Hello.Shared, Link.SendTo,
// Server.Route) whose frames are tagged with their target; each sender's
// messages to each target still go through one queue into one stream, so
// they keep their order.
//
// The payloads are msgpack written and read by hand on byte slices
// (internal/msgp), so the hot path neither reflects nor allocates, and
// every decoder is strict and bounded: it rejects what it did not expect
// instead of guessing, and it never allocates more than the documented
// limits, whatever a peer sends.
//
// wire imports only core and internal/msgp of this project. docs/WIRE.md
// describes the protocol byte by byte.
package wire
