package replay_test

import (
	"fmt"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// deliverSpy records every message the replay hands machine 2's model.
type deliverSpy struct {
	*core.Machine
	got map[[2]uint64]uint64 // (from, seq) -> clock delivered
}

func (s deliverSpy) Deliver(msg core.Message) {
	s.got[[2]uint64{uint64(msg.From), msg.Seq}] = msg.Clock
	s.Machine.Deliver(msg)
}

// An arrival delivers the message the replayed sender produced, not the
// recorded copy: a recording whose arrival carries a tampered clock still
// feeds the model the sender's clock, and the tampered copy is reported.
func TestArrivalDeliversTheReplayedSendersMessage(t *testing.T) {
	st := tempStore(t)
	recordSim(t, st, "clean", 3, core.DefaultParams(5), time.Minute, "constant:1ms")
	// Tamper with machine 2's first arrival: its recorded clock + 1000.
	var tampered core.Message
	copyRun(t, st, "clean", "tampered", record.StatusComplete, func(id core.MachineID, e *core.Entry) bool {
		if id == 2 && e.Arrival && tampered.Seq == 0 {
			tampered = e.Msg
			e.Msg.Clock += 1000
		}
		return true
	})
	if tampered.Seq == 0 {
		t.Fatal("machine 2 has no arrival")
	}
	recordedHash, err := replay.RecordedHash(st, "tampered")
	if err != nil {
		t.Fatal(err)
	}

	spy := deliverSpy{got: map[[2]uint64]uint64{}}
	res, err := replay.Run(st, "tampered", replay.Options{NewModel: func(id core.MachineID, ids []core.MachineID, p core.Params) (replay.Model, error) {
		m, err := core.NewMachine(id, ids, p)
		if id != 2 {
			return m, err
		}
		spy.Machine = m
		return spy, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	key := [2]uint64{uint64(tampered.From), tampered.Seq}
	if got, ok := spy.got[key]; !ok || got != tampered.Clock {
		t.Fatalf("machine 2's model was given message %s with clock %d (delivered %v), want the sender's clock %d", tampered.ID(), got, ok, tampered.Clock)
	}
	want := fmt.Sprintf("message %s arrived carrying clock %d in the recording, the replayed sender's carries %d", tampered.ID(), tampered.Clock+1000, tampered.Clock)
	if res.Identical() || res.First.Machine != 2 || res.First.Reason != want {
		t.Fatalf("tampered arrival: first divergence %+v, want on machine 2: %q", res.First, want)
	}
	if res.Hash == recordedHash {
		t.Fatal("the replay's trace hash equals the tampered recording's: it hashed the recorded copy")
	}

	// The untampered run: identical, and the replay's hash is the recording's.
	res, err = replay.Run(st, "clean", replay.Options{})
	if err != nil || !res.Identical() {
		t.Fatalf("clean run: %v %+v", err, res.First)
	}
	if h, err := replay.RecordedHash(st, "clean"); err != nil || h != res.Hash {
		t.Fatalf("identical replay hash %s, recording's %s (%v)", res.Hash, h, err)
	}
}

// A lost or duplicated message's recorded clock is checked like an
// arrival's: a tampered one is a divergence naming both clocks.
func TestLostAndDuplicatedMessagesCarryTheSendersClock(t *testing.T) {
	st := tempStore(t)
	recordFaultySim(t, st, "faulty", 3, 8, 2*time.Minute, "exp:2ms", core.Faults{Drop: 0.2, Dup: 0.2})
	if res, err := replay.Run(st, "faulty", replay.Options{}); err != nil || !res.Identical() {
		t.Fatalf("untampered faulty run: %v %+v", err, res.First)
	}
	for _, c := range []struct {
		kind core.FaultKind
		verb string
	}{{core.FaultLost, "lost"}, {core.FaultDup, "duplicated"}} {
		var tampered core.Message
		id := "tampered-" + c.verb
		copyRun(t, st, "faulty", id, record.StatusComplete, func(_ core.MachineID, e *core.Entry) bool {
			if e.Fault.Kind == c.kind && tampered.Seq == 0 {
				tampered = e.Msg
				e.Msg.Clock += 7
			}
			return true
		})
		if tampered.Seq == 0 {
			t.Fatalf("no %s message in the run", c.verb)
		}
		res, err := replay.Run(st, id, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("the recording %s message %s carrying clock %d, the replayed sender's carries %d", c.verb, tampered.ID(), tampered.Clock+7, tampered.Clock)
		if res.Identical() || res.First.Reason != want {
			t.Fatalf("tampered %s message: first divergence %+v, want %q", c.verb, res.First, want)
		}
	}
}
