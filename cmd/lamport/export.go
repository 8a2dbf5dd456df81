package main

import (
	"strings"

	"lamport/core"
	"lamport/record"
	"lamport/report"
)

func exportCommand(e *env, args []string) error {
	var v viewFlags
	var format string
	fs := v.register(e, "export", "export RUN|latest --format jsonl|csv|log|shiviz [--machine N]",
		"Write a run's events to stdout for other tools, merged across machines by time.\n"+
			"  jsonl  one JSON object per event: machine, index, kind, clock, queue, queue_left, time_ns,\n"+
			"         tick, time, plus die, to and msgs for a send, from, msg and msg_clock for a receive;\n"+
			"         queue is the queue length when the tick came (before a receive takes its message),\n"+
			"         queue_left the messages left after the event\n"+
			"  csv    the same fields as columns, with a header row; lists are space-separated\n"+
			"  log    the lines of the run's log files, <log-dir>/<run>/log_<id>.txt, header included;\n"+
			"         with --machine exactly that file, otherwise each machine's header then its\n"+
			"         lines, merged by time, each prefixed with m<id>\n"+
			"  shiviz a log for ShiViz with vector clocks derived from the sends and receives, in\n"+
			"         causal order: \"m<id> {vector}\" then the event; the whole run only. The file\n"+
			"         is in the form ShiViz's upload takes: its first line is the parsing regular\n"+
			"         expression, its second line is empty (the delimiter of multiple executions:\n"+
			"         there is one), and the log follows. Either upload the file as it is on ShiViz's\n"+
			"         input page, or paste the log (from the third line on: | tail -n +3) into the\n"+
			"         log box and this expression into the regular expression field, leaving the\n"+
			"         delimiter field empty:\n"+
			"         "+report.ShiVizRegex)
	fs.StringVar(&format, "format", "jsonl", "jsonl, csv, log or shiviz")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch strings.ToLower(format) {
	case "jsonl":
		return streamRun(e, fs, &v, nil, appendJSONL)
	case "csv":
		return streamRun(e, fs, &v, func(record.RunMeta) []byte { return []byte(csvHeader) }, appendCSV)
	case "log":
		prefix := v.machine == 0
		header := func(meta record.RunMeta) []byte { return appendLogHeaders(nil, meta, core.MachineID(v.machine)) }
		return streamRun(e, fs, &v, header, func(b []byte, it *timelineItem) []byte { return appendLog(b, it, prefix) })
	case "shiviz":
		if v.machine != 0 || v.from != 0 || v.to != 0 || v.arrivals {
			return usageErrorf("--format shiviz exports the whole run: --machine, --from, --to and --arrivals do not apply")
		}
		st, meta, _, err := v.open(fs)
		if err != nil {
			return err
		}
		defer st.Close()
		return report.WriteShiViz(e.stdout, st, meta.ID)
	}
	return usageErrorf("unknown --format %q: want jsonl, csv, log or shiviz", format)
}
