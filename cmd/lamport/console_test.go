package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLogLinesNeverLandInsideTheProgressBar runs a sweep with -v on a real
// pseudo-terminal: the bar is drawn while the sweep logs each variant.
// Every log line must start at column 0, on a line of the screen that holds
// no bar, and the bar must come back after it.
func TestLogLinesNeverLandInsideTheProgressBar(t *testing.T) {
	store := filepath.Join(t.TempDir(), "s.db")
	code, drawn := onPTY(t, "sweep", "--runs", "2", "--seed", "3", "--duration", "30s", "--store", store, "-v")
	if code != 0 {
		t.Fatalf("sweep on a terminal: exit %d\n%q", code, drawn)
	}
	const barText = "events/s" // in every frame of the bar: "N events, R events/s"
	firstBar := bytes.Index(drawn, []byte(barText))
	if firstBar < 0 {
		t.Fatalf("no progress bar was drawn on the terminal:\n%q", drawn)
	}
	// In the bytes as sent: each log line begins after a carriage return
	// or a newline, never after bar text.
	logs, duringBar := 0, 0
	for i := 0; ; {
		j := bytes.Index(drawn[i:], []byte("time="))
		if j < 0 {
			break
		}
		at := i + j
		logs++
		if at > 0 && drawn[at-1] != '\r' && drawn[at-1] != '\n' {
			t.Errorf("a log line starts mid-line, after %q", drawn[max(0, at-40):at])
		}
		end := at + bytes.IndexByte(drawn[at:], '\n')
		if at > firstBar && bytes.Contains(drawn[end:], []byte(barText)) {
			duringBar++ // the bar was up before it and is drawn again after
		}
		i = at + 1
	}
	if logs == 0 || duringBar == 0 {
		t.Fatalf("%d log lines, %d of them while the bar was up; the test needs some of both:\n%q", logs, duringBar, drawn)
	}
	// On the screen as left: a line with a log record holds nothing else.
	for _, line := range screen(drawn) {
		if !strings.Contains(line, "level=") {
			continue
		}
		if !strings.HasPrefix(line, "time=") || strings.Contains(line, barText) || strings.ContainsAny(line, "█|") {
			t.Errorf("log line shares the screen line with the bar: %q", line)
		}
	}
}

// screen replays terminal output onto lines of text: '\r' returns to
// column 0, '\n' goes to the start of the next line (the pty turns "\n"
// into "\r\n"), an ANSI "erase in line" (ESC [ n K) clears, any other
// escape sequence is ignored, and everything else overwrites what is under
// the cursor.
func screen(b []byte) []string {
	lines := [][]rune{nil}
	col := 0
	for len(b) > 0 {
		cur := &lines[len(lines)-1]
		switch b[0] {
		case '\r':
			col, b = 0, b[1:]
			continue
		case '\n':
			lines = append(lines, nil)
			col, b = 0, b[1:]
			continue
		case 0x1b:
			end := 1
			if len(b) > 1 && b[1] == '[' {
				end = 2
				for end < len(b) && (b[end] < 0x40 || b[end] > 0x7e) {
					end++
				}
				if end < len(b) && b[end] == 'K' {
					switch string(b[2:end]) {
					case "", "0":
						*cur = (*cur)[:min(col, len(*cur))]
					case "2":
						*cur = nil
					}
				}
				end++
			}
			b = b[min(end, len(b)):]
			continue
		}
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		for len(*cur) <= col {
			*cur = append(*cur, ' ')
		}
		(*cur)[col] = r
		col++
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return out
}

func TestScreenReplaysCarriageReturnsAndErases(t *testing.T) {
	got := screen([]byte("|███  | 5 events/s\r                  \rtime=1 level=INFO\r\n|███\x1b[2K\rok\x1b[K\nab\rX"))
	want := []string{"time=1 level=INFO", "ok", "Xb"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("screen = %q, want %q", got, want)
	}
}
