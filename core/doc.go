// Package core is the machine model of the lamport scale model: a pure state
// machine per virtual machine, in the style of etcd raft's RawNode.
//
// A Machine has no goroutines, sockets, wall clock or global randomness. Its
// only inputs are Deliver (a message arrived) and Tick (the machine's clock
// ticked); its outputs are the Events those calls return. Drivers (live,
// simulated, replayed) own time and the network and feed the same inputs in
// the same order to reproduce the same outputs exactly.
//
// core imports no other package of the project and does no IO.
package core
