// Package replay re-executes recorded runs through the core model and
// compares outputs (the replay engine), runs the same model in virtual
// time (the simulator), and compares two recorded runs (diff).
//
// Replay never copies a recorded output into the model: a machine gets the
// recorded schedule (its ticks and arrivals, in recorded order) and the
// messages its peers produce in the replay, so whether a queue was empty at
// a tick follows from the replayed arrivals alone.
package replay
