// Package export holds the formats 'lamport export' writes a recorded run
// in: jsonl, csv, the log files' lines and a ShiViz log. Formats is the
// one registry of them; the command's --help, its --format flag and its
// errors are made from it, so a new format is a row there and its writer
// here.
package export
