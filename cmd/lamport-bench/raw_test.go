package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseRssAnon(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"Name:\tx\nVmRSS:\t  900 kB\nRssAnon:\t    1234 kB\nRssFile:\t 5 kB\n", 1234 * 1024},
		{"Name:\tx\nRssAnon:\t0 kB\n", 0},
		{"Name:\tx\nRssAnon:\t12 MB\n", 0},
		{"Name:\tx\nRssAnon:\t\n", 0},
		{"Name:\tx\nRssFile:\t5 kB\n", 0},
		{"XRssAnon:\t5 kB\n", 0},
		{"", 0},
	} {
		if got := parseRssAnon([]byte(tc.text)); got != tc.want {
			t.Errorf("parseRssAnon(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestAnonSamplerReadsTheRealFileWithoutAllocating: the sampler agrees
// with /proc/self/status read and split into fields the plain way, and a
// sample allocates nothing, so the sampler does not add to the memory it
// measures.
func TestAnonSamplerReadsTheRealFileWithoutAllocating(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	var want int64
	for line := range strings.Lines(string(status)) {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "RssAnon:" && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			want = kb * 1024
		}
	}
	if want == 0 {
		t.Skip("no RssAnon line in /proc/self/status")
	}
	s := startAnonSampler(time.Hour)
	defer s.stop()
	// The resident set moves a little between two reads; the units and
	// the line must be right, so within a factor of two is enough.
	if got := s.sample(); got < want/2 || got > want*2 {
		t.Fatalf("sampler read %d bytes, /proc/self/status says %d", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { s.sample() }); n != 0 {
		t.Fatalf("a sample allocates %v times, want 0", n)
	}
}
