package main

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lamport/report"
)

// TestExportShiVizOfALiveRun records a short live run and checks its
// ShiViz export by every rule, against the run's own jsonl export.
func TestExportShiVizOfALiveRun(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	store := filepath.Join(dir, "lamport.db")
	code, _, errOut := lamport(t, "run", "--config", config, "--store", store, "--log-dir", "",
		"--duration", "2s", "--speed", "30", "--seed", "3")
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}

	code, out, errOut := lamport(t, "export", "latest", "--format", "shiviz", "--store", store)
	if code != 0 {
		t.Fatalf("export --format shiviz: exit %d\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, report.ShiVizRegex+"\n\n") {
		t.Fatalf("the log does not start with the regex and a blank line:\n%.300s", out)
	}
	sum, err := report.CheckShiViz(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%v\n%.2000s", err, out)
	}

	// The jsonl export has one line per event: the same events per machine
	// and of each kind.
	code, jsonl, errOut := lamport(t, "export", "latest", "--format", "jsonl", "--store", store)
	if code != 0 {
		t.Fatalf("export --format jsonl: exit %d\n%s", code, errOut)
	}
	perHost, perKind := map[string]int{}, map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(jsonl))
	events := 0
	for sc.Scan() {
		var machine int
		var kind string
		// {"machine":N,"index":I,"kind":"K",...
		if _, err := fmt.Sscanf(sc.Text(), `{"machine":%d,`, &machine); err != nil {
			t.Fatalf("jsonl line %q: %v", sc.Text(), err)
		}
		_, rest, _ := strings.Cut(sc.Text(), `"kind":"`)
		kind, _, _ = strings.Cut(rest, `"`)
		perHost[fmt.Sprintf("m%d", machine)]++
		perKind[kind]++
		events++
	}
	if sum.Events != events || len(sum.Hosts) != 3 {
		t.Fatalf("shiviz has %d events on hosts %v; jsonl %d on %v", sum.Events, sum.Hosts, events, perHost)
	}
	for _, h := range []string{"m1", "m2", "m3"} {
		if sum.Hosts[h] == 0 || sum.Hosts[h] != perHost[h] {
			t.Errorf("%s: %d events in shiviz, %d in jsonl", h, sum.Hosts[h], perHost[h])
		}
	}
	if sum.Sends != perKind["send"] || sum.Recvs != perKind["recv"] || sum.Internals != perKind["internal"] {
		t.Errorf("shiviz has %d sends, %d recvs, %d internal; jsonl %v", sum.Sends, sum.Recvs, sum.Internals, perKind)
	}
	if sum.Recvs == 0 {
		t.Fatal("the run has no receive: nothing about vector merges was checked")
	}

	assertUsageFailure(t, "--format shiviz exports the whole run", "export", "latest", "--format", "shiviz", "--machine", "2", "--store", store)
}
