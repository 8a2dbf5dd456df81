package live

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"lamport/core"
	"lamport/record"
)

// RestartSeqSkip is how many message numbers a machine restarted into its
// run passes over (FaultRestart.SeqSkip): more than a machine can send in
// the ≤ 200 ms of events a killed process leaves unrecorded, so the
// messages of that lost tail, which peers may have received, never share
// a number with one sent after the restart.
const RestartSeqSkip = 1 << 32

// ErrRunComplete is returned by Run with Spec.Resume for a run that ended
// as planned: there is nothing to rejoin.
var ErrRunComplete = errors.New("the run is complete; only an interrupted or running run can be rejoined")

// OptionRestarts is the Options key, one per machine, counting how often
// it was restarted into its run: "restarts.m<id>".
func OptionRestarts(id core.MachineID) string {
	return "restarts.m" + strconv.FormatUint(uint64(id), 10)
}

// resumeNode makes n the same machine again, restarted into run
// spec.RunID of spec.Store: it replays the machine's recorded log through
// the model, which rebuilds its clock, queue, random stream and message
// numbers exactly, checking every recorded event on the way, and returns
// the entries that record the crash and the restart.
func resumeNode(spec Spec, n *node) ([]core.Entry, error) {
	meta, err := spec.Store.Run(spec.RunID)
	if err != nil {
		return nil, fmt.Errorf("rejoin run %s: %w", spec.RunID, err)
	}
	mm, ok := meta.Machine(n.self)
	switch {
	case !ok:
		return nil, fmt.Errorf("rejoin run %s: the store holds no log of machine %d", spec.RunID, n.self)
	case meta.Status == record.StatusComplete:
		return nil, fmt.Errorf("rejoin run %s: %w", spec.RunID, ErrRunComplete)
	case meta.Fingerprint != n.fingerprint:
		return nil, fmt.Errorf("rejoin run %s: it was recorded with config fingerprint %s, this one is %s (a different config or parameters)", spec.RunID, meta.Fingerprint, n.fingerprint)
	}
	n.start = mm.StartWall
	var lastAt time.Duration
	err = spec.Store.View(spec.RunID, func(r *record.Reader) error {
		it := r.Entries(n.self)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			lastAt = e.At
			switch {
			case e.Arrival:
				n.machine.Deliver(e.Msg)
			case e.Fault.Kind != 0:
				switch e.Fault.Kind {
				case core.FaultCrash:
					n.machine.Crash()
				case core.FaultRestart:
					n.machine.Restart(e.Fault.Missed, e.Fault.ResetClock, e.Fault.SeqSkip)
				case core.FaultLost, core.FaultDup:
					// The network's, not the machine's.
				}
			default:
				if ev := n.machine.Tick(); ev.Clock != e.Event.Clock || ev.Kind != e.Event.Kind || ev.Index != e.Event.Index {
					return fmt.Errorf("machine %d's recorded event %d does not follow from its seed and inputs (recorded %v clock %d, rebuilt %v clock %d)",
						n.self, e.Event.Index, e.Event.Kind, e.Event.Clock, ev.Kind, ev.Clock)
				}
			}
		}
		return it.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("rejoin run %s: %w", spec.RunID, err)
	}

	// The schedule's ticks are due at start + k*interval; those that fell
	// while the process was gone are missed.
	interval := tickInterval(n.machine.Rate(), spec.Speed)
	at := max(n.clock.Now().Sub(n.start), lastAt)
	missed := uint64(0)
	if due := uint64(at / interval); due > n.machine.Ticks() {
		missed = due - n.machine.Ticks()
	}
	if spec.Duration > 0 && at >= spec.Duration {
		return nil, fmt.Errorf("rejoin run %s: its schedule ended %v after its start (--duration %v); there is nothing left to run", spec.RunID, spec.Duration, spec.Duration)
	}
	crash := core.Entry{At: lastAt, Fault: core.Fault{Kind: core.FaultCrash, QueueLost: n.machine.Crash()}}
	n.machine.Restart(missed, false, RestartSeqSkip)
	restart := core.Entry{At: at, Fault: core.Fault{Kind: core.FaultRestart, Missed: missed, SeqSkip: RestartSeqSkip}}
	n.resumeBegin = n.start
	n.firstTick = int64(n.machine.Ticks()) + 1
	return []core.Entry{crash, restart}, nil
}

// markRejoined records, once the rejoined machine has reached its peers,
// that the run is running again and that it was restarted; a rejoin that
// cannot connect leaves the run as it was.
func markRejoined(spec Spec, id core.MachineID) error {
	err := spec.Store.UpdateRun(spec.RunID, func(m *record.RunMeta) {
		m.Status, m.Ended = record.StatusRunning, time.Time{}
		if m.Options == nil {
			m.Options = map[string]string{}
		}
		k := OptionRestarts(id)
		count, _ := strconv.Atoi(m.Options[k])
		m.Options[k] = strconv.Itoa(count + 1)
	})
	if err != nil {
		return fmt.Errorf("rejoin run %s: %w", spec.RunID, err)
	}
	return nil
}
