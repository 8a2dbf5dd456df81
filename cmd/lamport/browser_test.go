package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lamport/report"
)

// findChromium returns the path of a Chromium binary, or "".
func findChromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium runs headless Chromium with args plus the flags this test needs
// on a loaded machine without a display, a sandbox or a network, in a new
// profile, and returns its stdout. Chromium itself now and then crashes
// (a segmentation fault) on a loaded machine: a run that a signal ended is
// tried again, at most three times in all, so only a page that fails
// every time fails the test.
func chromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	const tries = 3
	for try := 1; ; try++ {
		out, stderr, crashed, err := chromiumOnce(bin, args)
		if err == nil {
			return out
		}
		if !crashed || try == tries {
			t.Fatalf("%s %s (try %d of %d): %v\nstderr:\n%s", bin, strings.Join(args, " "), try, tries, err, stderr)
		}
		t.Logf("chromium crashed (%v); trying again", err)
	}
}

// chromiumOnce runs Chromium once; crashed says a signal ended it before
// its time was up.
func chromiumOnce(bin string, args []string) (stdout []byte, stderr string, crashed bool, err error) {
	profile, err := os.MkdirTemp("", "lamport-chromium-")
	if err != nil {
		return nil, "", false, err
	}
	// Best effort: a helper process may still be writing as we return.
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--window-size=1200,3000"}
	cmd := exec.CommandContext(ctx, bin, append(flags, args...)...)
	cmd.WaitDelay = 10 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, errOut.String(), false, fmt.Errorf("%w (timed out: %v)", err, ctx.Err())
		}
		var ee *exec.ExitError
		return nil, errOut.String(), errors.As(err, &ee) && !ee.Exited(), err
	}
	return out.Bytes(), errOut.String(), false, nil
}

// screenshot has Chromium render url (with flags, after the default ones)
// to the PNG file shot, and decodes it.
func screenshot(t *testing.T, bin, shot, url string, flags ...string) image.Image {
	t.Helper()
	chromium(t, bin, append(flags, "--screenshot="+shot, url)...)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
}

// The HTML report as a browser shows it: headless Chromium renders the
// page to a PNG that must hold the plots (many colours, the machines'
// palette colours, a fair share of ink), and its DOM must hold every plot.
// Without Chromium the test skips, unless LAMPORT_BROWSER_TEST=1 (as in
// CI), where a missing browser fails it.
// requireChromium returns the browser's path, or skips the test without
// one, unless LAMPORT_BROWSER_TEST=1 (as in CI) makes that a failure.
func requireChromium(t *testing.T) string {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		if os.Getenv("LAMPORT_BROWSER_TEST") == "1" {
			t.Fatal("LAMPORT_BROWSER_TEST=1 but no chromium (/usr/bin/chromium, chromium or chromium-browser) is installed")
		}
		t.Skip("no chromium installed; set LAMPORT_BROWSER_TEST=1 to require it")
	}
	return bin
}

func TestReportHTMLInABrowser(t *testing.T) {
	bin := requireChromium(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "browser.db")
	if code, _, errOut := lamport(t, "sim", "--seed", "7", "--machines", "3", "--duration", "1m", "--store", store, "--quiet"); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errOut)
	}
	page := filepath.Join(dir, "report.html")
	if code, _, errOut := lamport(t, "report", "latest", "--html", page, "--store", store); code != 0 {
		t.Fatalf("report --html: exit %d: %s", code, errOut)
	}
	url := "file://" + page

	dom := string(chromium(t, bin, "--dump-dom", url))
	for _, id := range htmlPlotIDs {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the rendered DOM has no #%s", id)
		}
	}
	if n := strings.Count(dom, "<svg"); n != len(htmlPlotIDs) {
		t.Errorf("the rendered DOM has %d <svg> elements, want %d", n, len(htmlPlotIDs))
	}
	if strings.Count(dom, `class="event"`) < 10 {
		t.Errorf("the rendered space-time diagram has %d events", strings.Count(dom, `class="event"`))
	}

	shot := filepath.Join(dir, "report.png")
	img := screenshot(t, bin, shot, url)
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 3000 {
		t.Errorf("screenshot is %v, want 1200x3000", b)
	}
	st := pixelStats(img)
	t.Logf("screenshot %s: %d distinct colours, %.1f%% not white", shot, len(st.colours), 100*st.inked)
	if len(st.colours) < 50 || st.inked < 0.05 || st.inked > 0.9 {
		t.Errorf("screenshot looks blank or broken: %d distinct colours, %.1f%% of the pixels not white", len(st.colours), 100*st.inked)
	}
	for i := range 3 {
		c := report.Colour(i)
		if n := st.near(c); n < 200 {
			t.Errorf("machine %d's colour %s covers only %d pixels of the screenshot", i+1, c, n)
		}
	}
}

// shotStats summarises a screenshot's pixels.
type shotStats struct {
	colours map[[3]uint8]int
	inked   float64 // share of pixels that are not near-white
}

func pixelStats(img image.Image) shotStats {
	st := shotStats{colours: map[[3]uint8]int{}}
	b := img.Bounds()
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			c := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
			st.colours[c]++
			if c[0] < 245 || c[1] < 245 || c[2] < 245 {
				inked++
			}
		}
	}
	st.inked = float64(inked) / float64(b.Dx()*b.Dy())
	return st
}

// near counts the pixels within a few levels of colour "#rrggbb".
func (st shotStats) near(hex string) int {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return 0
	}
	want := [3]int{int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)}
	n := 0
	for c, count := range st.colours {
		if abs(int(c[0])-want[0]) <= 3 && abs(int(c[1])-want[1]) <= 3 && abs(int(c[2])-want[2]) <= 3 {
			n += count
		}
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sweepFitScript measures the sweep page as laid out and writes the
// figures into the DOM for --dump-dom: the document's width, and the most
// lines any variant name (second column of #sweep-table) takes.
const sweepFitScript = `<script>
var lines = 0;
var rows = document.querySelectorAll("#sweep-table tr");
for (var i = 1; i < rows.length; i++) {
  var r = document.createRange();
  r.selectNodeContents(rows[i].cells[1]);
  var tops = {};
  var rects = r.getClientRects();
  for (var j = 0; j < rects.length; j++) { tops[Math.round(rects[j].top)] = true; }
  lines = Math.max(lines, Object.keys(tops).length);
}
var out = document.createElement("pre");
out.id = "measured";
out.textContent = "scrollWidth=" + document.documentElement.scrollWidth + " nameLines=" + lines + " rows=" + (rows.length - 1);
document.body.appendChild(out);
</script>
`

// The sweep page in a 1280-pixel-wide window: no sideways scrolling, and
// no variant name wraps onto more than two lines, with eight variants of
// three settings each. Headless Chromium lays it out; a script added to a
// copy of the page measures it.
func TestSweepHTMLFitsA1280PixelWindow(t *testing.T) {
	bin := requireChromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "sweep.html")
	code, _, errOut := lamport(t, "sweep", "--runs", "2", "--duration", "20s", "--seed", "1", "--quiet",
		"--vary", "max-rate=2,6", "--vary", "actions=4,10", "--vary", "latency=constant:1ms,uniform:1ms-5ms",
		"--store", filepath.Join(dir, "sweep.db"), "--html", page)
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	measured := filepath.Join(dir, "measured.html")
	html := strings.Replace(readFile(t, page), "</body>", sweepFitScript+"</body>", 1)
	if err := os.WriteFile(measured, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	// The later --window-size wins over the helper's own.
	dom := string(chromium(t, bin, "--window-size=1280,900", "--dump-dom", "file://"+measured))
	var width, lines, rows int
	i := strings.Index(dom, `<pre id="measured">`)
	if i >= 0 {
		i += len(`<pre id="measured">`)
	}
	if i < 0 {
		t.Fatalf("the measuring script left no result in the DOM:\n%.2000s", dom)
	}
	if _, err := fmt.Sscanf(dom[i:], "scrollWidth=%d nameLines=%d rows=%d", &width, &lines, &rows); err != nil {
		t.Fatalf("measured %q: %v", dom[i:min(len(dom), i+80)], err)
	}
	t.Logf("at 1280 px: document %d px wide, variant names on at most %d lines, %d variants", width, lines, rows)
	if rows != 8 {
		t.Errorf("the table has %d variants, want 8", rows)
	}
	if width > 1280 {
		t.Errorf("the sweep page is %d px wide in a 1280 px window: it scrolls sideways", width)
	}
	if lines < 1 || lines > 2 {
		t.Errorf("a variant name takes %d lines, want 1 or 2", lines)
	}
	img := screenshot(t, bin, filepath.Join(dir, "sweep.png"), "file://"+page, "--window-size=1280,900")
	if b := img.Bounds(); b.Dx() != 1280 {
		t.Errorf("screenshot is %v, want 1280 wide (the window size did not take)", b)
	}
}
