package export

import (
	"io"
	"strings"

	"lamport/core"
	"lamport/record"
	"lamport/report"
)

// LineFunc appends the line of an entry of the run's time walk.
type LineFunc func(b []byte, te *record.TimedEntry) []byte

// Format is one way to write a run. A format is written either line by
// line over the run's timeline, which --machine, --from, --to and
// --arrivals narrow (Lines), or whole by a writer of its own (WholeRun).
type Format struct {
	// Name is the --format value.
	Name string
	// Noun names what the format writes in the command's summary: "log lines".
	Noun string
	// Help describes the format in the command's --help, one string per
	// line, without the name or the indent.
	Help []string
	// Lines returns the header (nil for none) and the line of each entry
	// for an export of machine, 0 for every machine.
	Lines func(meta record.RunMeta, machine core.MachineID) ([]byte, LineFunc)
	// WholeRun writes run runID of st to w.
	WholeRun func(w io.Writer, st *record.Store, runID string) error
}

// Formats are the export formats, in the order help and errors list them.
var Formats = []Format{
	{
		Name: "jsonl", Noun: "jsonl",
		Help: []string{
			"one JSON object per event: machine, index, kind, clock, queue, queue_left, time_ns,",
			"tick, time, plus die, to and msgs for a send, from, msg and msg_clock for a receive;",
			"queue is the queue length when the tick came (before a receive takes its message),",
			"queue_left the messages left after the event",
		},
		Lines: func(record.RunMeta, core.MachineID) ([]byte, LineFunc) {
			return nil, func(b []byte, te *record.TimedEntry) []byte {
				return appendJSONL(b, te.Machine, te.RunAt, te.Wall, &te.Entry)
			}
		},
	},
	{
		Name: "csv", Noun: "csv",
		Help: []string{"the same fields as columns, with a header row; lists are space-separated"},
		Lines: func(record.RunMeta, core.MachineID) ([]byte, LineFunc) {
			return []byte(CSVHeader), func(b []byte, te *record.TimedEntry) []byte {
				return appendCSV(b, te.Machine, te.RunAt, te.Wall, &te.Entry)
			}
		},
	},
	{
		Name: "log", Noun: "log lines",
		Help: []string{
			"the lines of the run's log files, <log-dir>/<run>/log_<id>.txt, header included;",
			"with --machine exactly that file, otherwise each machine's header then its",
			"lines, merged by time, each prefixed with m<id>",
		},
		Lines: func(meta record.RunMeta, machine core.MachineID) ([]byte, LineFunc) {
			prefix := machine == 0
			// A log file has its machine's own clock, not the run's axis.
			return appendLogHeaders(nil, meta, machine), func(b []byte, te *record.TimedEntry) []byte {
				return appendLog(b, te.Machine, te.Own, &te.Entry, prefix)
			}
		},
	},
	{
		Name: "shiviz", Noun: "a ShiViz log",
		Help: []string{
			"a log for ShiViz with vector clocks derived from the sends and receives, in",
			"causal order: \"m<id> {vector}\" then the event; the whole run only. The file",
			"is in the form ShiViz's upload takes: its first line is the parsing regular",
			"expression, its second line is empty (the delimiter of multiple executions:",
			"there is one), and the log follows. Either upload the file as it is on ShiViz's",
			"input page, or paste the log (from the third line on: | tail -n +3) into the",
			"log box and this expression into the regular expression field, leaving the",
			"delimiter field empty:",
			report.ShiVizRegex,
		},
		WholeRun: report.WriteShiViz,
	},
}

// Lookup returns the format called name, in any case.
func Lookup(name string) (Format, bool) {
	name = strings.ToLower(name)
	for _, f := range Formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Names are the formats' names in registry order.
func Names() []string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = f.Name
	}
	return names
}

// Nouns are what the formats write, in registry order, for a summary.
func Nouns() []string {
	nouns := make([]string, len(Formats))
	for i, f := range Formats {
		nouns[i] = f.Noun
	}
	return nouns
}

// Either joins words as a choice: "a, b, c or d".
func Either(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// Help is every format's description for --help: the name, then its
// lines, each indented past the longest name; no newline at the end.
func Help() string {
	width := 0
	for _, f := range Formats {
		width = max(width, len(f.Name))
	}
	var b strings.Builder
	for i, f := range Formats {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  " + f.Name + strings.Repeat(" ", width-len(f.Name)+1))
		b.WriteString(strings.Join(f.Help, "\n"+strings.Repeat(" ", width+3)))
	}
	return b.String()
}
