package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lamport/report"
)

// Every place that gives a queue length gives the one the exercise logs,
// the messages waiting when the tick came, checked against a count made
// here from the exported arrivals and receives alone: an arrival adds one
// message to its machine's queue, a receive takes one.
func TestQueueFiguresAreTheLengthAtTheTick(t *testing.T) {
	store := filepath.Join(t.TempDir(), "queue.db")
	// Actions 4 sends at 3 in 4 empty-queue ticks: queues of several
	// messages, so "at the tick" and "left after it" differ visibly.
	if code, _, errOut := lamport(t, "sim", "--seed", "4", "--machines", "3", "--actions", "4", "--duration", "1m", "--store", store, "--quiet"); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errOut)
	}

	code, out, errOut := lamport(t, "export", "latest", "--format", "jsonl", "--arrivals", "--store", store)
	if code != 0 {
		t.Fatalf("export jsonl: exit %d: %s", code, errOut)
	}
	type line struct {
		Machine   uint32 `json:"machine"`
		Kind      string `json:"kind"`
		Queue     *int   `json:"queue"`
		QueueLeft *int   `json:"queue_left"`
	}
	waiting := map[uint32]int{}
	maxAtTick := map[uint32]int{}
	sumAtTick := map[uint32]int{}
	events := map[uint32]int{}
	recvs := map[uint32]int{}
	var atTicks, lefts []int // per event, in export order
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var ln line
		if err := json.Unmarshal([]byte(l), &ln); err != nil {
			t.Fatalf("jsonl line %d: %v", i+1, err)
		}
		if ln.Kind == "arrival" {
			waiting[ln.Machine]++
			continue
		}
		if ln.Queue == nil || ln.QueueLeft == nil {
			t.Fatalf("jsonl line %d lacks queue or queue_left: %s", i+1, l)
		}
		atTick := waiting[ln.Machine]
		if ln.Kind == "recv" {
			waiting[ln.Machine]--
			recvs[ln.Machine]++
		}
		if *ln.Queue != atTick || *ln.QueueLeft != waiting[ln.Machine] {
			t.Fatalf("jsonl line %d: queue %d queue_left %d; counted %d waiting at the tick, %d left: %s",
				i+1, *ln.Queue, *ln.QueueLeft, atTick, waiting[ln.Machine], l)
		}
		atTicks, lefts = append(atTicks, atTick), append(lefts, waiting[ln.Machine])
		maxAtTick[ln.Machine] = max(maxAtTick[ln.Machine], atTick)
		sumAtTick[ln.Machine] += atTick
		events[ln.Machine]++
	}
	if slicesMax(atTicks) < 2 {
		t.Fatalf("no queue ever held two messages at a tick: the test checks little")
	}

	// CSV: the same numbers in the queue and queue_left columns.
	code, out, errOut = lamport(t, "export", "latest", "--format", "csv", "--store", store)
	if code != 0 {
		t.Fatalf("export csv: exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if _, ok := col["queue_left"]; !ok {
		t.Fatalf("csv header lacks queue_left: %v", rows[0])
	}
	if len(rows)-1 != len(atTicks) {
		t.Fatalf("csv has %d events, jsonl %d", len(rows)-1, len(atTicks))
	}
	for i, r := range rows[1:] {
		if r[col["queue"]] != strconv.Itoa(atTicks[i]) || r[col["queue_left"]] != strconv.Itoa(lefts[i]) {
			t.Fatalf("csv row %d: queue %s queue_left %s, counted %d and %d", i+1, r[col["queue"]], r[col["queue_left"]], atTicks[i], lefts[i])
		}
	}

	// The log lines: queue= at the tick, and left= right after it on a
	// receive only.
	code, out, errOut = lamport(t, "export", "latest", "--format", "log", "--store", store)
	if code != 0 {
		t.Fatalf("export log: exit %d: %s", code, errOut)
	}
	recvLine := regexp.MustCompile(` recv +clock=\d+ queue=(\d+) left=(\d+) from=`)
	other := regexp.MustCompile(` (send|internal) +clock=\d+ queue=(\d+)( |$)`)
	// Without --machine the log of every machine comes, each line after its
	// machine's "m<id> ", each machine's header first.
	var logLines []string
	headers := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if _, rest, _ := strings.Cut(l, " "); strings.HasPrefix(rest, "# lamport run ") {
			headers++
			continue
		}
		logLines = append(logLines, l)
	}
	if headers != 3 {
		t.Fatalf("export log: %d header lines, want one per machine (3)", headers)
	}
	for i, l := range logLines {
		if m := recvLine.FindStringSubmatch(l); m != nil {
			if m[1] != strconv.Itoa(atTicks[i]) || m[2] != strconv.Itoa(lefts[i]) {
				t.Fatalf("log line %d: queue=%s left=%s, counted %d and %d: %s", i+1, m[1], m[2], atTicks[i], lefts[i], l)
			}
			continue
		}
		if m := other.FindStringSubmatch(l); m == nil || strings.Contains(l, "left=") || m[2] != strconv.Itoa(atTicks[i]) {
			t.Fatalf("log line %d is not as specified: %s", i+1, l)
		}
	}

	// The report: queue at tick per machine, as counted.
	code, out, errOut = lamport(t, "report", "latest", "--json", "--store", store)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	m0 := raw["machines"].([]any)[0].(map[string]any)
	for _, key := range []string{"queue_at_tick", "queue_non_empty_ns", "queue_non_empty_share_of_time", "queued_at_end"} {
		if _, ok := m0[key]; !ok {
			t.Errorf("report --json machine lacks %q: %v", key, m0)
		}
	}
	if _, ok := m0["queue"]; ok {
		t.Errorf("report --json machine still has the ambiguous \"queue\": %v", m0)
	}
	a := decodeJSON[report.Analysis](t, "report --json", out)
	for _, m := range a.Machines {
		id := uint32(m.ID)
		if int(m.QueueAtTick.Max) != maxAtTick[id] || !nearlyEqual(m.QueueAtTick.Mean, float64(sumAtTick[id])/float64(events[id])) {
			t.Errorf("machine %d: queue at tick %+v, counted max %d mean %v", id, m.QueueAtTick, maxAtTick[id], float64(sumAtTick[id])/float64(events[id]))
		}
		if recvs[id] > 0 && m.QueueAtTick.Max < 1 {
			t.Errorf("machine %d received %d messages, yet its queue at tick peaked at 0", id, recvs[id])
		}
	}

	// The text report's table shows the same maxima under its header.
	code, out, _ = lamport(t, "report", "latest", "--store", store)
	if code != 0 || !strings.Contains(out, "queue at tick: mean  p99  max  non-empty (% of time)  left at end") {
		t.Fatalf("report: exit %d, header not as specified:\n%s", code, out)
	}
	for id, mx := range maxAtTick {
		want := regexp.MustCompile(fmt.Sprintf(`(?m)^ +%d +\d+ .* \d+\.\d{3} +\d+ +%d +\d+\.\d%% +\d+$`, id, mx))
		if !want.MatchString(out) {
			t.Errorf("machine %d: no table row with max queue at tick %d:\n%s", id, mx, out)
		}
	}
}

func slicesMax(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func nearlyEqual(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
