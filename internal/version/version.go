// Package version names the tool's version, which every run's metadata
// records and 'lamport version' prints.
package version

// Tool is the tool's name and version.
const Tool = "lamport 0.1.0"
