package replay

import (
	"testing"

	"lamport/core"
)

// TestProducedMatchesAMap drives produced and a plain map with the same
// random sends, duplicates and settlements, including messages left
// unsettled long enough to spill, gaps (a restart's skipped numbers) and
// settlements of messages never sent; every answer must agree.
func TestProducedMatchesAMap(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		rng := core.NewRNG(seed, 0)
		p := newProduced()
		ref := map[msgKey]sentMessage{}
		var live, abandoned []msgKey // sent and maybe unsettled, in send order
		lastSeq := map[core.MachineID]uint64{}
		check := func(msg core.Message) {
			got := p.find(msg)
			want, ok := ref[msgKey{msg.From, msg.Seq}]
			if (got != nil) != ok || (ok && *got != want) {
				t.Fatalf("seed %d: find %v = %+v, want %+v (%v)", seed, msg, got, want, ok)
			}
		}
		for step := 0; step < 8*maxWindow; step++ {
			from := core.MachineID(1 + rng.Below(3))
			switch r := rng.Below(100); {
			case r < 45: // a send, now and then after a gap
				seq := lastSeq[from] + 1
				if rng.Below(500) == 0 {
					seq += rng.Below(40)
				}
				lastSeq[from] = seq
				m := sentMessage{msg: core.Message{From: from, Seq: seq, Clock: uint64(step)}, to: 9, event: uint64(step), copies: 1}
				p.add(m)
				ref[msgKey{from, seq}] = m
				if rng.Below(3000) == 0 {
					abandoned = append(abandoned, msgKey{from, seq}) // never settled
				} else {
					live = append(live, msgKey{from, seq})
				}
			case r < 48 && len(live) > 0: // a duplicate
				k := live[rng.Below(uint64(len(live)))]
				if s := p.find(core.Message{From: k.from, Seq: k.seq}); s != nil {
					s.copies++
					m := ref[k]
					m.copies++
					ref[k] = m
				}
			case r < 97 && len(live) > 0: // settle a recent one, mostly
				i := len(live) - 1 - int(rng.Below(uint64(min(len(live), 64))))
				if rng.Below(1000) == 0 {
					i = int(rng.Below(uint64(len(live))))
				}
				k := live[i]
				msg := core.Message{From: k.from, Seq: k.seq}
				check(msg)
				got, ok := p.take(msg)
				want, wok := ref[k]
				if ok != wok || (ok && got.msg != want.msg) {
					t.Fatalf("seed %d: take %v = %+v %v, want %+v %v", seed, msg, got, ok, want, wok)
				}
				if wok {
					if want.copies--; want.copies == 0 {
						delete(ref, k)
						live = append(live[:i], live[i+1:]...)
					} else {
						ref[k] = want
					}
				}
			default: // ask for a message never sent
				check(core.Message{From: from, Seq: lastSeq[from] + 1 + rng.Below(5)})
			}
		}
		for _, k := range append(live, abandoned...) {
			check(core.Message{From: k.from, Seq: k.seq})
		}
		if len(p.spilled) == 0 {
			t.Errorf("seed %d: nothing spilled; the test does not reach the map", seed)
		}
	}
}
