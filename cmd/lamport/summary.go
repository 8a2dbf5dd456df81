package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"lamport/core"
	"lamport/record"
)

// printRunSummary is what run and machine print at the end: the run, its
// seed, every machine's counts and final clock, and how to replay it.
func printRunSummary(w io.Writer, storePath string, meta record.RunMeta, stats []core.MachineStats) {
	var events uint64
	for _, s := range stats {
		events += s.Events
	}
	elapsed := "running"
	if !meta.Ended.IsZero() {
		elapsed = meta.Ended.Sub(meta.Started).Round(10 * time.Millisecond).String()
	}
	if meta.Speed != 0 && meta.Speed != 1 {
		// The time is the wall's: at --speed 10 the model lived ten times as long.
		elapsed += " at speed " + strconv.FormatFloat(meta.Speed, 'g', -1, 64)
	}
	fmt.Fprintf(w, "run %s  %s  seed %d  %s  %s  %d events\n",
		meta.ID, meta.Status, meta.Seed, machinesOf(meta), elapsed, events)
	rates := map[uint32]int{}
	for _, m := range meta.Machines {
		rates[uint32(m.ID)] = m.Rate
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "machine\trate/s\tevents\tsend\trecv\tinternal\tfinal clock\tleft in queue\t")
	for _, s := range stats {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", s.ID, rates[uint32(s.ID)], s.Events, s.Sends, s.Recvs, s.Internals, s.LastClock, s.Arrivals-s.Recvs-s.QueueLost)
	}
	tw.Flush()
	printRefusals(w, meta)
	var faults uint64
	for _, s := range stats {
		faults += s.Faults
	}
	// sim prints its own, finer line (lost, duplicated, crashes).
	if faults > 0 && meta.Mode != "sim" {
		fmt.Fprintf(w, "faults: %d recorded (lost and duplicated messages, crashes, restarts); lamport report counts them\n", faults)
	}
	if meta.Partial() {
		fmt.Fprintf(w, "this store holds part of the run; merge every machine's store before replaying it:\n  lamport merge lamport.db %s <the other machines' stores> && lamport replay %s\n", storePath, meta.ID)
		return
	}
	storeFlag := ""
	if storePath != "lamport.db" {
		storeFlag = " --store " + storePath
	}
	fmt.Fprintf(w, "replay: lamport replay %s%s\n", meta.ID, storeFlag)
}

// machinesOf says how many machines a run has, and of how many in its
// config when it holds only part of them: "3 machines", "1 of 3 machines".
func machinesOf(meta record.RunMeta) string {
	n, of := len(meta.Machines), len(meta.Config)
	noun := "machines"
	if of == 1 || (of == 0 && n == 1) {
		noun = "machine"
	}
	if n < of {
		return fmt.Sprintf("%d of %d %s", n, of, noun)
	}
	return fmt.Sprintf("%d %s", n, noun)
}

// printLogsLine ends the summary of a live run with where its log files
// went, one directory per run.
func printLogsLine(w io.Writer, logDir string, meta record.RunMeta) {
	if logDir == "" {
		return
	}
	fmt.Fprintf(w, "logs: %s%c\n", filepath.Join(logDir, meta.ID), filepath.Separator)
}
