package core_test

import (
	"reflect"
	"testing"

	"lamport/core"
)

// runNetwork drives machines with a seeded interleaving of ticks and
// instant deliveries and returns every machine's events.
func runNetwork(t *testing.T, seed uint64, ids []core.MachineID, steps int) map[core.MachineID][]core.Event {
	t.Helper()
	ms := map[core.MachineID]*core.Machine{}
	for _, id := range ids {
		ms[id] = newMachine(t, id, ids, core.DefaultParams(seed))
	}
	sched := core.NewRNG(seed, 0) // the test's own stream, id 0 is no machine
	out := map[core.MachineID][]core.Event{}
	var inflight []struct {
		to  core.MachineID
		msg core.Message
	}
	for range steps {
		if len(inflight) > 0 && sched.Below(3) == 0 {
			// deliver the oldest in-flight message to keep per-link FIFO
			f := inflight[0]
			inflight = inflight[1:]
			ms[f.to].Deliver(f.msg)
			continue
		}
		id := ids[sched.Below(uint64(len(ids)))]
		ev := ms[id].Tick()
		ev.To = append([]core.MachineID(nil), ev.To...)
		out[id] = append(out[id], ev)
		for i, msg := range ev.Sent(id) {
			inflight = append(inflight, struct {
				to  core.MachineID
				msg core.Message
			}{ev.To[i], msg})
		}
	}
	return out
}

func TestLamportInvariantsUnderRandomSchedules(t *testing.T) {
	ids := []core.MachineID{1, 2, 3, 4, 5}
	for seed := uint64(0); seed < 100; seed++ {
		events := runNetwork(t, seed, ids, 2000)
		sent := map[core.Message]core.MachineID{}
		for _, id := range ids {
			for _, ev := range events[id] {
				for i, msg := range ev.Sent(id) {
					sent[msg] = ev.To[i]
				}
			}
		}
		for _, id := range ids {
			var prev uint64
			for i, ev := range events[id] {
				if ev.Index != uint64(i+1) {
					t.Fatalf("seed %d m%d: event %d has index %d", seed, id, i+1, ev.Index)
				}
				switch ev.Kind {
				case core.KindRecv:
					if ev.Clock != max(prev, ev.Msg.Clock)+1 {
						t.Fatalf("seed %d m%d #%d: recv clock %d, want max(%d,%d)+1", seed, id, ev.Index, ev.Clock, prev, ev.Msg.Clock)
					}
					if to, ok := sent[ev.Msg]; !ok || to != id {
						t.Fatalf("seed %d m%d received %+v that was not sent to it", seed, id, ev.Msg)
					}
				default:
					if ev.Clock != prev+1 {
						t.Fatalf("seed %d m%d #%d: %v clock %d after %d", seed, id, ev.Index, ev.Kind, ev.Clock, prev)
					}
				}
				prev = ev.Clock
			}
		}
	}
}

func TestSameSeedSameHistory(t *testing.T) {
	ids := []core.MachineID{1, 2, 3}
	for seed := uint64(0); seed < 50; seed++ {
		a := runNetwork(t, seed, ids, 1500)
		b := runNetwork(t, seed, ids, 1500)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: two runs of the same inputs differ", seed)
		}
	}
}
