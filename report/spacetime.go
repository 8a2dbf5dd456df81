package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"lamport/core"
)

// DefaultWindowEvents is how many events the space-time diagram shows when
// no window is given: the run's first ones.
const DefaultWindowEvents = 60

// MaxWindowEvents bounds the space-time diagram, whatever the window: a
// window by position may not be longer, and a window by time shows only
// its first MaxWindowEvents events (the page says so).
const MaxWindowEvents = 300

// ErrBadWindow is returned by ParseWindow and Window.Validate for a window
// that is malformed, empty, or longer than MaxWindowEvents positions.
var ErrBadWindow = errors.New("bad window")

// Window selects the events of the space-time diagram, in one of two ways.
//
// Events are numbered by their position in the run's timeline: every
// machine's events (not arrivals) merged by run time, ties to the lower
// machine id, then log order, from 1 — the order in which 'lamport show'
// lists them. A window by position shows positions First to Last, both
// included. A window by time shows the events whose run time (time since
// the run's start) is in [From, To). The zero Window is the default: the
// first DefaultWindowEvents positions.
type Window struct {
	// First and Last select by position when Last > 0.
	First, Last uint64
	// From and To select by time when To > 0 (and Last is 0).
	From, To time.Duration
}

// ByTime reports whether w selects by time.
func (w Window) ByTime() bool { return w.Last == 0 && w.To > 0 }

// orDefault is w, or the default window for the zero Window.
func (w Window) orDefault() Window {
	if w == (Window{}) {
		return Window{First: 1, Last: DefaultWindowEvents}
	}
	return w
}

// String is the window in ParseWindow's syntax.
func (w Window) String() string {
	w = w.orDefault()
	if w.ByTime() {
		return w.From.String() + "-" + w.To.String()
	}
	return strconv.FormatUint(w.First, 10) + "-" + strconv.FormatUint(w.Last, 10)
}

// Validate checks a Window built by hand as ParseWindow checks its input.
func (w Window) Validate() error {
	switch {
	case w == (Window{}):
		return nil
	case w.Last > 0:
		if w.From != 0 || w.To != 0 {
			return fmt.Errorf("%w: window selects by position and by time at once", ErrBadWindow)
		}
		if w.First < 1 || w.Last < w.First {
			return fmt.Errorf("%w: positions %d-%d: want 1 <= FIRST <= LAST", ErrBadWindow, w.First, w.Last)
		}
		if n := w.Last - w.First + 1; n > MaxWindowEvents {
			return fmt.Errorf("%w: positions %d-%d are %d events; the diagram shows at most %d", ErrBadWindow, w.First, w.Last, n, MaxWindowEvents)
		}
	case w.To > 0:
		if w.From < 0 || w.To <= w.From {
			return fmt.Errorf("%w: times %v-%v: want 0 <= FROM < TO", ErrBadWindow, w.From, w.To)
		}
	default:
		return fmt.Errorf("%w: window ends at position 0 or time 0", ErrBadWindow)
	}
	return nil
}

// ParseWindow reads a window as FROM-TO: either event positions, both
// whole numbers ("100-160": positions 100 to 160, both included), or
// times since the run's start as Go durations ("10s-20s", "1m-1m30s",
// "0-2.5s": run time from FROM up to, not including, TO). A number
// without a unit is a position unless the other bound has one.
func ParseWindow(s string) (Window, error) {
	bad := func(why string) (Window, error) {
		return Window{}, fmt.Errorf("%w %q: %s; want FROM-TO as event positions (100-160) or times since the run's start (10s-20s)", ErrBadWindow, s, why)
	}
	t := strings.TrimSpace(s)
	i := -1
	if len(t) > 1 {
		i = strings.IndexByte(t[1:], '-')
	}
	if i < 0 {
		if strings.HasPrefix(t, "-") {
			return bad("FROM is negative or missing")
		}
		return bad("no '-' between FROM and TO")
	}
	a, b := strings.TrimSpace(t[:i+1]), strings.TrimSpace(t[i+2:])
	if a == "" || b == "" {
		return bad("FROM or TO is empty")
	}
	if digits(a) && digits(b) {
		first, err1 := strconv.ParseUint(a, 10, 64)
		last, err2 := strconv.ParseUint(b, 10, 64)
		if err1 != nil || err2 != nil {
			return bad("position out of range")
		}
		w := Window{First: first, Last: last}
		switch {
		case first < 1:
			return bad("positions count from 1")
		case last < first:
			return bad("TO is before FROM")
		case last-first+1 > MaxWindowEvents:
			return bad(fmt.Sprintf("%d events; the diagram shows at most %d", last-first+1, MaxWindowEvents))
		}
		return w, nil
	}
	from, err := time.ParseDuration(a)
	if err != nil {
		return bad(fmt.Sprintf("FROM %q is neither a position nor a duration", a))
	}
	to, err := time.ParseDuration(b)
	if err != nil {
		if digits(b) {
			return bad(fmt.Sprintf("FROM is a time but TO %q a position; give both as times (10s-20s) or both as positions", b))
		}
		return bad(fmt.Sprintf("TO %q is neither a position nor a duration", b))
	}
	switch {
	case from < 0:
		return bad("FROM is negative")
	case to <= from:
		return bad("TO is not after FROM")
	}
	return Window{From: from, To: to}, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// windowEvent is one event of the space-time window.
type windowEvent struct {
	Pos     uint64 // position in the run's timeline, from 1
	Machine core.MachineID
	At      time.Duration // run time
	Event   core.Event    // To is a copy
}

// windowEvents is the window's events in timeline order.
type windowEvents struct {
	Window Window // never the zero Window
	Events []windowEvent
	// Lost holds why each message sent in the window was lost (run faults),
	// so the diagram does not show it as received later.
	Lost map[msgKey]core.LostReason
	// Selected counts the events the window selects; more than
	// len(Events) when a window by time held more than MaxWindowEvents.
	Selected uint64
	// Total counts the run's events; End is the run's duration.
	Total uint64
	End   time.Duration
}

// windowCollector keeps the window's events during the walk, never more
// than MaxWindowEvents.
type windowCollector struct {
	w windowEvents
	// sent holds the messages sent by the window's events.
	sent map[msgKey]bool
}

func newWindowCollector(w Window) *windowCollector {
	return &windowCollector{w: windowEvents{Window: w.orDefault()}}
}

func (c *windowCollector) add(pos uint64, id core.MachineID, at time.Duration, ev *core.Event) {
	c.w.Total = pos
	w := c.w.Window
	in := false
	if w.ByTime() {
		in = at >= w.From && at < w.To
	} else {
		in = pos >= w.First && pos <= w.Last
	}
	if !in {
		return
	}
	c.w.Selected++
	if len(c.w.Events) >= MaxWindowEvents {
		return
	}
	e := *ev
	e.To = slices.Clone(ev.To)
	c.w.Events = append(c.w.Events, windowEvent{Pos: pos, Machine: id, At: at, Event: e})
	if e.Kind == core.KindSend {
		if c.sent == nil {
			c.sent = map[msgKey]bool{}
		}
		for _, m := range e.Sent(id) {
			c.sent[msgKey{m.From, m.Seq}] = true
		}
	}
}

// lost notes that msg was lost, if it was sent in the window; the others
// do not matter to the diagram, so the memory stays bounded by it.
func (c *windowCollector) lost(msg core.Message, why core.LostReason) {
	k := msgKey{msg.From, msg.Seq}
	if !c.sent[k] {
		return
	}
	if c.w.Lost == nil {
		c.w.Lost = map[msgKey]core.LostReason{}
	}
	c.w.Lost[k] = why
}

func (c *windowCollector) result() windowEvents { return c.w }

// msgKey names a message within a run.
type msgKey struct {
	from core.MachineID
	seq  uint64
}

// spaceTime is the diagram's drawing: what writeSpaceTime draws, with the
// counts the page's caption gives.
type spaceTime struct {
	// Full counts messages drawn as arrows (send and receive both in the
	// window); Stubs those drawn as dashed stubs (one end in the window,
	// the other outside it or never happening); Lost those of the stubs
	// that a fault lost (class "lost").
	Full, Stubs, Lost int
}

// writeSpaceTime writes the Lamport space-time diagram of win: one
// horizontal line (class "lane") per machine of ids, top to bottom in id
// order, labelled m<id> in the machine's colour; one dot (class "event")
// per event of the window at its run time, labelled with its clock value
// (class "clock"); one arrow (class "msg") per message whose send and
// receive are both in the window, from the send to the receive; and a
// short dashed arrow (class "stub") at each send or receive in the window
// whose other end is not: from a send towards its receiver's line, or into
// a receive from its sender's side. Messages with neither end in the
// window are not drawn.
func writeSpaceTime(w io.Writer, id string, win windowEvents, ids []core.MachineID) (spaceTime, error) {
	var st spaceTime
	s := newSVGWriter(w)
	lane := map[core.MachineID]int{}
	for i, m := range ids {
		lane[m] = i
	}
	// Width: enough room for the clock labels of the busiest machine.
	perMachine := make([]int, len(ids))
	for _, e := range win.Events {
		if i, ok := lane[e.Machine]; ok {
			perMachine[i]++
		}
	}
	busiest := 0
	for _, n := range perMachine {
		busiest = max(busiest, n)
	}
	width := min(max(defaultChartWidth, 120+busiest*30), 9000)
	const laneGap, legendH = 64.0, 24.0
	f := &frame{width: float64(width), left: 56, right: float64(width) - 24}
	f.top = 30 + legendH + 16
	f.bott = f.top + math.Max(float64(len(ids)-1), 0)*laneGap + 24
	f.height = f.bott + 48
	laneY := func(i int) float64 { return f.top + 12 + float64(i)*laneGap }

	// The time range: a window by time as given (up to the run's end, or
	// to the last event shown when truncated); a window by position from
	// its first event to its last, padded a little.
	t0, t1 := win.Window.From.Seconds(), win.Window.To.Seconds()
	truncated := uint64(len(win.Events)) < win.Selected
	if n := len(win.Events); n > 0 && (!win.Window.ByTime() || truncated) {
		last := win.Events[n-1].At.Seconds()
		if !win.Window.ByTime() {
			t0 = win.Events[0].At.Seconds()
		}
		pad := max((last-t0)*0.03, 0.05)
		t1 = last + pad
		if !win.Window.ByTime() {
			t0 = max(t0-pad, 0)
		}
	}
	if end := win.End.Seconds(); win.Window.ByTime() && !truncated && end > t0 && end < t1 {
		t1 = end // a window past the run's end stops at it
	}
	if t1 <= t0 {
		t1 = t0 + 1
	}
	f.x0, f.x1 = t0, t1
	xTicks := axisTicks(t0, t1, &valueRange{t0, t1}, max(4, width/90))

	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart" width="%d" height="%s" viewBox="0 0 %d %s" font-family="sans-serif" font-size="%d">`+"\n",
		esc(id), width, num(f.height), width, num(f.height), chartFontSize)
	s.printf(`<rect class="background" x="0" y="0" width="%d" height="%s" fill="#ffffff"/>`+"\n", width, num(f.height))
	s.printf(`<text class="title" x="%s" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", num(f.left), esc("Space-time diagram, window "+win.Window.String()))
	// The key: what the marks mean.
	ky := 30.0 + 12
	kx := f.left
	s.str(`<g class="key" fill="#333333">` + "\n")
	for _, k := range []struct{ kind, text string }{{"send", "send"}, {"recv", "receive"}, {"internal", "internal event"}} {
		s.str(eventDot(kx+5, ky-4, "#555555", k.kind, "", ""))
		s.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(kx+14), num(ky), esc(k.text))
		kx += 24 + float64(len(k.text))*charWidth
	}
	s.printf(`<path d="%s" stroke="#555555" stroke-width="1.4" fill="none"/><text x="%s" y="%s">%s</text>`+"\n",
		arrowPath(kx, ky-4, kx+30, ky-4, 0), num(kx+36), num(ky), "message, send to receive")
	kx += 46 + 24*charWidth
	s.printf(`<path d="%s" stroke="#555555" stroke-width="1.4" fill="none" stroke-dasharray="4 3"/><text x="%s" y="%s">%s</text>`+"\n",
		arrowPath(kx, ky-4, kx+30, ky-4, 0), num(kx+36), num(ky), "other end outside the window")
	kx += 46 + 28*charWidth
	s.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(kx), num(ky), "numbers: clock values")
	s.str("</g>\n")

	// Grid and time axis.
	s.str(`<g class="grid" stroke="#eeeeee" stroke-width="1">` + "\n")
	for _, x := range xTicks {
		p := num(f.px(x))
		s.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", p, num(f.top), p, num(f.bott))
	}
	s.str("</g>\n")
	s.printf(`<line class="time-axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#888888"/>`+"\n", num(f.left), num(f.bott), num(f.right), num(f.bott))
	s.str(`<g class="x-ticks" text-anchor="middle" fill="#333333">` + "\n")
	for i, l := range labelsFor(xTicks) {
		s.printf(`<text x="%s" y="%s">%s</text>`+"\n", num(f.px(xTicks[i])), num(f.bott+16), l)
	}
	s.str("</g>\n")
	s.printf(`<text class="axis-label x-label" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n",
		num((f.left+f.right)/2), num(f.height-8), "time since the run's start (s)")

	// Lanes.
	for i, m := range ids {
		y := num(laneY(i))
		col := Colour(int(m) - 1)
		s.printf(`<line class="lane" data-machine="%d" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"/>`+"\n",
			m, num(f.left), y, num(f.right), y, col)
		s.printf(`<text class="lane-label" x="10" y="%s" fill="%s" font-weight="bold">m%d</text>`+"\n", num(laneY(i)+4), col, m)
	}
	if len(win.Events) == 0 {
		s.printf(`<text class="empty" x="%s" y="%s" text-anchor="middle" fill="#666666">%s</text>`+"\n",
			num((f.left+f.right)/2), num(f.top+4), "no events in this window")
	}

	// Messages first, so the dots sit on top of the arrows.
	type at struct{ x, y float64 }
	pos := func(e windowEvent) (at, bool) {
		i, ok := lane[e.Machine]
		return at{f.px(e.At.Seconds()), laneY(i)}, ok
	}
	sends := map[msgKey]windowEvent{}
	recvs := map[msgKey]bool{}
	for _, e := range win.Events {
		switch e.Event.Kind {
		case core.KindSend:
			for _, m := range e.Event.Sent(e.Machine) {
				sends[msgKey{m.From, m.Seq}] = e
			}
		case core.KindRecv:
			recvs[msgKey{e.Event.Msg.From, e.Event.Msg.Seq}] = true
		case core.KindInternal:
			// No message to pair.
		}
	}
	const stubDX, dotR = 30.0, 4.5
	s.str(`<g class="messages" stroke-width="1.4" fill="none">` + "\n")
	for _, e := range win.Events {
		p, ok := pos(e)
		if !ok {
			continue
		}
		col := Colour(int(e.Machine) - 1)
		switch e.Event.Kind {
		case core.KindSend:
			for _, m := range e.Event.Sent(e.Machine) {
				to := e.Event.To[m.Seq-e.Event.FirstSeq]
				if recvs[msgKey{m.From, m.Seq}] {
					continue // drawn at the receive
				}
				ti, ok := lane[to]
				if !ok {
					continue
				}
				ex, ey := p.x+stubDX, p.y+0.4*(laneY(ti)-p.y)
				if why, lost := win.Lost[msgKey{m.From, m.Seq}]; lost {
					s.printf(`<path class="stub lost" data-msg="%s" d="%s" stroke="%s" stroke-dasharray="1 3"><title>%s</title></path>`+"\n",
						m.ID(), arrowPath(p.x, p.y, ex, ey, dotR), col, esc(fmt.Sprintf("message %s from m%d to m%d, clock %d; lost (%s)", m.ID(), m.From, to, m.Clock, why)))
					st.Stubs++
					st.Lost++
					continue
				}
				s.printf(`<path class="stub" data-msg="%s" d="%s" stroke="%s" stroke-dasharray="4 3"><title>%s</title></path>`+"\n",
					m.ID(), arrowPath(p.x, p.y, ex, ey, dotR), col, esc(fmt.Sprintf("message %s from m%d to m%d, clock %d; received outside the window", m.ID(), m.From, to, m.Clock)))
				st.Stubs++
			}
		case core.KindRecv:
			msg := e.Event.Msg
			scol := Colour(int(msg.From) - 1)
			if se, ok := sends[msgKey{msg.From, msg.Seq}]; ok {
				sp, ok := pos(se)
				if !ok {
					continue
				}
				s.printf(`<path class="msg" data-msg="%s" d="%s" stroke="%s"><title>%s</title></path>`+"\n",
					msg.ID(), arrowPath(sp.x, sp.y, p.x, p.y, dotR), scol, esc(fmt.Sprintf("message %s from m%d (clock %d) to m%d (clock %d)", msg.ID(), msg.From, msg.Clock, e.Machine, e.Event.Clock)))
				st.Full++
				continue
			}
			fi, ok := lane[msg.From]
			if !ok {
				continue
			}
			sx, sy := p.x-stubDX, p.y+0.4*(laneY(fi)-p.y)
			s.printf(`<path class="stub" data-msg="%s" d="%s" stroke="%s" stroke-dasharray="4 3"><title>%s</title></path>`+"\n",
				msg.ID(), arrowPath(sx, sy, p.x, p.y, dotR), scol, esc(fmt.Sprintf("message %s from m%d, clock %d; sent outside the window", msg.ID(), msg.From, msg.Clock)))
			st.Stubs++
		case core.KindInternal:
			// A dot only, drawn with the events.
		}
	}
	s.str("</g>\n")

	// Events and their clock values.
	s.str(`<g class="events">` + "\n")
	for _, e := range win.Events {
		p, ok := pos(e)
		if !ok {
			continue
		}
		ev := e.Event
		title := fmt.Sprintf("m%d event %d (position %d): %s, clock %d, at %.3fs", e.Machine, ev.Index, e.Pos, ev.Kind, ev.Clock, e.At.Seconds())
		s.str(eventDot(p.x, p.y, Colour(int(e.Machine)-1), ev.Kind.String(), strconv.FormatUint(uint64(e.Machine), 10), title))
		s.printf(`<text class="clock" x="%s" y="%s" text-anchor="middle" font-size="10" fill="#222222" stroke="#ffffff" stroke-width="3" paint-order="stroke">%d</text>`+"\n", num(p.x), num(p.y-8), ev.Clock)
	}
	s.str("</g>\n</svg>\n")
	return st, s.flush()
}

// eventDot is the mark of one event: a filled dot for a send, a filled dot
// ringed in black for a receive, a hollow dot for an internal event.
// Without a machine it is a key sample and has no class "event".
func eventDot(x, y float64, colour, kind, machine, title string) string {
	fill, stroke, r := colour, colour, "4.5"
	switch kind {
	case "recv":
		stroke = "#111111"
	case "internal":
		fill, r = "#ffffff", "3.5"
	}
	class, data, t := "key-dot", "", ""
	if machine != "" {
		class = "event"
		data = ` data-machine="` + machine + `" data-kind="` + kind + `"`
		t = "<title>" + esc(title) + "</title>"
	}
	return fmt.Sprintf(`<circle class="%s"%s cx="%s" cy="%s" r="%s" fill="%s" stroke="%s" stroke-width="1.5">%s</circle>`+"\n",
		class, data, num(x), num(y), r, fill, stroke, t)
}

// arrowPath is the path data of a line from (x0, y0) to (x1, y1),
// stopping short of the end by gap, with an open arrowhead at its end.
func arrowPath(x0, y0, x1, y1, gap float64) string {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return "M" + num(x0) + " " + num(y0)
	}
	ux, uy := dx/l, dy/l
	if gap < l {
		x1, y1 = x1-ux*gap, y1-uy*gap
	}
	const head, spread = 7.0, 0.45
	// The head's two sides, rotated by +-spread from the line's direction.
	ax := x1 - head*(ux*math.Cos(spread)-uy*math.Sin(spread))
	ay := y1 - head*(uy*math.Cos(spread)+ux*math.Sin(spread))
	bx := x1 - head*(ux*math.Cos(spread)+uy*math.Sin(spread))
	by := y1 - head*(uy*math.Cos(spread)-ux*math.Sin(spread))
	return fmt.Sprintf("M%s %sL%s %sM%s %sL%s %sL%s %s", num(x0), num(y0), num(x1), num(y1),
		num(ax), num(ay), num(x1), num(y1), num(bx), num(by))
}
