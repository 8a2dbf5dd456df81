package live

import (
	"path/filepath"
	"strconv"

	"lamport/core"
)

// LogPath is where machine id's log file of run runID goes under dir: one
// directory per run, so a run never overwrites another's logs.
func LogPath(dir, runID string, id core.MachineID) string {
	return filepath.Join(dir, runID, "log_"+strconv.FormatUint(uint64(id), 10)+".txt")
}
