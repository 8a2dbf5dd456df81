package core_test

import (
	"strings"
	"testing"
	"time"

	"lamport/core"
)

func TestParsePartitionAndCrash(t *testing.T) {
	for _, c := range []struct {
		in   string
		want core.Partition
	}{
		{"2-3@10s-20s", core.Partition{A: 2, B: 3, From: 10 * time.Second, To: 20 * time.Second}},
		{"3>1@0s-1m30s", core.Partition{A: 3, B: 1, OneWay: true, To: 90 * time.Second}},
	} {
		p, err := core.ParsePartition(c.in)
		if err != nil || p != c.want {
			t.Errorf("ParsePartition(%q) = %+v, %v; want %+v", c.in, p, err, c.want)
		}
		if back, err := core.ParsePartition(p.String()); err != nil || back != p {
			t.Errorf("%q -> %q -> %+v, %v", c.in, p.String(), back, err)
		}
	}
	for _, bad := range []string{"", "2-3", "2@1s-2s", "a-3@1s-2s", "2-3@2s-1s", "2-3@-1s-2s", "2-3@1s", "0-3@1s-2s", "2-3@1s-1s"} {
		if p, err := core.ParsePartition(bad); err == nil {
			t.Errorf("ParsePartition(%q) = %+v, want an error", bad, p)
		}
	}
	c, err := core.ParseCrash("4@1m-1m5s")
	if want := (core.Crash{ID: 4, From: time.Minute, To: 65 * time.Second}); err != nil || c != want {
		t.Errorf("ParseCrash = %+v, %v; want %+v", c, err, want)
	}
	for _, bad := range []string{"4", "@1s-2s", "x@1s-2s", "4@2s-1s", "4@1s-x"} {
		if c, err := core.ParseCrash(bad); err == nil {
			t.Errorf("ParseCrash(%q) = %+v, want an error", bad, c)
		}
	}
}

func TestParseSpikeAndClog(t *testing.T) {
	s, err := core.ParseSpike("0.01:500ms")
	if err != nil || s != (core.Spike{P: 0.01, Extra: 500 * time.Millisecond}) {
		t.Errorf("ParseSpike = %+v, %v", s, err)
	}
	for _, bad := range []string{"0.01", "2:1s", "NaN:1s", "0.1:0s", "0.1:-1s", "0.1:x"} {
		if s, err := core.ParseSpike(bad); err == nil {
			t.Errorf("ParseSpike(%q) = %+v, want an error", bad, s)
		}
	}
	c, err := core.ParseClog("30s:2s")
	if err != nil || c != (core.Clog{Every: 30 * time.Second, For: 2 * time.Second}) {
		t.Errorf("ParseClog = %+v, %v", c, err)
	}
	for _, bad := range []string{"30s", "30s:0s", "1ns:1s", "x:1s"} {
		if c, err := core.ParseClog(bad); err == nil {
			t.Errorf("ParseClog(%q) = %+v, want an error", bad, c)
		}
	}
}

func TestFaultsValidate(t *testing.T) {
	ok := core.Faults{Drop: 1, Dup: 0, Crashes: []core.Crash{{ID: 1, From: 0, To: time.Second}, {ID: 1, From: time.Second, To: 2 * time.Second}}}
	if err := ok.Validate(three); err != nil {
		t.Errorf("back-to-back crashes: %v", err)
	}
	for _, c := range []struct {
		f    core.Faults
		want string
	}{
		{core.Faults{Drop: 1.01}, "drop"},
		{core.Faults{Dup: -1}, "dup"},
		{core.Faults{Spike: core.Spike{P: 0.5}}, "spike"},
		{core.Faults{Partitions: []core.Partition{{A: 1, B: 4, To: 1}}}, "no machine 4"},
		{core.Faults{Crashes: []core.Crash{{ID: 5, To: 1}}}, "no machine 5"},
		{core.Faults{Crashes: []core.Crash{{ID: 1, To: 3}, {ID: 1, From: 2, To: 4}}}, "overlap"},
		{core.Faults{RandomCrashes: core.Clog{Every: time.Second}}, "at least"},
	} {
		if err := c.f.Validate(three); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %q", c.f, err, c.want)
		}
	}
}

func TestCut(t *testing.T) {
	f := core.Faults{Partitions: []core.Partition{
		{A: 1, B: 2, From: time.Second, To: 2 * time.Second},
		{A: 2, B: 3, OneWay: true, From: 0, To: time.Second},
	}}
	for _, c := range []struct {
		from, to core.MachineID
		at       time.Duration
		want     bool
	}{
		{1, 2, time.Second, true}, {2, 1, 1500 * time.Millisecond, true}, {1, 2, 2 * time.Second, false},
		{1, 2, 999 * time.Millisecond, false}, {2, 3, 0, true}, {3, 2, 0, false}, {1, 3, time.Second, false},
	} {
		if got := f.Cut(c.from, c.to, c.at); got != c.want {
			t.Errorf("Cut(%d, %d, %v) = %v, want %v", c.from, c.to, c.at, got, c.want)
		}
	}
}

// TestCrashAndRestart: a crash empties the queue and reports its size; a
// restart counts the missed ticks in Tick but not in Index, and keeps or
// resets the clock.
func TestCrashAndRestart(t *testing.T) {
	for _, reset := range []bool{false, true} {
		m := newMachine(t, 1, three, core.DefaultParams(3))
		for range 5 {
			m.Tick()
		}
		before := m.Clock()
		m.Deliver(core.Message{From: 2, Seq: 1, Clock: 100})
		m.Deliver(core.Message{From: 3, Seq: 1, Clock: 200})
		if n := m.Crash(); n != 2 || m.QueueLen() != 0 {
			t.Fatalf("crash lost %d, queue %d; want 2 and 0", n, m.QueueLen())
		}
		lastSeq := m.LastSeq()
		m.Restart(7, reset, 100)
		if m.LastSeq() != lastSeq+100 {
			t.Errorf("restart skipping 100 message numbers: last seq %d, was %d", m.LastSeq(), lastSeq)
		}
		ev := m.Tick()
		want := before + 1
		if reset {
			want = 1
		}
		if ev.Index != 6 || ev.Tick != 13 || ev.Clock != want || ev.Kind == core.KindRecv {
			t.Errorf("reset=%v: first event after restart %+v; want index 6, tick 13, clock %d, not a receive", reset, ev, want)
		}
	}
}
