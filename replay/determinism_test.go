package replay_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// Parameter sets the determinism tests sweep: the classic setup, smaller
// clock variation, fewer internal events, and a bigger ring on a slow,
// jittery network.
var paramSets = []struct {
	name     string
	machines int
	params   func(seed uint64) core.Params
	latency  string
}{
	{"classic", 3, core.DefaultParams, "exp:1ms"},
	{"narrow rates", 4, func(s uint64) core.Params { return core.Params{Seed: s, Actions: 10, MinRate: 5, MaxRate: 6} }, "constant:2ms"},
	{"few internal", 5, func(s uint64) core.Params { return core.Params{Seed: s, Actions: 4, MinRate: 1, MaxRate: 6} }, "uniform:0s-800ms"},
}

func TestSimulationIsDeterministicAcrossSeeds(t *testing.T) {
	const seeds = 200
	for _, ps := range paramSets {
		t.Run(ps.name, func(t *testing.T) {
			hashes := map[string]uint64{}
			for seed := uint64(1); seed <= seeds; seed++ {
				spec := replay.SimSpec{Machines: core.RingConfig(ps.machines, "sim", 0).IDs(), Params: ps.params(seed),
					Duration: 30 * time.Second, Latency: mustLatency(t, ps.latency)}
				a, err := replay.Simulate(spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				b, err := replay.Simulate(spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				if a.Hash != b.Hash || !reflect.DeepEqual(a.Stats, b.Stats) {
					t.Fatalf("seed %d: two simulations differ: %s vs %s", seed, a.Hash, b.Hash)
				}
				if other, dup := hashes[a.Hash]; dup {
					t.Fatalf("seeds %d and %d give the same trace hash: the hash misses the seed", other, seed)
				}
				hashes[a.Hash] = seed
			}
		})
	}
}

// Recorded twice, the same simulation stores the same events, and each
// recording replays with zero divergence.
func TestRecordedSimulationsMatchAndReplay(t *testing.T) {
	st := tempStore(t)
	for set, ps := range paramSets {
		for seed := uint64(1); seed <= 8; seed++ {
			a, b := fmt.Sprintf("set%d-seed%d-a", set, seed), fmt.Sprintf("set%d-seed%d-b", set, seed)
			ra := recordSim(t, st, a, ps.machines, ps.params(seed), 20*time.Second, ps.latency)
			rb := recordSim(t, st, b, ps.machines, ps.params(seed), 20*time.Second, ps.latency)
			if ra.Hash != rb.Hash {
				t.Fatalf("%s seed %d: hashes %s vs %s", ps.name, seed, ra.Hash, rb.Hash)
			}
			if !reflect.DeepEqual(entriesOf(t, st, a), entriesOf(t, st, b)) {
				t.Fatalf("%s seed %d: stored events differ", ps.name, seed)
			}
			res, err := replay.Run(st, a, replay.Options{})
			if err != nil || !res.Identical() || res.Hash != ra.Hash {
				t.Fatalf("%s seed %d: replay %v identical=%v hash %s want %s", ps.name, seed, err, res.Identical(), res.Hash, ra.Hash)
			}
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// Metamorphic: how the recorder batches and chunks must not change what is
// recorded.
func TestBatchingAndChunkingDoNotChangeTheRecording(t *testing.T) {
	st := tempStore(t)
	p := core.DefaultParams(31)
	var want map[core.MachineID][]core.Entry
	var wantHash string
	for i, opt := range []record.RecorderOptions{
		{},
		{ChunkEntries: 1},
		{ChunkEntries: 7, FlushEntries: 3},
		{ChunkEntries: 100000, FlushEntries: 1 << 20},
		{ChunkEntries: 64, FlushEvery: time.Millisecond},
	} {
		id := fmt.Sprintf("batch%d", i)
		res, err := replay.RecordSim(st, replay.SimRun{
			RunID: id, Config: core.RingConfig(4, "sim", 0), Started: epoch, Recorder: opt,
			Spec: replay.SimSpec{Params: p, Duration: 2 * time.Minute, Latency: mustLatency(t, "exp:20ms")},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := entriesOf(t, st, id)
		stored, err := replay.RecordedHash(st, id)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want, wantHash = got, res.Hash
		}
		if !reflect.DeepEqual(got, want) || stored != wantHash || res.Hash != wantHash {
			t.Fatalf("recorder options %+v changed the recording (hash %s stored %s, want %s)", opt, res.Hash, stored, wantHash)
		}
	}
}
