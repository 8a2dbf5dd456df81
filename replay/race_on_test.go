//go:build race

package replay_test

// raceEnabled: the race detector slows the simulator about tenfold, so the
// largest tests run a smaller instance under it.
const raceEnabled = true
