package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

var (
	simCountsLine = regexp.MustCompile(`(?m)^sim \(not recorded\)  seed \d+  \d+ machines  ([\d ]+) events  ([\d ]+) arrivals$`)
	simFaultsLine = regexp.MustCompile(`(?m)^faults: ([\d ]+) messages lost, ([\d ]+) duplicated, ([\d ]+) crash(?:es)?$`)
)

// TestSimHashTableThroughTheCLI runs every case of replay's table of
// pinned simulator runs (replay/testdata/simhash.txt, which
// TestPinnedSimHashes checks against replay.Simulate) through 'lamport
// sim' with the table's own flags: the command must print the pinned
// trace hash and counts, so the table is what users see.
func TestSimHashTableThroughTheCLI(t *testing.T) {
	data, err := os.ReadFile("../../replay/testdata/simhash.txt")
	if err != nil {
		t.Fatal(err)
	}
	digits := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		f := strings.Split(line, " | ")
		if len(f) != 4 {
			t.Fatalf("table line %q: want name | flags | counts | hash", line)
		}
		name, flags, counts, hash := f[0], f[1], f[2], f[3]
		n++
		args := append([]string{"sim", "--no-record", "--quiet"}, strings.Fields(flags)...)
		code, out, errOut := lamport(t, args...)
		if code != 0 {
			t.Errorf("%s: lamport %s: exit %d\n%s", name, strings.Join(args, " "), code, errOut)
			continue
		}
		h := hashLine.FindStringSubmatch(out)
		c := simCountsLine.FindStringSubmatch(out)
		if h == nil || c == nil {
			t.Errorf("%s: no trace hash or counts in\n%s", name, out)
			continue
		}
		lost, dup, crashes := "0", "0", "0"
		if m := simFaultsLine.FindStringSubmatch(out); m != nil {
			lost, dup, crashes = digits(m[1]), digits(m[2]), digits(m[3])
		}
		got := fmt.Sprintf("events=%s arrivals=%s lost=%s dup=%s crashes=%s", digits(c[1]), digits(c[2]), lost, dup, crashes)
		if h[1] != hash || got != counts {
			t.Errorf("%s: lamport %s printed %s | %s, the table pins %s | %s", name, strings.Join(args, " "), got, h[1], counts, hash)
		}
	}
	if n < 30 {
		t.Fatalf("only %d cases in the table", n)
	}
}
