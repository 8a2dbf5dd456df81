package replay

import (
	"errors"
	"time"

	"lamport/core"
	"lamport/record"
)

// HeldSim is a simulation run held in memory, to be recorded afterwards:
// what RecordSim would record, before any of it is written. A sweep of
// many short runs simulates each this way, then records it with others in
// one commit (record.Store.FinishTogether) and analyses it from Entries
// (report.AnalyzeLogs) rather than reading it back.
type HeldSim struct {
	// Meta is the metadata RecordSim begins the recording with: status
	// running, its machines in id order.
	Meta record.RunMeta
	// Entries are every entry of the run, each machine's in log order, in
	// the order the simulation produced them: what RecordSim hands its
	// Recorder.
	Entries []record.MachineEntry
	Result  SimResult
	// Err is Simulate's error: nil for a run that reached its Duration,
	// ErrStopped (wrapped) for one that Spec.Stop ended.
	Err error
}

// SimulateHeld simulates run, keeping every entry in memory. buf's room is
// reused for Entries (its contents are dropped), so a caller that hands
// back the Entries of a run it is done with allocates nothing for them.
// run.Recorder is not used.
func SimulateHeld(run SimRun, buf []record.MachineEntry) HeldSim {
	spec := run.Spec
	spec.Machines = run.Config.IDs()
	h := HeldSim{Meta: run.meta(), Entries: buf[:0]}
	if h.Err = spec.Params.Validate(); h.Err != nil {
		return h
	}
	h.Result, h.Err = Simulate(spec, func(m core.MachineID, e *core.Entry) {
		h.Entries = append(h.Entries, record.MachineEntry{M: m, E: *e})
	})
	return h
}

// Ending is how RecordSim would end the run's recording: complete at
// Started + Duration when the simulation reached its end; otherwise
// interrupted, at the latest of the machines' last entries (Started for
// a run without entries).
func (h *HeldSim) Ending(duration time.Duration) (record.Status, time.Time) {
	if h.Err == nil {
		return record.StatusComplete, h.Meta.Started.Add(duration)
	}
	// As RecordSim reads it from the store's stats: the latest of the
	// machines' LastAt. A machine's At never goes back, so that is the
	// latest At of any entry.
	var last time.Duration
	for i := range h.Entries {
		last = max(last, h.Entries[i].E.At)
	}
	return record.StatusInterrupted, h.Meta.Started.Add(last)
}

// Stopped reports whether Spec.Stop ended the simulation before its end.
func (h *HeldSim) Stopped() bool { return errors.Is(h.Err, ErrStopped) }
