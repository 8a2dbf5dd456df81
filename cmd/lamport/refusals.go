package main

import (
	"fmt"
	"io"
	"slices"

	"lamport/core"
	"lamport/live"
	"lamport/record"
)

// printRefusals tells the person who started a run that its machines
// turned connections away (live.OptionRejectedPrefix), one line per
// machine that did; a run nobody probed prints nothing.
func printRefusals(w io.Writer, meta record.RunMeta) {
	ids := make([]core.MachineID, 0, len(meta.Config))
	for _, m := range meta.Config {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if v, ok := meta.Options[live.RejectionsKey(id)]; ok {
			fmt.Fprintf(w, "machine %d refused connections: %s\n", id, v)
		}
	}
}
