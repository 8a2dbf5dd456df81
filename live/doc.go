// Package live drives core machines in real time over real TCP and records
// every input and output to the store.
//
// It is a top-level package because it joins wire (the network) and record
// (the store), which may not import each other, and because the CLI's run
// and machine commands, and the integration tests, all need the same driver.
// The goroutines, sockets and wall clock of a live run live here; the model
// itself stays in core.
package live
