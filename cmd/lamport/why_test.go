package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// whyStore records 'lamport sim --seed 3 --machines 3 --duration 3s', whose
// 27 events 'lamport show' lists; the expectations below are read off
// that listing: m1#3 sends 1:1 to m2, m1#11 sends 1:2 and 1:3, m3#7
// receives 1:3; m1#5 (internal) and m2#2 (receive of 3:2) both have clock
// 5, and nothing m1 sends before #5 reaches m2 before #2.
func whyStore(t *testing.T) string {
	t.Helper()
	return simStore(t, "3", "3", "3s")
}

func TestWhyCommand(t *testing.T) {
	store := whyStore(t)
	code, out, errOut := lamport(t, "why", "latest", "m3#7", "m1#3", "--store", store)
	if code != 0 {
		t.Fatalf("why: exit %d: %s", code, errOut)
	}
	want := `m1#3 happened before m3#7: a chain of 1 message leads from one to the other (Lamport clocks 3 and 12).
  m1 #    3     0.600000s send     clock=3 queue=0 to=2 msgs=1:1
     | program order on machine 1
  m1 #   11     2.200000s send     clock=11 queue=0 to=2,3 msgs=1:2,1:3
     | message 1:3 from machine 1 to machine 3
  m3 #    7     2.333333s recv     clock=12 queue=1 left=0 from=1 msg=1:3 msg_clock=11
`
	if out != want {
		t.Errorf("why latest m3#7 m1#3:\n%s\nwant\n%s", out, want)
	}
	// Every event line is the line 'lamport show' prints for it.
	_, show, _ := lamport(t, "show", "latest", "--store", store)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "  m") && !strings.Contains(show, strings.TrimPrefix(l, "  ")+"\n") {
			t.Errorf("line %q is not in lamport show's output", l)
		}
	}

	code, out, _ = lamport(t, "why", "--seed", "3", "m1#5", "m2#2", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "m1#5 and m2#2 are concurrent") || !strings.Contains(out, "Lamport clocks are both 5") {
		t.Errorf("why m1#5 m2#2: exit %d\n%s", code, out)
	}
	code, out, _ = lamport(t, "why", "latest", "m1#1", "m3#2", "--store", store)
	if code != 0 || !strings.Contains(out, "clocks are 1 and 2, so the clocks alone would put m1#1 first") {
		t.Errorf("why m1#1 m3#2: exit %d\n%s", code, out)
	}
	code, out, _ = lamport(t, "why", "latest", "m2#1", "m2#1", "--store", store)
	if code != 0 || !strings.HasPrefix(out, "m2#1 and m2#1 are the same event.") {
		t.Errorf("why m2#1 m2#1: exit %d\n%s", code, out)
	}

	code, out, _ = lamport(t, "why", "latest", "m1#2", "m2#1", "--json", "--store", store)
	var got struct {
		A, B, Verdict  string
		ClockA, ClockB uint64 `json:"-"`
		Chain          []struct{ Event, Via, Kind, Line string }
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("why --json: exit %d, %v\n%s", code, err, out)
	}
	var events []string
	for _, h := range got.Chain {
		events = append(events, h.Event+" "+h.Via)
	}
	if got.Verdict != "a_before_b" || strings.Join(events, ",") != "m1#2 ,m1#3 program order,m2#1 message" {
		t.Errorf("why --json: %+v", got)
	}
	for _, key := range []string{`"run"`, `"a"`, `"b"`, `"verdict"`, `"clock_a"`, `"clock_b"`, `"chain"`, `"line"`} {
		if !strings.Contains(out, key) {
			t.Errorf("why --json has no %s:\n%s", key, out)
		}
	}
}

func TestWhyCommandErrors(t *testing.T) {
	store := whyStore(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"latest", "m1#3"}, "give RUN and two events"},
		{[]string{"--seed", "3", "latest", "m1#3", "m2#1"}, "with --seed give two events"},
		{[]string{"latest", "1#3", "m2#1"}, `event "1#3": name events like m2#45`},
		{[]string{"latest", "m1#0", "m2#1"}, `event "m1#0"`},
		{[]string{"latest", "m1#x", "m2#1"}, `event "m1#x"`},
		{[]string{"latest", "m1#3", "m9#1"}, "has no machine 9 (m9#1)"},
		{[]string{"latest", "m1#99", "m2#1"}, "machine 1 has 15 events, so m1#99 does not exist"},
		{[]string{"nosuchrun", "m1#1", "m2#1"}, "nosuchrun"},
		{[]string{"--seed", "4", "m1#1", "m2#1"}, "no run with seed 4"},
	} {
		code, out, errOut := lamport(t, append(append([]string{"why"}, c.args...), "--store", store)...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "lamport: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("why %v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, out, errOut, c.want)
		}
	}
	if code, out, _ := lamport(t, "why", "--help"); code != 0 || !strings.Contains(out, "m2#45 is machine 2's 45th event") {
		t.Errorf("why --help: exit %d\n%s", code, out)
	}
}

func TestReportCausalitySection(t *testing.T) {
	store := whyStore(t)
	code, out, errOut := lamportReport(t, "latest", "--store", store)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	// 15, 3 and 9 events: (27² − 15² − 3² − 9²)/2 = 207 pairs.
	want := "what Lamport clocks cannot tell: 207 pairs of events on different machines; 104 ordered by happened-before (50.2%), 103 concurrent (49.8%); 15 pairs share a Lamport clock\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("report ends\n%s\nwant it to end with\n%s", out[max(0, len(out)-300):], want)
	}
	code, out, _ = lamportReport(t, "latest", "--store", store, "--json")
	var got struct {
		Machines  []struct{ Events uint64 }
		Causality map[string]json.Number
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("report --json: exit %d, %v", code, err)
	}
	var n, sq uint64
	for _, m := range got.Machines {
		n, sq = n+m.Events, sq+m.Events*m.Events
	}
	want2 := map[string]string{"cross_pairs": "207", "ordered": "104", "concurrent": "103", "equal_clock_pairs": "15"}
	if len(got.Causality) != len(want2) || (n*n-sq)/2 != 207 {
		t.Errorf("causality %v, events %d", got.Causality, n)
	}
	for k, v := range want2 {
		if got.Causality[k].String() != v {
			t.Errorf("causality.%s = %q, want %s", k, got.Causality[k], v)
		}
	}
}
