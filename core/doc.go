// Package core is the machine model of the lamport scale model: a pure state
// machine per virtual machine, in the style of etcd raft's RawNode.
//
// A Machine has no goroutines, sockets, wall clock or global randomness. Its
// only inputs are Deliver (a message arrived) and Tick (the machine's clock
// ticked); its outputs are the Events those calls return. Drivers (live,
// simulated, replayed) own time and the network and feed the same inputs in
// the same order to reproduce the same outputs exactly.
//
// A clock never wraps. The network refuses a message whose clock or
// sequence number is above MaxClock or MaxSeq (2^53, out of reach of any
// real run; see MaxClock), and a Machine saturates: a receive of a forged
// clock that the network did not refuse leaves the clock at math.MaxUint64
// at most, and it stays there, so no later event is ordered before an
// earlier one.
//
// core imports no other package of the project and does no IO.
package core
