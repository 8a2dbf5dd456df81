// Package report holds analyses and exports of recorded runs, for people
// and for other tools: derived views of a run that nothing in the model,
// the network, the store or the replay engine needs.
//
// It is a top-level package because none of the fixed packages is its
// natural home: core is the pure model and does no IO; wire is the network
// format; record stores runs but does not interpret them; replay re-executes
// runs through the model, while a report only reads what was recorded.
// report imports core and record only, and nothing of the project imports
// it but the CLI.
//
// Analyze reads a run once, in store order, and keeps only fixed-size
// state per machine and per pair (running sums, bounded histograms), so its
// memory does not grow with the run's length; WriteText prints the result
// as the tables of 'lamport report'.
//
// The ShiViz export (WriteShiViz) derives vector clocks from the recorded
// sends and receives after the fact, so a run pays nothing for them while
// it runs; CheckShiViz checks such a log independently.
//
// WriteHTML renders one run as a self-contained page of inline SVG plots
// (clock, lag, queue, jump histogram, space-time diagram) built from the
// small chart types in svg.go; WriteSweepHTML does the same for a sweep's
// table. Both write well-formed XML with no script, so tests parse them.
package report
