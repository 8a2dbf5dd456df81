package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"lamport/core"
)

// ErrBadShiViz is returned (wrapped, with the line number) by CheckShiViz
// when a log breaks one of the rules WriteShiViz promises.
var ErrBadShiViz = errors.New("bad shiviz log")

// ShiVizSummary is what CheckShiViz counted in a valid log.
type ShiVizSummary struct {
	Events, Sends, Recvs, Internals int
	// Hosts counts each host's events.
	Hosts map[string]int
}

// shivizHeader is the host-and-clock half of ShiVizRegex, anchored; Go's
// regexp reads the (?<name>...) groups as ShiViz's JavaScript does.
var shivizHeader = regexp.MustCompile(`^` + strings.SplitN(ShiVizRegex, `\n`, 2)[0] + `$`)

var shivizHost = regexp.MustCompile(`^m[1-9][0-9]*$`)

// CheckShiViz reads a ShiViz log as WriteShiViz writes it and checks it
// without trusting the writer: the first line is exactly ShiVizRegex, the
// second is blank, then come pairs of lines. The first of a pair matches
// the regex's host and clock part, its host is m<id>, and its clock is a
// JSON object of hosts to positive integers in ascending id order, with
// the host's own entry present. The second is the event text with single
// spaces: send, recv or internal, then key=value fields. The vector clocks
// are recomputed from the events: a host's own entry is its previous one
// plus 1; a receive (msg=<from>:<seq>) comes after the send that lists its
// message in msgs=, is >= the sender's vector there, and is exactly the
// element-wise max of that and the host's previous vector, plus 1 in its
// own entry; any other event is its host's previous vector plus 1. No
// message is received twice, and no vector names a host it cannot know.
func CheckShiViz(r io.Reader) (ShiVizSummary, error) {
	sum := ShiVizSummary{Hosts: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("line %d: %s: %w", n, fmt.Sprintf(format, args...), ErrBadShiViz)
	}
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		n++
		return sc.Text(), true
	}
	if l, ok := next(); !ok || l != ShiVizRegex {
		return sum, bad("first line is %q, want the regex %q", l, ShiVizRegex)
	}
	if l, ok := next(); !ok || l != "" {
		return sum, bad("second line is %q, want it blank", l)
	}
	vecs := map[string]map[string]uint64{}     // each host's last vector
	inFlight := map[string]map[string]uint64{} // the sender's vector, by message id
	for {
		head, ok := next()
		if !ok {
			break
		}
		m := shivizHeader.FindStringSubmatch(head)
		if m == nil {
			return sum, bad("%q does not match %q", head, shivizHeader)
		}
		host, clock := m[shivizHeader.SubexpIndex("host")], m[shivizHeader.SubexpIndex("clock")]
		if !shivizHost.MatchString(host) {
			return sum, bad("host %q is not m<id>", host)
		}
		vec, err := parseShiVizClock(clock)
		if err != nil {
			return sum, bad("clock %s: %v", clock, err)
		}
		text, ok := next()
		if !ok {
			return sum, bad("the log ends after a clock line, without its event")
		}
		kind, fields, err := parseShiVizEvent(text)
		if err != nil {
			return sum, bad("event %q: %v", text, err)
		}

		prev := vecs[host]
		own, ok := vec[host]
		if !ok {
			return sum, bad("%s's clock %s lacks its own entry", host, clock)
		}
		if own != prev[host]+1 {
			return sum, bad("%s's own entry is %d after %d, want +1", host, own, prev[host])
		}
		want := map[string]uint64{}
		for h, v := range prev {
			want[h] = v
		}
		switch kind {
		case "recv":
			id := fields["msg"]
			from, _, err := core.ParseMessageID(id)
			if err != nil || fields["from"] != strconv.FormatUint(uint64(from), 10) {
				return sum, bad("receive has msg=%q from=%q", id, fields["from"])
			}
			sv, ok := inFlight[id]
			if !ok {
				return sum, bad("%s receives message %s before any send of it, or twice", host, id)
			}
			delete(inFlight, id)
			for h, v := range sv {
				if vec[h] < v {
					return sum, bad("receive of %s: %s's entry %d is below the send's %d", id, h, vec[h], v)
				}
				want[h] = max(want[h], v)
			}
			sum.Recvs++
		case "send":
			to, msgs := strings.Split(fields["to"], ","), strings.Split(fields["msgs"], ",")
			if fields["to"] == "" || len(to) != len(msgs) {
				return sum, bad("send has to=%q and msgs=%q", fields["to"], fields["msgs"])
			}
			for _, id := range msgs {
				from, _, err := core.ParseMessageID(id)
				if err != nil || "m"+strconv.FormatUint(uint64(from), 10) != host {
					return sum, bad("%s sends message %q", host, id)
				}
				if _, dup := inFlight[id]; dup {
					return sum, bad("message %s sent twice", id)
				}
				inFlight[id] = vec
			}
			sum.Sends++
		case "internal":
			sum.Internals++
		}
		want[host] = own
		for h := range vec {
			if _, known := sum.Hosts[h]; !known && h != host {
				return sum, bad("clock names host %s, which has no event before", h)
			}
		}
		if !sameVector(vec, want) {
			return sum, bad("%s's clock is %s, want %v", host, clock, want)
		}
		vecs[host] = vec
		sum.Hosts[host]++
		sum.Events++
	}
	if err := sc.Err(); err != nil {
		return sum, fmt.Errorf("read shiviz log after line %d: %w", n, err)
	}
	return sum, nil
}

// parseShiVizClock reads a clock object, checking that it is valid JSON,
// that every value is a positive integer and that keys are m<id> in
// ascending id order without repeats.
func parseShiVizClock(s string) (map[string]uint64, error) {
	if !json.Valid([]byte(s)) {
		return nil, errors.New("not valid JSON")
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]uint64{}
	var last uint64
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string) // object keys are strings in valid JSON
		if !shivizHost.MatchString(k) {
			return nil, fmt.Errorf("key %q is not m<id>", k)
		}
		id, _ := strconv.ParseUint(k[1:], 10, 32)
		if id <= last {
			return nil, fmt.Errorf("key %q is not after m%d", k, last)
		}
		last = id
		t, err = d.Token()
		if err != nil {
			return nil, err
		}
		num, ok := t.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s is %v, not a number", k, t)
		}
		v, err := strconv.ParseUint(num.String(), 10, 64)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("%s is %s, want a positive integer", k, num)
		}
		out[k] = v
	}
	return out, nil
}

// parseShiVizEvent splits an event text into its kind and key=value
// fields, checking single spacing and the fields of each kind.
func parseShiVizEvent(s string) (string, map[string]string, error) {
	if s == "" || strings.Contains(s, "  ") || s != strings.TrimSpace(s) {
		return "", nil, errors.New("want words separated by single spaces")
	}
	words := strings.Split(s, " ")
	kind, fields := words[0], map[string]string{}
	for _, w := range words[1:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return "", nil, fmt.Errorf("%q is not key=value", w)
		}
		if _, dup := fields[k]; dup {
			return "", nil, fmt.Errorf("%s given twice", k)
		}
		fields[k] = v
	}
	var want []string
	switch kind {
	case "send":
		want = []string{"clock", "queue", "to", "msgs"}
	case "recv":
		want = []string{"clock", "queue", "left", "from", "msg", "msg_clock"}
	case "internal":
		want = []string{"clock", "queue"}
	default:
		return "", nil, fmt.Errorf("kind %q is not send, recv or internal", kind)
	}
	if len(fields) != len(want) {
		return "", nil, fmt.Errorf("a %s has the fields %v", kind, want)
	}
	for _, k := range want {
		if _, ok := fields[k]; !ok {
			return "", nil, fmt.Errorf("a %s has the fields %v", kind, want)
		}
	}
	return kind, fields, nil
}

func sameVector(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
