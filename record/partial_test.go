package record_test

import (
	"errors"
	"strings"
	"testing"

	"lamport/core"
	"lamport/record"
)

// A run is whole when its metadata lists every machine of its config.
func TestCheckWholeNamesTheMissingCount(t *testing.T) {
	cfg := core.RingConfig(3, "127.0.0.1", 0).Machines
	m := record.RunMeta{ID: "r", Config: cfg, Machines: []record.MachineMeta{{ID: 1}, {ID: 3}}}
	err := m.CheckWhole()
	if !m.Partial() || !errors.Is(err, record.ErrPartialRun) || !strings.Contains(err.Error(), "run r has 2 of its 3 machines") {
		t.Fatalf("2 of 3 machines: partial %v, %v", m.Partial(), err)
	}
	m.Machines = append(m.Machines, record.MachineMeta{ID: 2})
	if m.Partial() || m.CheckWhole() != nil {
		t.Fatalf("3 of 3 machines: partial %v, %v", m.Partial(), m.CheckWhole())
	}
}
