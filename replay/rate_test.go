package replay_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// narrowRateModel draws its tick rate from [MinRate, MaxRate-1]: a model
// change that moves no event, only when the machine ticks.
type narrowRateModel struct {
	*core.Machine
	rate int
}

func (m narrowRateModel) Rate() int { return m.rate }

// recordedRates reads each machine's tick rate from the run's metadata,
// the values the live driver or the simulator wrote.
func recordedRates(t *testing.T, st *record.Store, runID string) map[core.MachineID]int {
	t.Helper()
	meta, err := st.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	rates := map[core.MachineID]int{}
	for _, mm := range meta.Machines {
		rates[mm.ID] = mm.Rate
	}
	return rates
}

// firstRateChange is the lowest machine id whose recorded rate is not
// want(id), and its recorded rate.
func firstRateChange(rates map[core.MachineID]int, n int, want func(core.MachineID) int) (core.MachineID, int) {
	for id := core.MachineID(1); id <= core.MachineID(n); id++ {
		if rates[id] != want(id) {
			return id, rates[id]
		}
	}
	return 0, 0
}

func TestReplayComparesEveryMachinesTickRate(t *testing.T) {
	st := tempStore(t)
	const n = 6
	recordSim(t, st, "rates", n, core.DefaultParams(7), 30*time.Second, "constant:1ms")
	rates := recordedRates(t, st, "rates")

	res, err := replay.Run(st, "rates", replay.Options{})
	if err != nil || !res.Identical() {
		t.Fatalf("unchanged replay: %v, first divergence %+v", err, res.First)
	}

	narrow := func(id core.MachineID, ids []core.MachineID, p core.Params) (replay.Model, error) {
		m, err := core.NewMachine(id, ids, p)
		if err != nil {
			return nil, err
		}
		q := p
		q.MaxRate = max(p.MinRate, p.MaxRate-1)
		return narrowRateModel{Machine: m, rate: core.Rate(q, id)}, nil
	}
	cases := []struct {
		name string
		opt  replay.Options
		want func(core.MachineID) int // the rate the replay draws
	}{
		{"max-rate=2", replay.Options{Params: &core.Params{Seed: 7, Actions: core.DefaultActions, MinRate: 1, MaxRate: 2}},
			func(id core.MachineID) int {
				return core.Rate(core.Params{Seed: 7, Actions: core.DefaultActions, MinRate: 1, MaxRate: 2}, id)
			}},
		{"min-rate=6", replay.Options{Params: &core.Params{Seed: 7, Actions: core.DefaultActions, MinRate: 6, MaxRate: 6}},
			func(core.MachineID) int { return 6 }},
		{"rates from [min, max-1]", replay.Options{NewModel: narrow},
			func(id core.MachineID) int {
				return core.Rate(core.Params{Seed: 7, Actions: core.DefaultActions, MinRate: 1, MaxRate: 5}, id)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			victim, recorded := firstRateChange(rates, n, c.want)
			if victim == 0 {
				t.Fatalf("seed 7 draws no rate this change moves (%v); pick another seed", rates)
			}
			res, err := replay.Run(st, "rates", c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Identical() {
				t.Fatalf("replay is identical though machine %d's rate moves from %d to %d", victim, recorded, c.want(victim))
			}
			d := res.First
			wantReason := fmt.Sprintf("tick rate differs: recorded %d, replayed %d ticks per second", recorded, c.want(victim))
			if d.Machine != victim || d.Index != 0 || d.Reason != wantReason {
				t.Fatalf("first divergence machine %d event %d %q, want machine %d event 0 %q", d.Machine, d.Index, d.Reason, victim, wantReason)
			}
			var buf strings.Builder
			if err := replay.WriteReport(&buf, res); err != nil {
				t.Fatal(err)
			}
			head := fmt.Sprintf("diverged: first at machine %d, before its first event, 0.000000s into the run\n  %s\n", victim, wantReason)
			if !strings.HasPrefix(buf.String(), head) {
				t.Fatalf("report starts\n%s\nwant\n%s", buf.String(), head)
			}
		})
	}
}
