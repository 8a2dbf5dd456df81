package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"lamport/record"
)

// printRunSummary is what run and machine print at the end: the run, its
// seed, every machine's counts and final clock, and how to replay it.
func printRunSummary(w io.Writer, storePath string, meta record.RunMeta, stats []record.MachineStats) {
	var events uint64
	for _, s := range stats {
		events += s.Events
	}
	elapsed := "running"
	if !meta.Ended.IsZero() {
		elapsed = meta.Ended.Sub(meta.Started).Round(10 * time.Millisecond).String()
	}
	fmt.Fprintf(w, "run %s  %s  seed %d  %d machines  %s  %d events\n",
		meta.ID, meta.Status, meta.Seed, len(meta.Machines), elapsed, events)
	rates := map[uint32]int{}
	for _, m := range meta.Machines {
		rates[uint32(m.ID)] = m.Rate
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "machine\trate/s\tevents\tsend\trecv\tinternal\tfinal clock\tleft in queue\t")
	for _, s := range stats {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", s.ID, rates[uint32(s.ID)], s.Events, s.Sends, s.Recvs, s.Internals, s.LastClock, s.Arrivals-s.Recvs)
	}
	tw.Flush()
	storeFlag := ""
	if storePath != "lamport.db" {
		storeFlag = " --store " + storePath
	}
	fmt.Fprintf(w, "replay: lamport replay %s%s\n", meta.ID, storeFlag)
}
