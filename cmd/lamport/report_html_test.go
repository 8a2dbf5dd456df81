package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lamport/report"
)

// htmlPlotIDs are the ids every HTML report's plots have.
var htmlPlotIDs = []string{report.PlotClock, report.PlotDrift, report.PlotQueue, report.PlotJumps, report.PlotSpaceTime}

func TestReportHTMLWritesOnePage(t *testing.T) {
	store := reportStore(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "run.html")
	code, out, errOut := lamportReport(t, "latest", "--html", page, "--store", store, "-v")
	if code != 0 || out != "" {
		t.Fatalf("report --html: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "wrote the report's page") || !strings.Contains(errOut, page) {
		t.Errorf("stderr %q does not say where the page went", errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || !bytes.HasSuffix(b, []byte("</html>\n")) {
		t.Errorf("page is not a whole HTML document: %.60q ... %q", b, b[max(len(b)-20, 0):])
	}
	for _, id := range htmlPlotIDs {
		if !bytes.Contains(b, []byte(`id="`+id+`"`)) {
			t.Errorf("page has no #%s", id)
		}
	}
	if !bytes.Contains(b, []byte("seed 7")) || bytes.Contains(b, []byte("<script")) {
		t.Error("page lacks the run's seed, or has a script")
	}
	if info, err := os.Stat(page); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("page mode %v, %v; want 0644", info.Mode(), err)
	}
	// Nothing else is left in the directory: the temporary file was renamed.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the page", len(entries))
	}
	// '-' writes the same page to stdout; --seed picks the same run.
	code, stdout, errOut := lamportReport(t, "--seed", "7", "--html", "-", "--store", store)
	if code != 0 || stdout != string(b) {
		t.Errorf("report --html -: exit %d (%s), page differs from the file's", code, errOut)
	}
	// A window changes only the diagram.
	windowed := filepath.Join(dir, "w.html")
	if code, _, errOut := lamportReport(t, "latest", "--html", windowed, "--window", "10s-20s", "--store", store); code != 0 {
		t.Fatalf("--window 10s-20s: exit %d: %s", code, errOut)
	}
	w, _ := os.ReadFile(windowed)
	if !bytes.Contains(w, []byte("window 10s-20s")) || bytes.Equal(w, b) {
		t.Error("--window 10s-20s did not change the space-time diagram")
	}
	if code, _, errOut := lamportReport(t, "latest", "--html", windowed, "--window", "100-160", "--store", store); code != 0 {
		t.Fatalf("--window 100-160: exit %d: %s", code, errOut)
	}
}

func TestReportHTMLUsageErrors(t *testing.T) {
	store := reportStore(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "r.html")
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--window", []string{"latest", "--html", page, "--window", "abc", "--store", store}},
		{"TO is before FROM", []string{"latest", "--html", page, "--window", "160-100", "--store", store}},
		{"positions count from 1", []string{"latest", "--html", page, "--window", "0-10", "--store", store}},
		{"at most 300", []string{"latest", "--html", page, "--window", "1-1000", "--store", store}},
		{"TO is not after FROM", []string{"latest", "--html", page, "--window", "20s-10s", "--store", store}},
		{"neither a position nor a duration", []string{"latest", "--html", page, "--window", "10s-x", "--store", store}},
		{"give --html FILE too", []string{"latest", "--window", "1-10", "--store", store}},
		{"--json and --html", []string{"latest", "--json", "--html", page, "--store", store}},
		{"--html needs a file name", []string{"latest", "--html", "", "--store", store}},
		{"no directory " + filepath.Join(dir, "absent") + " to write it in", []string{"latest", "--html", filepath.Join(dir, "absent", "r.html"), "--store", store}},
		{"is a directory", []string{"latest", "--html", t.TempDir(), "--store", store}},
		{`run "nope"`, []string{"nope", "--html", page, "--store", store}},
	} {
		code, out, errOut := lamportReport(t, c.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "lamport: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("report %q: exit %d, stdout %q, stderr %q; want exit 2 and one line mentioning %q", c.args, code, out, errOut, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed reports left %d files behind", len(entries))
	}
	code, out, _ := lamportReport(t, "--help")
	for _, want := range []string{"--html FILE", "--window", "10s-20s", "100-160"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("report --help does not mention %q:\n%s", want, out)
		}
	}
}

// A report that fails leaves an existing page as it was.
func TestReportHTMLFailureKeepsTheOldPage(t *testing.T) {
	store := reportStore(t)
	page := filepath.Join(t.TempDir(), "r.html")
	if err := os.WriteFile(page, []byte("old page"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := lamportReport(t, "nope", "--html", page, "--store", store); code != 2 {
		t.Fatalf("report of an unknown run: exit %d", code)
	}
	if b, _ := os.ReadFile(page); string(b) != "old page" {
		t.Errorf("the old page became %.40q", b)
	}
	if code, _, errOut := lamportReport(t, "latest", "--html", page, "--store", store); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(page); !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("the page was not replaced: %.40q", b)
	}
}
