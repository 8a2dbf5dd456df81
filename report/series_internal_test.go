package report

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/replay"
)

// seriesOf records a sim run and returns its analysis and series.
func seriesOf(t *testing.T, machines int, seed uint64, d time.Duration, buckets int, win Window) (Analysis, runSeries) {
	t.Helper()
	st, err := record.Open(filepath.Join(t.TempDir(), "series.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lat, err := replay.ParseLatency(replay.DefaultLatency)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.RecordSim(st, replay.SimRun{RunID: "s", Config: core.RingConfig(machines, "sim", 0),
		Started: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Spec:    replay.SimSpec{Params: core.DefaultParams(seed), Duration: d, Latency: lat}}); err != nil {
		t.Fatal(err)
	}
	var a Analysis
	var rs runSeries
	err = st.View("s", func(r *record.Reader) error {
		var err error
		if a, err = analyze(r); err != nil {
			return err
		}
		rs, err = gatherSeries(r, a.Duration, buckets, a.Fastest, win)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, rs
}

func maxY(ps []point) float64 {
	m := math.Inf(-1)
	for _, p := range ps {
		m = max(m, p.Y)
	}
	return m
}

// The downsampled series keep what the analysis computes exactly: the
// final clock, the largest queue and lag, the mean queue and lag (as
// bucket means weighted by the bucket's events), and every event.
func TestSeriesAgreeWithTheAnalysis(t *testing.T) {
	for _, c := range []struct {
		machines int
		seed     uint64
		d        time.Duration
		buckets  int
	}{{3, 7, time.Minute, DefaultBuckets}, {3, 7, time.Minute, 7}, {5, 3, 10 * time.Minute, 50}, {2, 9, 30 * time.Second, 1}, {4, 1, 2 * time.Minute, 1000}} {
		a, rs := seriesOf(t, c.machines, c.seed, c.d, c.buckets, Window{})
		if len(rs.Machines) != c.machines || rs.Buckets != c.buckets || rs.Width != c.d/time.Duration(c.buckets) {
			t.Fatalf("%+v: %d machines, %d buckets of %v", c, len(rs.Machines), rs.Buckets, rs.Width)
		}
		for i, ms := range rs.Machines {
			m := a.Machines[i]
			if ms.ID != m.ID || len(ms.Clock) != c.buckets+1 || len(ms.Queue) > c.buckets || len(ms.Lag) != len(ms.Queue) ||
				len(ms.QueueMax) != len(ms.Queue) || len(ms.LagMax) != len(ms.Queue) || len(ms.Events) != len(ms.Queue) {
				t.Fatalf("%+v machine %d: %d clock, %d queue, %d lag points", c, m.ID, len(ms.Clock), len(ms.Queue), len(ms.Lag))
			}
			if last := ms.Clock[len(ms.Clock)-1]; last.Y != float64(m.FinalClock) || math.Abs(last.X-c.d.Seconds()) > 1e-9 {
				t.Errorf("%+v machine %d: clock ends at %v, want (%v, %d)", c, m.ID, last, c.d.Seconds(), m.FinalClock)
			}
			for j := 1; j < len(ms.Clock); j++ {
				if ms.Clock[j].Y < ms.Clock[j-1].Y || ms.Clock[j].X <= ms.Clock[j-1].X {
					t.Fatalf("%+v machine %d: clock series goes back at %d: %v", c, m.ID, j, ms.Clock[j-1:j+1])
				}
			}
			var n, qSum, lagSum float64
			for j, e := range ms.Events {
				n += e.Y
				qSum += e.Y * ms.Queue[j].Y
				lagSum += e.Y * ms.Lag[j].Y
				if ms.Queue[j].Y > ms.QueueMax[j].Y || ms.Lag[j].Y > ms.LagMax[j].Y {
					t.Fatalf("%+v machine %d bucket %d: a mean above its maximum", c, m.ID, j)
				}
			}
			if n != float64(m.Events) || maxY(ms.QueueMax) != float64(m.QueueAtTick.Max) || maxY(ms.LagMax) != float64(m.Drift.MaxLag) ||
				math.Abs(qSum/n-m.QueueAtTick.Mean) > 1e-9 || math.Abs(lagSum/n-m.Drift.MeanLag) > 1e-9 {
				t.Errorf("%+v machine %d: series hold %v events, queue max %v mean %v, lag max %v mean %v; analysis %d, %d %v, %d %v",
					c, m.ID, n, maxY(ms.QueueMax), qSum/n, maxY(ms.LagMax), lagSum/n, m.Events, m.QueueAtTick.Max, m.QueueAtTick.Mean, m.Drift.MaxLag, m.Drift.MeanLag)
			}
			if m.ID == a.Fastest && (maxY(ms.LagMax) != 0 || maxY(ms.Lag) != 0) {
				t.Errorf("the fastest machine lags behind itself: %v", ms.LagMax)
			}
		}
		if rs.Window.Total != a.Events || len(rs.Window.Events) != int(min(a.Events, DefaultWindowEvents)) {
			t.Errorf("%+v: window of %d events, run total %d; analysis %d events", c, len(rs.Window.Events), rs.Window.Total, a.Events)
		}
	}
}

// The series' memory is fixed by the buckets, not by the run: a run twenty
// times longer gives series of the same length, and the window never holds
// more than MaxWindowEvents.
func TestSeriesSizeDoesNotGrowWithTheRun(t *testing.T) {
	_, short := seriesOf(t, 3, 7, 30*time.Second, 100, Window{From: 0, To: time.Hour})
	_, long := seriesOf(t, 3, 7, 10*time.Minute, 100, Window{From: 0, To: time.Hour})
	for i := range short.Machines {
		s, l := short.Machines[i], long.Machines[i]
		if len(s.Clock) != len(l.Clock) || len(l.Queue) > 100 || len(l.Lag) > 100 {
			t.Errorf("machine %d: %d/%d clock points, %d queue, %d lag for the long run", s.ID, len(s.Clock), len(l.Clock), len(l.Queue), len(l.Lag))
		}
	}
	if len(long.Window.Events) != MaxWindowEvents || long.Window.Selected != long.Window.Total || long.Window.Total < 2*MaxWindowEvents {
		t.Errorf("window of everything: %d events kept, %d selected of %d", len(long.Window.Events), long.Window.Selected, long.Window.Total)
	}
	if cap(long.Window.Events) > 2*MaxWindowEvents {
		t.Errorf("window capacity %d", cap(long.Window.Events))
	}
}
