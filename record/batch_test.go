package record_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
)

// withFaults adds fault entries and odd ticks to a schedule, so that a
// Batch's every kind is used: each fault goes after the step it follows,
// in the same machine's log.
func withFaults(steps []step) []step {
	var out []step
	for i, s := range steps {
		out = append(out, s)
		switch i % 97 {
		case 13:
			out = append(out, step{s.m, core.Entry{At: s.e.At, Msg: core.Message{From: s.m, Seq: 9, Clock: 4},
				Fault: core.Fault{Kind: core.FaultLost, To: 2, Reason: core.LostDrop}}})
		case 51:
			out = append(out, step{s.m, core.Entry{At: s.e.At, Msg: core.Message{From: s.m, Seq: 3, Clock: 1},
				Fault: core.Fault{Kind: core.FaultDup, To: 3}}})
		}
	}
	return out
}

// AddEntries stores exactly what Append stores: the same bytes, whatever
// the batch size, and the same entries read back.
func TestAddEntriesStoresWhatAppendStores(t *testing.T) {
	steps := withFaults(schedule(t, 11, ids3, 3000))
	st, _ := tempStore(t)
	opt := record.RecorderOptions{ChunkEntries: 50, FlushEntries: 700}
	recordRun(t, st, testMeta("append", 11, t0, ids3), steps, opt)
	want, _, err := st.StoredValues("append")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 7, 100, 2048, len(steps)} {
		id := fmt.Sprintf("batch%d", size)
		if err := st.BeginRun(testMeta(id, 11, t0, ids3)); err != nil {
			t.Fatal(err)
		}
		rec, err := st.NewRecorder(id, opt)
		if err != nil {
			t.Fatal(err)
		}
		var b record.Batch
		for i, s := range steps {
			switch {
			case s.e.Arrival && i%3 == 0:
				b.Arrival(s.m, s.e.At, s.e.Msg)
			case s.e.IsTick() && i%3 == 1:
				b.Tick(s.m, s.e.At, &s.e.Event)
			default:
				b.Add(s.m, &s.e)
			}
			if b.Len() == size {
				rec.AddEntries(&b)
				b.Reset()
			}
		}
		rec.AddEntries(&b)
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		got, _, err := st.StoredValues(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("batches of %d: %d values, Append stored %d", size, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("batches of %d: value %d differs from Append's:\n got %x\nwant %x", size, i, got[i], want[i])
			}
		}
		if err := diffLogs(perMachine(steps), readAll(t, st, id)); err != nil {
			t.Fatalf("batches of %d: %v", size, err)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// AddEntries after Close drops the entries and says so, as Append does.
func TestAddEntriesAfterClose(t *testing.T) {
	st, _ := tempStore(t)
	if err := st.BeginRun(testMeta("r", 1, t0, ids3)); err != nil {
		t.Fatal(err)
	}
	rec, err := st.NewRecorder("r", record.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	var b record.Batch
	b.Arrival(1, time.Second, core.Message{From: 2, Seq: 1, Clock: 1})
	rec.AddEntries(&b)
	wantErrIs(t, rec.Err(), record.ErrClosed)
	if got := readAll(t, st, "r"); len(got) != 0 {
		t.Fatalf("entries after Close were stored: %v", got)
	}
}
