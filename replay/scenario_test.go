package replay_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lamport/core"
	"lamport/internal/datadriven"
	"lamport/internal/scenario"
	"lamport/record"
	"lamport/replay"
)

// TestReplayScenarios runs the scripts of testdata/scenarios: a world of
// machines driven command by command (internal/scenario), recorded into a
// store and replayed, as is or with one edit to the recorded schedule:
//
//	replay                           record the schedule and replay it
//	replay m=ID entry=N clock=C      entry N of machine ID's log (as "log ID"
//	                                 numbers it) carries clock C: a tick's
//	                                 event, or an arrival's or loss's message
//	replay m=ID entry=N seq=Q        the message of entry N is numbered Q
//	replay m=ID entry=N queue-lost=K the crash of entry N lost K messages
//	replay m=ID swap=A,B             entries A and B of the log change places
//	replay m=ID delete=N             entry N is not in the log
//	replay seed=S                    what-if: replay under another seed
//
// The output is what replay reports (replay.WriteReport). Besides the
// expected output, the harness holds every replay to what the edit must
// cause: an unedited replay is identical and prints the recording's hash;
// an edited one diverges, never before the edit; an edited tick is the
// first divergence, recorded with the edit and replayed without it; and
// the per-machine tallies must equal those of a shadow replay that shares
// no code with this package (scenario.ShadowReplay).
// go test ./replay -run TestReplayScenarios -rewrite regenerates the
// outputs.
func TestReplayScenarios(t *testing.T) {
	for _, path := range datadriven.Files(t, filepath.Join("testdata", "scenarios")) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var w scenario.World
			var st *record.Store
			runs := 0
			datadriven.Run(t, path, func(t *testing.T, d *datadriven.Directive) (string, error) {
				if d.Cmd != "replay" {
					out, ok, err := w.Do(d)
					if !ok {
						t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
					}
					return out, err
				}
				if st == nil {
					st = tempStore(t)
				}
				runs++
				return replayScenario(t, st, fmt.Sprintf("r%d", runs), &w, d)
			})
		})
	}
}

// edit is the one change a replay directive makes to the recorded logs.
type edit struct {
	m       core.MachineID
	entries []int // 1-based, in the machine's log
	what    string
	// at is the earliest time the edit touches: no divergence can come
	// before it.
	at time.Duration
}

func replayScenario(t *testing.T, st *record.Store, runID string, w *scenario.World, d *datadriven.Directive) (string, error) {
	logs := map[core.MachineID][]core.Entry{}
	for id, es := range w.Logs {
		logs[id] = slices.Clone(es)
	}
	var out strings.Builder
	ed, err := applyEdit(d, logs)
	if err != nil {
		return "", err
	}
	if ed != nil {
		out.WriteString(ed.what + "\n")
	}
	opt := replay.Options{}
	if seed, ok := d.Arg("seed"); ok {
		p := w.Params
		s, err := d.Uint("seed", 0)
		if err != nil {
			return "", err
		}
		p.Seed = s
		opt.Params = &p
		fmt.Fprintf(&out, "what if seed=%s\n", seed[0])
	}

	meta := record.RunMeta{ID: runID, Seed: w.Params.Seed, Mode: "sim", Params: w.Params, Speed: 1,
		Started: epoch, Ended: epoch.Add(time.Minute), Tool: "test", Status: record.StatusComplete}
	for _, id := range w.IDs {
		meta.Config = append(meta.Config, core.MachineSpec{ID: id, Host: "sim", Port: int(id)})
		meta.Machines = append(meta.Machines, record.MachineMeta{ID: id, Rate: core.Rate(w.Params, id), StartWall: epoch})
	}
	meta.Fingerprint = core.Fingerprint(meta.Config, w.Params)
	if err := st.BeginRun(meta); err != nil {
		return "", err
	}
	rec, err := st.NewRecorder(runID, record.RecorderOptions{})
	if err != nil {
		return "", err
	}
	var ticks, arrivals uint64
	for _, id := range w.IDs {
		for _, e := range logs[id] {
			rec.Append(id, e)
			if e.IsTick() {
				ticks++
			} else if e.Arrival {
				arrivals++
			}
		}
	}
	if err := rec.Close(); err != nil {
		return "", err
	}
	if err := st.FinishRun(runID, record.StatusComplete, meta.Ended); err != nil {
		return "", err
	}

	res, err := replay.Run(st, runID, opt)
	if err != nil {
		return "", err
	}
	if err := replay.WriteReport(&out, res); err != nil {
		return "", err
	}

	// The per-machine tallies, replayed again without the replay package.
	p := w.Params
	if opt.Params != nil {
		p = *opt.Params
	}
	tally, err := scenario.ShadowReplay(w.IDs, p, logs)
	if err != nil {
		return "", err
	}
	for _, mc := range res.PerMachine {
		if want := tally[mc.ID]; mc.Events != want.Events || mc.Diverged != want.Diverged {
			return "", fmt.Errorf("replay counts %d of %d events of machine %d diverged, the shadow replay %d of %d", mc.Diverged, mc.Events, mc.ID, want.Diverged, want.Events)
		}
	}

	// What the edit must cause, whatever the expected output says.
	switch {
	case ed == nil && opt.Params == nil:
		recorded, err := replay.RecordedHash(st, runID)
		if err != nil {
			return "", err
		}
		if !res.Identical() || res.Hash != recorded || res.Events != ticks || res.Arrivals != arrivals {
			return "", fmt.Errorf("an unedited schedule replayed with identical=%v hash %s (recorded %s), %d events and %d arrivals (recorded %d and %d)",
				res.Identical(), res.Hash, recorded, res.Events, res.Arrivals, ticks, arrivals)
		}
	case ed != nil:
		if res.Identical() {
			return "", fmt.Errorf("%s: the edited schedule replayed identically", ed.what)
		}
		if first := res.First; first.At < ed.at {
			return "", fmt.Errorf("%s: the first divergence is at %v, before the edit at %v", ed.what, first.At, ed.at)
		}
		if len(ed.entries) == 1 {
			orig := w.Logs[ed.m][ed.entries[0]-1]
			edited := logs[ed.m][ed.entries[0]-1]
			if orig.IsTick() && edited.IsTick() {
				f := res.First
				if f.Machine != ed.m || f.Index != orig.Event.Index || f.Recorded == nil || f.Replayed == nil ||
					!replay.SameEvent(*f.Recorded, edited.Event) || !replay.SameEvent(*f.Replayed, orig.Event) {
					return "", fmt.Errorf("%s: an edited tick must be the first divergence, recorded as edited and replayed as it was; got %+v", ed.what, f)
				}
			}
		}
	}
	return out.String(), nil
}

// applyEdit makes the directive's edit to logs; nil when it makes none.
func applyEdit(d *datadriven.Directive, logs map[core.MachineID][]core.Entry) (*edit, error) {
	if !d.Has("m") {
		return nil, nil
	}
	m, err := d.Uint("m", 0)
	if err != nil {
		return nil, err
	}
	ed := &edit{m: core.MachineID(m)}
	log := logs[ed.m]
	entry := func(n uint64) (*core.Entry, error) {
		if n < 1 || n > uint64(len(log)) {
			return nil, fmt.Errorf("machine %d has no entry %d", m, n)
		}
		ed.entries = append(ed.entries, int(n))
		e := &log[n-1]
		if ed.at == 0 || e.At < ed.at {
			ed.at = e.At
		}
		return e, nil
	}
	switch {
	case d.Has("swap"):
		ab, err := d.Uints("swap")
		if err != nil || len(ab) != 2 {
			return nil, fmt.Errorf("swap wants two entries (%v)", err)
		}
		a, err := entry(ab[0])
		if err != nil {
			return nil, err
		}
		b, err := entry(ab[1])
		if err != nil {
			return nil, err
		}
		// The entries change places; the times stay where they were, so
		// the log's times still never decrease.
		a.At, b.At = b.At, a.At
		*a, *b = *b, *a
		ed.what = fmt.Sprintf("edit: machine %d entries %d and %d change places", m, ab[0], ab[1])
	case d.Has("delete"):
		n, err := d.Uint("delete", 0)
		if err != nil {
			return nil, err
		}
		e, err := entry(n)
		if err != nil {
			return nil, err
		}
		ed.what = fmt.Sprintf("edit: machine %d entry %d (%s) deleted", m, n, scenario.EntryText(ed.m, e))
		logs[ed.m] = slices.Delete(log, int(n-1), int(n))
	default:
		n, err := d.Uint("entry", 0)
		if err != nil {
			return nil, err
		}
		e, err := entry(n)
		if err != nil {
			return nil, err
		}
		before := scenario.EntryText(ed.m, e)
		switch {
		case d.Has("clock"):
			c, err := d.Uint("clock", 0)
			if err != nil {
				return nil, err
			}
			if e.IsTick() {
				e.Event.Clock = c
			} else {
				e.Msg.Clock = c
			}
		case d.Has("seq"):
			q, err := d.Uint("seq", 0)
			if err != nil {
				return nil, err
			}
			e.Msg.Seq = q
		case d.Has("queue-lost"):
			k, err := d.Uint("queue-lost", 0)
			if err != nil {
				return nil, err
			}
			e.Fault.QueueLost = int(k)
		default:
			return nil, fmt.Errorf("replay m=%d: want entry= with clock=, seq= or queue-lost=, or swap= or delete=", m)
		}
		ed.what = fmt.Sprintf("edit: machine %d entry %d: %s -> %s", m, n, before, scenario.EntryText(ed.m, e))
	}
	return ed, nil
}
