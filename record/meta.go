package record

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"lamport/core"
)

// Status is where a run is in its life.
type Status string

const (
	// StatusRunning: BeginRun was called and FinishRun not yet. A run whose
	// process died without FinishRun stays so on disk until the next Open,
	// which reads it as StatusInterrupted (see OptionRecovered).
	StatusRunning Status = "running"
	// StatusComplete: the run ended as planned (duration reached, or a
	// clean Ctrl-C) and every entry was flushed.
	StatusComplete Status = "complete"
	// StatusInterrupted: the run ended early on an error, or its recording
	// process died (then Options[OptionRecovered] says so).
	StatusInterrupted Status = "interrupted"
)

func (st Status) valid() bool {
	return st == StatusRunning || st == StatusComplete || st == StatusInterrupted
}

// MachineMeta is what a run keeps about one of its machines.
type MachineMeta struct {
	ID core.MachineID
	// Rate is the machine's ticks per second before Speed is applied.
	Rate int
	// StartWall is the wall time at which the machine's Entry.At offsets
	// are zero. The driver sets it; record only stores it.
	StartWall time.Time
	// Clocks are the machine's measurements of its peers' clocks in other
	// processes, made when it connected; none for a run on one clock.
	Clocks []PeerClock
}

// RunMeta is a run's metadata, stored as JSON under runs/<id>.
type RunMeta struct {
	// ID names the run: non-empty, at most maxRunID bytes, printable, no
	// spaces, and not "latest" (which Resolve reserves).
	ID   string
	Seed uint64
	// Mode is the driver that recorded the run: "live" or "sim".
	Mode   string
	Params core.Params
	Speed  float64
	Config []core.MachineSpec
	// Fingerprint is core.Fingerprint(Config, Params).
	Fingerprint string
	// Machines are the machines this store records, sorted by ID with no
	// repeats; after a merge, the union of the parts.
	Machines []MachineMeta
	Status   Status
	Started  time.Time
	// Ended is zero while Status is running.
	Ended time.Time
	// Tool is the recording tool's version string.
	Tool string
	// Schema is the SchemaVersion that wrote the run; BeginRun sets it.
	Schema int
	// Options are free-form extra parameters kept for display.
	Options map[string]string
}

// Machine returns the metadata of machine id.
func (m RunMeta) Machine(id core.MachineID) (MachineMeta, bool) {
	i, ok := slices.BinarySearchFunc(m.Machines, id, func(mm MachineMeta, id core.MachineID) int {
		return cmpID(mm.ID, id)
	})
	if !ok {
		return MachineMeta{}, false
	}
	return m.Machines[i], true
}

func cmpID(a, b core.MachineID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

const maxRunID = 256

func validRunID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("run id is empty")
	case len(id) > maxRunID:
		return fmt.Errorf("run id %.20q... is longer than %d bytes", id, maxRunID)
	case id == refLatest:
		return fmt.Errorf("run id %q is reserved for the newest run", id)
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '\uFFFD' {
			return fmt.Errorf("run id %q: only printable characters without spaces", id)
		}
	}
	return nil
}

// normalise sorts Machines and rejects repeats, so every stored meta keeps
// the documented invariant.
func (m *RunMeta) normalise() error {
	if err := validRunID(m.ID); err != nil {
		return err
	}
	if !m.Status.valid() {
		return fmt.Errorf("run %s: unknown status %q", m.ID, m.Status)
	}
	m.Machines = slices.Clone(m.Machines)
	slices.SortFunc(m.Machines, func(a, b MachineMeta) int { return cmpID(a.ID, b.ID) })
	for i := 1; i < len(m.Machines); i++ {
		if m.Machines[i].ID == m.Machines[i-1].ID {
			return fmt.Errorf("run %s: machine %d listed twice", m.ID, m.Machines[i].ID)
		}
	}
	return nil
}

// The JSON form is spelled out field by field, so that renaming a Go field
// (here or in core) cannot silently change the stored format.
type jsonMeta struct {
	ID          string             `json:"id"`
	Seed        uint64             `json:"seed"`
	Mode        string             `json:"mode"`
	Params      jsonParams         `json:"params"`
	Speed       float64            `json:"speed"`
	Config      []core.MachineSpec `json:"config"`
	Fingerprint string             `json:"fingerprint"`
	Machines    []jsonMachine      `json:"machines"`
	Status      Status             `json:"status"`
	Started     time.Time          `json:"started"`
	Ended       time.Time          `json:"ended,omitzero"`
	Tool        string             `json:"tool"`
	Schema      int                `json:"schema"`
	Options     map[string]string  `json:"options,omitempty"`
}

type jsonParams struct {
	Seed    uint64 `json:"seed"`
	Actions int    `json:"actions"`
	MinRate int    `json:"min_rate"`
	MaxRate int    `json:"max_rate"`
}

type jsonMachine struct {
	ID        core.MachineID `json:"id"`
	Rate      int            `json:"rate"`
	StartWall time.Time      `json:"start_wall"`
	Clocks    []jsonClock    `json:"clocks,omitempty"`
}

// jsonClock is a PeerClock, its durations in nanoseconds.
type jsonClock struct {
	Peer   core.MachineID `json:"peer"`
	Offset int64          `json:"offset_ns"`
	Bound  int64          `json:"bound_ns"`
}

func encodeMeta(m RunMeta) ([]byte, error) {
	j := jsonMeta{
		ID: m.ID, Seed: m.Seed, Mode: m.Mode,
		Params:      jsonParams{Seed: m.Params.Seed, Actions: m.Params.Actions, MinRate: m.Params.MinRate, MaxRate: m.Params.MaxRate},
		Speed:       m.Speed,
		Config:      m.Config,
		Fingerprint: m.Fingerprint,
		Status:      m.Status, Started: m.Started, Ended: m.Ended,
		Tool: m.Tool, Schema: m.Schema, Options: m.Options,
	}
	for _, mm := range m.Machines {
		jm := jsonMachine{ID: mm.ID, Rate: mm.Rate, StartWall: mm.StartWall}
		for _, c := range mm.Clocks {
			jm.Clocks = append(jm.Clocks, jsonClock{Peer: c.Peer, Offset: int64(c.Offset), Bound: int64(c.Bound)})
		}
		j.Machines = append(j.Machines, jm)
	}
	return json.MarshalIndent(j, "", "  ")
}

func decodeMeta(b []byte) (RunMeta, error) {
	var j jsonMeta
	if err := json.Unmarshal(b, &j); err != nil {
		return RunMeta{}, err
	}
	m := RunMeta{
		ID: j.ID, Seed: j.Seed, Mode: j.Mode,
		Params:      core.Params{Seed: j.Params.Seed, Actions: j.Params.Actions, MinRate: j.Params.MinRate, MaxRate: j.Params.MaxRate},
		Speed:       j.Speed,
		Config:      j.Config,
		Fingerprint: j.Fingerprint,
		Status:      j.Status, Started: j.Started, Ended: j.Ended,
		Tool: j.Tool, Schema: j.Schema, Options: j.Options,
	}
	for _, jm := range j.Machines {
		mm := MachineMeta{ID: jm.ID, Rate: jm.Rate, StartWall: jm.StartWall}
		for _, c := range jm.Clocks {
			mm.Clocks = append(mm.Clocks, PeerClock{Peer: c.Peer, Offset: time.Duration(c.Offset), Bound: time.Duration(c.Bound)})
		}
		m.Machines = append(m.Machines, mm)
	}
	return m, nil
}

// Partial reports whether the metadata lists only some of the run's
// machines: a store of one 'lamport machine' process, not yet merged.
func (m RunMeta) Partial() bool { return len(m.Machines) < len(m.Config) }

// CheckWhole returns an error wrapping ErrPartialRun, naming the run and
// the count, if m is Partial.
func (m RunMeta) CheckWhole() error {
	if m.Partial() {
		return fmt.Errorf("run %s has %d of its %d machines: %w", m.ID, len(m.Machines), len(m.Config), ErrPartialRun)
	}
	return nil
}
