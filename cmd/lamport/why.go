package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"lamport/core"
	"lamport/record"
	"lamport/report"
)

// whyOptions are the flags and arguments of 'lamport why'.
type whyOptions struct {
	runRef
	asJSON  bool
	runName string // the run's name; "" with --seed
	a, b    report.EventRef
}

func (o *whyOptions) flags(e *env) *pflag.FlagSet {
	fs := newFlagSet(e, "why", "why RUN|latest A B [--json] [--store S]   or   why --seed N A B",
		"Say whether event A happened before event B, B before A, or neither (they are\n"+
			"concurrent), and for an order print the chain that proves it: program order on a\n"+
			"machine up to a send, the message, its receive on the next machine, and so on to the\n"+
			"later event, each event as 'lamport show' prints it.\n"+
			"Events are named m<machine>#<index>: m2#45 is machine 2's 45th event (the index\n"+
			"'lamport show' prints). Lamport clocks order every pair of events, concurrent ones\n"+
			"too: a smaller clock does not mean an event happened first. Exit 0 in every case.\n"+
			"RUN is a run id, a unique prefix of one, or 'latest'. See docs/REPORT.md.")
	o.runRef.register(fs)
	fs.BoolVar(&o.asJSON, "json", false, "print the answer as JSON")
	return fs
}

// validate reads RUN, A and B from the arguments.
func (o *whyOptions) validate(e *env, fs *pflag.FlagSet) error {
	args := fs.Args()
	want := 3
	if fs.Changed("seed") {
		want = 2
	}
	if len(args) != want {
		if want == 2 {
			return usageErrorf("why: with --seed give two events, A and B (like m1#3 m2#7); got %d arguments", len(args))
		}
		return usageErrorf("why: give RUN and two events, A and B (like latest m1#3 m2#7); got %d arguments", len(args))
	}
	if want == 3 {
		o.runName, args = args[0], args[1:]
	}
	var err error
	if o.a, err = report.ParseEventRef(args[0]); err != nil {
		return usageErrorf("why: %v", err)
	}
	if o.b, err = report.ParseEventRef(args[1]); err != nil {
		return usageErrorf("why: %v", err)
	}
	return nil
}

func (o *whyOptions) run(e *env, fs *pflag.FlagSet) error {
	st, err := openStore(o.store, true)
	if err != nil {
		return err
	}
	defer st.Close()
	var meta record.RunMeta
	if o.runName == "" {
		meta, err = st.LatestWithSeed(o.seed)
		if errors.Is(err, record.ErrNotFound) {
			return fmt.Errorf("store %s: no run with seed %d", st.Path(), o.seed)
		}
	} else if meta, err = resolveName(st, o.runName); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	var w report.Why
	err = st.View(meta.ID, func(r *record.Reader) error {
		var err error
		w, err = report.Explain(r, o.a, o.b)
		return err
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", st.Path(), err)
	}
	return writeResult(e.stdout, "why", o.asJSON, whyJSONOf(meta.ID, w), func(out io.Writer) error {
		_, err := io.WriteString(out, whyText(w))
		return err
	})
}

// whyJSON is the answer as --json prints it.
type whyJSON struct {
	Run     string    `json:"run"`
	A       string    `json:"a"`
	B       string    `json:"b"`
	Verdict string    `json:"verdict"`
	ClockA  uint64    `json:"clock_a"`
	ClockB  uint64    `json:"clock_b"`
	Chain   []hopJSON `json:"chain"`
}

type hopJSON struct {
	Event string `json:"event"`
	Via   string `json:"via,omitempty"`
	Kind  string `json:"kind"`
	Clock uint64 `json:"clock"`
	// Line is the event as 'lamport show' prints it.
	Line string `json:"line"`
}

func whyJSONOf(run string, w report.Why) whyJSON {
	out := whyJSON{Run: run, A: w.A.String(), B: w.B.String(), Verdict: string(w.Verdict),
		ClockA: w.EntryA.Event.Clock, ClockB: w.EntryB.Event.Clock, Chain: []hopJSON{}}
	for _, h := range w.Chain {
		out.Chain = append(out.Chain, hopJSON{
			Event: report.EventRef{Machine: h.Machine, Index: h.Entry.Event.Index}.String(),
			Via:   h.Via, Kind: h.Entry.Event.Kind.String(), Clock: h.Entry.Event.Clock,
			Line: strings.TrimSuffix(string(appendShowLine(nil, h.Machine, h.Entry.At, &h.Entry)), "\n"),
		})
	}
	return out
}

// whyText is the answer for people: the verdict, why, and the events.
func whyText(w report.Why) string {
	var b strings.Builder
	a, bb := w.A.String(), w.B.String()
	ca, cb := w.EntryA.Event.Clock, w.EntryB.Event.Clock
	line := func(m report.EventRef, e *core.Entry) {
		b.WriteString("  ")
		b.Write(appendShowLine(nil, m.Machine, e.At, e))
	}
	switch w.Verdict {
	case report.Same:
		fmt.Fprintf(&b, "%s and %s are the same event.\n", a, bb)
		line(w.A, &w.EntryA)
	case report.Concurrent:
		fmt.Fprintf(&b, "%s and %s are concurrent: no chain of program order and messages leads from either one to the other.\n", a, bb)
		switch {
		case ca == cb:
			fmt.Fprintf(&b, "Their Lamport clocks are both %d: here the clocks agree that neither came first.\n", ca)
		case ca < cb:
			fmt.Fprintf(&b, "Their Lamport clocks are %d and %d, so the clocks alone would put %s first: a smaller clock does not mean it happened before.\n", ca, cb, a)
		default:
			fmt.Fprintf(&b, "Their Lamport clocks are %d and %d, so the clocks alone would put %s first: a smaller clock does not mean it happened before.\n", ca, cb, bb)
		}
		line(w.A, &w.EntryA)
		line(w.B, &w.EntryB)
	default:
		first, then := a, bb
		c1, c2 := ca, cb
		if w.Verdict == report.BBeforeA {
			first, then, c1, c2 = bb, a, cb, ca
		}
		msgs := 0
		for _, h := range w.Chain {
			if h.Via == "message" {
				msgs++
			}
		}
		how := "both are on the same machine, so program order orders them"
		switch {
		case msgs == 1:
			how = "a chain of 1 message leads from one to the other"
		case msgs > 1:
			how = fmt.Sprintf("a chain of %d messages leads from one to the other", msgs)
		}
		fmt.Fprintf(&b, "%s happened before %s: %s (Lamport clocks %d and %d).\n", first, then, how, c1, c2)
		for i, h := range w.Chain {
			switch h.Via {
			case "program order":
				fmt.Fprintf(&b, "     | program order on machine %d\n", h.Machine)
			case "message":
				prev := w.Chain[i-1]
				fmt.Fprintf(&b, "     | message %s from machine %d to machine %d\n", h.Entry.Event.Msg.ID(), prev.Machine, h.Machine)
			}
			b.WriteString("  ")
			b.Write(appendShowLine(nil, h.Machine, h.Entry.At, &h.Entry))
		}
	}
	return b.String()
}
