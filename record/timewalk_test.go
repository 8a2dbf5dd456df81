package record_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// The walk's order is checked against a brute-force oracle: every entry of
// every log, stamped with its machine's start offset, sorted stably by
// (time, machine). Machines start at different instants, so the order is
// not each log's own.
func TestTimeWalkMatchesASortOfEveryEntry(t *testing.T) {
	ids := []core.MachineID{1, 2, 3, 4, 5}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			st, _ := tempStore(t)
			meta := testMeta("walk", seed, t0, ids)
			// Machine 5 is listed but never logs; the others start up to
			// a few seconds apart, one before the run's start, two together.
			starts := []time.Duration{0, 3 * time.Second, 0, -time.Second, 0}
			for i := range meta.Machines {
				meta.Machines[i].StartWall = t0.Add(starts[i])
			}
			steps := schedule(t, seed, ids[:4], 400)
			// Whole seconds: many entries of different machines then
			// share a time, so the tie rule decides their order.
			for i := range steps {
				steps[i].e.At = steps[i].e.At.Truncate(time.Second)
			}
			recordRun(t, st, meta, steps, record.RecorderOptions{})

			type stamped struct {
				m     core.MachineID
				runAt time.Duration
				e     core.Entry
			}
			var want []stamped
			for _, s := range steps {
				want = append(want, stamped{s.m, starts[s.m-1] + s.e.At, s.e})
			}
			slices.SortStableFunc(want, func(a, b stamped) int {
				return cmp.Or(cmp.Compare(a.runAt, b.runAt), cmp.Compare(a.m, b.m))
			})

			var got []stamped
			err := st.View("walk", func(r *record.Reader) error {
				walk := r.TimeWalk()
				if !slices.Equal(walk.Machines(), ids) {
					return fmt.Errorf("machines %v, want %v", walk.Machines(), ids)
				}
				for te, ok := walk.Next(); ok; te, ok = walk.Next() {
					if walk.Machines()[te.Slot] != te.Machine {
						return fmt.Errorf("slot %d is machine %d, not %d", te.Slot, walk.Machines()[te.Slot], te.Machine)
					}
					if want := t0.Add(starts[te.Machine-1] + te.Entry.At); !te.Wall.Equal(want) {
						return fmt.Errorf("machine %d wall %v, want %v", te.Machine, te.Wall, want)
					}
					got = append(got, stamped{te.Machine, te.RunAt, te.Entry})
				}
				return walk.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("walked %d entries, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i].m != want[i].m || got[i].runAt != want[i].runAt || got[i].e.At != want[i].e.At ||
					got[i].e.Arrival != want[i].e.Arrival || got[i].e.Event.Index != want[i].e.Event.Index {
					t.Fatalf("entry %d: machine %d at %v, want machine %d at %v", i, got[i].m, got[i].runAt, want[i].m, want[i].runAt)
				}
			}
		})
	}
}

func TestTimeWalkOfSomeMachinesKeepsTheirOrder(t *testing.T) {
	ids := []core.MachineID{1, 2, 3}
	st, _ := tempStore(t)
	steps := schedule(t, 9, ids, 300)
	recordRun(t, st, testMeta("some", 9, t0, ids), steps, record.RecorderOptions{})
	want := perMachine(steps)[2]
	var got []core.Entry
	err := st.View("some", func(r *record.Reader) error {
		walk := r.TimeWalk(2, 7) // 7 is no machine of the run
		if !slices.Equal(walk.Machines(), []core.MachineID{2}) {
			return fmt.Errorf("machines %v, want [2]", walk.Machines())
		}
		for te, ok := walk.Next(); ok; te, ok = walk.Next() {
			got = append(got, te.Entry)
		}
		return walk.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := diffLogs(map[core.MachineID][]core.Entry{2: want}, map[core.MachineID][]core.Entry{2: got}); err != nil {
		t.Fatal(err)
	}
}
