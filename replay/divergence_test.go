package replay_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

func TestRecordingWithAnArrivalRemovedDiverges(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "whole", 3, core.DefaultParams(5), time.Minute, "exp:5ms")
	var dropped core.Message
	copyRun(t, st, "whole", "holed", record.StatusComplete, func(id core.MachineID, e *core.Entry) bool {
		if id == 2 && e.Arrival && dropped.Seq == 0 && e.At > 10*time.Second {
			dropped = e.Msg
			return false
		}
		return true
	})
	if dropped.Seq == 0 {
		t.Fatal("machine 2 had no arrival after 10s to drop")
	}
	res, err := replay.Run(st, "holed", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identical() || res.First.Machine != 2 {
		t.Fatalf("dropping arrival %s on machine 2: first divergence %+v", dropped.ID(), res.First)
	}
}

func TestRecordingWithAnUnsentArrivalStallsAndReports(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "whole", 3, core.DefaultParams(6), time.Minute, "exp:5ms")
	// Drop machine 1's send events after 20s: their messages still arrive
	// in the recording, but the replay can never produce them.
	copyRun(t, st, "whole", "ghost", record.StatusComplete, func(id core.MachineID, e *core.Entry) bool {
		return !(id == 1 && !e.Arrival && e.At > 20*time.Second)
	})
	res, err := replay.Run(st, "ghost", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identical() || res.First.Message == nil || res.First.Message.From != 1 {
		t.Fatalf("arrivals of messages machine 1 never sent: first divergence %+v", res.First)
	}
}

// A crash leaves every machine's log cut at the last committed batch, one
// cut across machines; such a prefix replays cleanly.
func TestInterruptedPrefixReplaysCleanly(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "full", 4, core.DefaultParams(9), 2*time.Minute, "exp:30ms")
	cut := 47*time.Second + 123*time.Millisecond
	copyRun(t, st, "full", "cut", record.StatusInterrupted, func(_ core.MachineID, e *core.Entry) bool { return e.At <= cut })
	res, err := replay.Run(st, "cut", replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, _ := replay.Run(st, "full", replay.Options{})
	if !res.Identical() || res.Events == 0 || res.Events >= full.Events {
		t.Fatalf("prefix replay: identical=%v events %d of %d (%+v)", res.Identical(), res.Events, full.Events, res.First)
	}
}

// Golden output of the report: an identical replay, a what-if seed, and a
// planted model change, on small fixed simulations.
func TestReplayReportGolden(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "small", 3, core.DefaultParams(7), 20*time.Second, "constant:1ms")
	seed8 := core.DefaultParams(8)
	planted := func(id core.MachineID, ids []core.MachineID, p core.Params) (replay.Model, error) {
		m, err := core.NewMachine(id, ids, p)
		if id != 3 {
			return m, err
		}
		return &plantedModel{Machine: m, from: 4}, err
	}
	for name, opt := range map[string]replay.Options{
		"identical.golden":    {},
		"set-seed-8.golden":   {Params: &seed8},
		"planted-recv.golden": {NewModel: planted},
	} {
		res, err := replay.Run(st, "small", opt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := replay.WriteReport(&buf, res); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "replay/"+name, buf.Bytes())
	}
}

func TestPartOfARunIsRefusedNotReportedAsDivergence(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "whole", 3, core.DefaultParams(5), 10*time.Second, "exp:5ms")
	copyRun(t, st, "whole", "part", record.StatusComplete, func(id core.MachineID, _ *core.Entry) bool { return id == 1 })
	if err := st.UpdateRun("part", func(m *record.RunMeta) { m.Machines = m.Machines[:1] }); err != nil {
		t.Fatal(err)
	}
	if _, err := replay.Run(st, "part", replay.Options{}); !errors.Is(err, record.ErrPartialRun) {
		t.Fatalf("replay of machine 1's part alone: %v, want ErrPartialRun", err)
	}
}
