package main

import (
	"bufio"
	"fmt"
	"path/filepath"
	"regexp"
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

// TestExportShiVizIsShiVizsUploadForm: ShiViz's input page takes an
// uploaded file whose first line is the parsing regular expression and
// whose second line is the delimiter of multiple executions (empty for
// one), the log after; or the log pasted with the expression in its own
// field. Both ways work on the export: line 1 compiles (as ShiViz's \n,
// a newline) with the host, clock and event groups, line 2 is empty, and
// the expression parses the log from line 3 on into exactly its events,
// leaving nothing over. The help says both ways.
func TestExportShiVizIsShiVizsUploadForm(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s.db")
	if code, _, errOut := lamport(t, "sim", "--seed", "3", "--duration", "20s", "--quiet", "--store", store); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errOut)
	}
	code, out, errOut := lamport(t, "export", "latest", "--format", "shiviz", "--store", store)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	regexLine, rest, _ := strings.Cut(out, "\n")
	delimiter, log, _ := strings.Cut(rest, "\n")
	if delimiter != "" {
		t.Fatalf("line 2, the multiple-executions delimiter, is %q; want it empty (one execution)", delimiter)
	}
	re, err := regexp.Compile(regexLine)
	if err != nil {
		t.Fatalf("line 1 %q is not a regular expression: %v", regexLine, err)
	}
	for _, group := range []string{"host", "clock", "event"} {
		if re.SubexpIndex(group) < 0 {
			t.Errorf("line 1 has no %q group", group)
		}
	}
	events := strings.Count(log, "\n") / 2
	matches := re.FindAllStringSubmatchIndex(log, -1)
	if events == 0 || len(matches) != events {
		t.Fatalf("the expression finds %d events in the log, which has %d", len(matches), events)
	}
	covered := 0
	for _, m := range matches {
		covered += m[1] - m[0] + 1 // and the newline after
	}
	if covered != len(log) {
		t.Errorf("the expression covers %d of the log's %d bytes: some text is not an event", covered, len(log))
	}
	_, help, _ := lamport(t, "export", "--help")
	for _, want := range []string{"upload the file", "paste the log", "tail -n +3", regexLine} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("export --help does not say %q", want)
		}
	}
}
