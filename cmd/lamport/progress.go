package main

import (
	"math"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress draws a bar on stderr while a long command works. It is only
// shown when stdout and stderr are both terminals and --quiet is off, so
// piped output holds nothing but the result. A nil *progress does nothing.
// It draws only under the console's lock, which log lines take too.
type progress struct {
	bar     *progressbar.ProgressBar
	console *console
	begun   time.Time
}

// newProgress makes a bar up to total (milliseconds of run time, or
// events); total <= 0 draws a spinner instead.
func newProgress(e *env, quiet bool, total int64, what string) *progress {
	if quiet || !isTerminal(e.stdout) || !isTerminal(e.stderr) {
		return nil
	}
	if total <= 0 {
		total = -1
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		// No spinner goroutine: it would draw outside the console's lock.
		// The spinner turns at each update instead.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
	e.console.show(bar)
	return &progress{bar: bar, console: e.console, begun: time.Now()}
}

// update moves the bar to done units and shows the events so far and their
// rate.
func (p *progress) update(done int64, events uint64) {
	if p == nil {
		return
	}
	rate := float64(events) / max(time.Since(p.begun).Seconds(), 1e-9)
	p.console.draw(false, func() {
		p.bar.Describe(progressText(events, rate))
		_ = p.bar.Set64(done)
	})
}

// progressText is the bar's description: "1 event, 1 event/s", "20 events,
// 7 events/s".
func progressText(events uint64, rate float64) string {
	perSecond := math.Round(rate)
	unit := " events/s"
	if perSecond == 1 {
		unit = " event/s"
	}
	return plural(int(events), "event") + ", " + strconv.FormatFloat(perSecond, 'f', 0, 64) + unit
}

// finish removes the bar so the result prints on a clean line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.console.draw(true, func() {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
	})
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
