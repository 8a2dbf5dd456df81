package live_test

import (
	"context"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/runcheck"
	"lamport/live"
	"lamport/record"
)

// TestSendSideFaultsAreRecordedAndReplay: drops, a partition and an
// injected delay in a real loopback run. Every loss is in its sender's
// log right after the send, with a reason that matches the fault; no lost
// message arrives; delayed messages arrive later than the delay's floor;
// the run passes the model's check and replays identically.
func TestSendSideFaultsAreRecordedAndReplay(t *testing.T) {
	st := openStore(t)
	const speed, duration = 40.0, 3 * time.Second
	part := core.Partition{A: 1, B: 2, From: time.Second, To: 2 * time.Second}
	delay, err := core.ParseLatency("constant:30ms")
	if err != nil {
		t.Fatal(err)
	}
	spec := live.Spec{
		RunID: "faulty", Config: core.RingConfig(3, "127.0.0.1", 0), Params: core.DefaultParams(5),
		Speed: speed, Duration: duration, Store: st, Tool: "test",
		Faults: core.Faults{Drop: 0.2, Partitions: []core.Partition{part}}, Delay: delay,
	}
	res, err := live.Run(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.Status != record.StatusComplete {
		t.Fatalf("status %s", res.Meta.Status)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := runcheck.Verify(st, "faulty"); err != nil {
		t.Fatalf("the faulty recording breaks the model: %v", err)
	}
	assertReplaysIdentically(t, st, "faulty")

	type key struct {
		from core.MachineID
		seq  uint64
	}
	sentAt := map[key]time.Duration{}
	lost := map[key]core.LostReason{}
	arrivedAt := map[key]time.Duration{}
	err = st.View("faulty", func(r *record.Reader) error {
		for _, id := range r.Machines() {
			it := r.Entries(id)
			var lastSend time.Duration = -1
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				switch {
				case e.IsTick() && e.Event.Kind == core.KindSend:
					lastSend = e.At
					for _, m := range e.Event.Sent(id) {
						sentAt[key{m.From, m.Seq}] = e.At
					}
				case e.Fault.Kind == core.FaultLost:
					if e.Msg.From != id || e.At != lastSend {
						t.Errorf("machine %d logs the loss of %s at %v, not right after its send at %v", id, e.Msg.ID(), e.At, lastSend)
					}
					lost[key{e.Msg.From, e.Msg.Seq}] = e.Fault.Reason
					cutNow := part.From <= e.At && e.At < part.To && (id == 1 && e.Fault.To == 2 || id == 2 && e.Fault.To == 1)
					if cutNow != (e.Fault.Reason == core.LostPartition) || e.Fault.Reason == core.LostDown {
						t.Errorf("message %s to %d at %v lost for %v", e.Msg.ID(), e.Fault.To, e.At, e.Fault.Reason)
					}
				case e.Arrival:
					arrivedAt[key{e.Msg.From, e.Msg.Seq}] = e.At
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[core.LostReason]int{}
	for k, why := range lost {
		reasons[why]++
		if _, ok := arrivedAt[k]; ok {
			t.Errorf("lost message %d:%d arrived", k.from, k.seq)
		}
	}
	if reasons[core.LostDrop] == 0 || reasons[core.LostPartition] == 0 {
		t.Errorf("losses by reason %v; want drops and partition losses", reasons)
	}
	// Every machine's offsets share one origin in a one-process run, so a
	// message's flight is arrival minus send; the delay is its floor.
	var early int
	for k, at := range arrivedAt {
		if at-sentAt[k] < 30*time.Millisecond {
			early++
		}
	}
	if len(arrivedAt) == 0 || early > 0 {
		t.Errorf("%d of %d arrivals came before the injected 30ms delay", early, len(arrivedAt))
	}
}

func TestLiveRefusesSimOnlyFaults(t *testing.T) {
	st := openStore(t)
	for name, f := range map[string]core.Faults{
		"dup":   {Dup: 0.1},
		"crash": {Crashes: []core.Crash{{ID: 1, From: 0, To: time.Second}}},
		"clog":  {Clog: core.Clog{Every: time.Second, For: time.Second}},
		"bad":   {Drop: 2},
	} {
		spec := live.Spec{RunID: "x", Config: core.RingConfig(3, "127.0.0.1", 0), Params: core.DefaultParams(1), Speed: 1, Store: st, Faults: f}
		if _, err := live.Run(context.Background(), spec); err == nil {
			t.Errorf("%s: a live run accepted it", name)
		}
	}
}
