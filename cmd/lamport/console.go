package main

import (
	"io"
	"sync"

	"github.com/schollz/progressbar/v3"
)

// console is stderr as the log and the progress bar share it. Every log
// line and every drawing of the bar happens under mu, so a log line never
// lands inside the bar: writing one clears the bar, writes the line at
// column 0 and draws the bar again below it.
type console struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar // the bar on screen, if any
}

// Write writes whole log lines (slog's handlers write one record per call).
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bar == nil {
		return c.w.Write(p)
	}
	_ = c.bar.Clear()
	n, err := c.w.Write(p)
	if err == nil {
		// The last frame as drawn: asking the bar to render would be
		// throttled and could leave it off screen until the next update.
		_, err = io.WriteString(c.w, c.bar.String())
	}
	return n, err
}

// show makes bar the one a log line clears and redraws.
func (c *console) show(bar *progressbar.ProgressBar) {
	c.mu.Lock()
	c.bar = bar
	c.mu.Unlock()
}

// draw runs f, which moves or removes the bar, under the lock; hide
// forgets the bar afterwards.
func (c *console) draw(hide bool, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
	if hide {
		c.bar = nil
	}
}
