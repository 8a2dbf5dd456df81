package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/record"
)

// crashSeed is the seed of the kill moments: LAMPORT_CRASH_SEED to repeat
// a failure, else the clock. It is logged either way.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LAMPORT_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("LAMPORT_CRASH_SEED=%q: %v", s, err)
		}
	}
	t.Logf("kill moments from seed %d (LAMPORT_CRASH_SEED=%d repeats them)", seed, seed)
	return seed
}

// crashKills is how many times each crash test kills its child:
// LAMPORT_CRASH_KILLS for a longer local run, else a few.
func crashKills(t *testing.T) int {
	t.Helper()
	if s := os.Getenv("LAMPORT_CRASH_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			t.Fatalf("LAMPORT_CRASH_KILLS=%q: want 1..1000", s)
		}
		return n
	}
	return 4
}

var (
	startingLine  = regexp.MustCompile(`msg="starting run" run=(\S+)`)
	committedLine = regexp.MustCompile(`msg=committed run=(\S+) entries=(\d+) events=(\d+)`)
)

// child is a recording process whose stderr is read as it runs.
type child struct {
	cmd      *exec.Cmd
	scanned  chan struct{} // closed at stderr EOF
	mu       sync.Mutex
	runID    string
	commits  int
	entries  uint64 // the last numbers the child logged as committed
	events   uint64
	first    chan struct{} // closed at the first commit line
	started  chan struct{} // closed at the "starting run" line of 'run'
	stderr   strings.Builder
	firstErr error
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(lamportBin, args...), scanned: make(chan struct{}), first: make(chan struct{}), started: make(chan struct{})}
	// Its own process group, so that a test that fails half way can stop
	// the machine processes of a --procs run with it.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipe, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go c.scan(pipe)
	return c
}

func (c *child) scan(r io.Reader) {
	defer close(c.scanned)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		c.mu.Lock()
		c.stderr.WriteString(line + "\n")
		if m := startingLine.FindStringSubmatch(line); m != nil && c.runID == "" {
			c.runID = m[1]
			close(c.started)
		}
		if m := committedLine.FindStringSubmatch(line); m != nil {
			entries, err1 := strconv.ParseUint(m[2], 10, 64)
			events, err2 := strconv.ParseUint(m[3], 10, 64)
			switch {
			case err1 != nil || err2 != nil:
				c.firstErr = fmt.Errorf("unreadable commit line %q", line)
			case entries < c.entries || events < c.events:
				c.firstErr = fmt.Errorf("commit counts went down: %q after entries=%d events=%d", line, c.entries, c.events)
			}
			if c.commits == 0 {
				close(c.first)
			}
			c.runID, c.entries, c.events = m[1], entries, events
			c.commits++
		}
		c.mu.Unlock()
	}
}

// killAfter waits for the child to close ready (c.first or c.started),
// then for delay, and kills it with SIGKILL. It returns the wall time of
// the kill.
func (c *child) killAfter(t *testing.T, ready <-chan struct{}, delay time.Duration) time.Time {
	t.Helper()
	select {
	case <-ready:
	case <-c.scanned:
		_ = c.cmd.Wait()
		t.Fatalf("the child ended before it was due to be killed:\n%s", c.output())
	case <-time.After(2 * time.Minute):
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
		t.Fatalf("the child did not get going within 2 minutes:\n%s", c.output())
	}
	time.Sleep(delay)
	killed := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Every line the child wrote before it died is in the pipe: read them
	// all, for each is a claim about the store.
	<-c.scanned
	err := c.cmd.Wait()
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child did not die of SIGKILL (%v); it had ended on its own:\n%s", err, c.output())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstErr != nil {
		t.Fatal(c.firstErr)
	}
	return killed
}

// stopGroup kills the child's process group: it and every machine process
// it started. The group may be gone already, as it is when the test got as
// far as waiting for it, so the error is not a failure.
func (c *child) stopGroup() { _ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) }

func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// rawRunStatus reads a run's status straight from the file, past record's
// reading, to tell what was written from what a reader derives.
func rawRunStatus(t *testing.T, path, id string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var j struct {
		Status string `json:"status"`
	}
	err = db.View(func(tx *bolt.Tx) error { return json.Unmarshal(tx.Bucket([]byte("runs")).Get([]byte(id)), &j) })
	if err != nil {
		t.Fatal(err)
	}
	return j.Status
}

// crashOutcome is what one kill left in the store.
type crashOutcome struct {
	meta                      record.RunMeta
	storedEvents, storedEntry uint64
}

// checkKilledRun holds the store to the child's claims and the store's
// promises: it opens, passes Check (bbolt's tx.Check included), shows the
// run as interrupted and recovered in ls, report and replay alike, keeps
// every event the child logged as committed, and its prefix replays with
// no divergence. A child killed before it began its run may have left no
// run (or no store): then ok is false.
func checkKilledRun(t *testing.T, store string, c *child) (_ crashOutcome, ok bool) {
	t.Helper()
	if _, err := os.Stat(store); os.IsNotExist(err) && c.commits == 0 {
		return crashOutcome{}, false
	}
	st, err := record.Open(store, record.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the store does not open after kill -9: %v", err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatalf("Check after kill -9: %v", err)
	}
	runs, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range runs {
		if m.Status == record.StatusRunning {
			t.Errorf("run %s still reads as running with no process left", m.ID)
		}
	}
	meta, err := st.Run(c.runID)
	if errors.Is(err, record.ErrNotFound) && c.commits == 0 {
		return crashOutcome{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if meta.Status != record.StatusInterrupted || meta.Options[record.OptionRecovered] != record.RecoveredNote {
		t.Errorf("run %s after kill -9: status %s, options %v; want interrupted and recovered", meta.ID, meta.Status, meta.Options)
	}
	if meta.Ended.Before(meta.Started) {
		t.Errorf("run %s ended %v before it started %v", meta.ID, meta.Ended, meta.Started)
	}
	stats, err := st.Stats(c.runID)
	if err != nil {
		t.Fatal(err)
	}
	var out crashOutcome
	out.meta = meta
	for _, s := range stats {
		out.storedEvents += s.Events
		out.storedEntry += s.Entries
	}
	if out.storedEvents < c.events || out.storedEntry < c.entries {
		t.Errorf("run %s: the child logged %d entries (%d events) as committed; the store holds %d (%d)",
			meta.ID, c.entries, c.events, out.storedEntry, out.storedEvents)
	}
	st.Close()

	code, lsOut, errOut := lamport(t, "ls", "--json", "--store", store)
	var rows []lsRun
	if code != 0 || json.Unmarshal([]byte(lsOut), &rows) != nil {
		t.Fatalf("ls: exit %d %s%s", code, lsOut, errOut)
	}
	for _, r := range rows {
		if r.ID == c.runID && (r.Status != "interrupted" || r.Events != out.storedEvents) {
			t.Errorf("ls shows %s as %s with %d events; the store has interrupted, %d", r.ID, r.Status, r.Events, out.storedEvents)
		}
	}
	code, rep, errOut := lamport(t, "report", c.runID, "--json", "--store", store)
	var a struct{ Status string }
	if code != 0 || json.Unmarshal([]byte(rep), &a) != nil || a.Status != "interrupted" {
		t.Errorf("report of %s: exit %d, status %q: %s", c.runID, code, a.Status, errOut)
	}
	code, show, errOut := lamport(t, "show", c.runID, "--store", store)
	if code != 0 || uint64(strings.Count(show, "\n")) != out.storedEvents {
		t.Errorf("show of %s: exit %d, %d lines for %d events: %s", c.runID, code, strings.Count(show, "\n"), out.storedEvents, errOut)
	}
	code, rp, errOut := lamport(t, "replay", c.runID, "--store", store, "-v") // -v: its INFO line names the status
	// Replay counts every machine of the run, a machine with no log (all
	// of them, for a run killed before its first commit) as an empty one.
	want := fmt.Sprintf("identical: %d machines, ", len(meta.Machines))
	if code != 0 || !strings.HasPrefix(rp, want) || !strings.Contains(errOut, "status=interrupted") {
		t.Errorf("replay of the prefix of %s: exit %d\n%s%s", c.runID, code, rp, errOut)
	}
	if s := rawRunStatus(t, store, c.runID); s != "running" {
		t.Errorf("readers wrote to the store: %s is %q on disk before any writable open", c.runID, s)
	}
	return out, true
}

// kill -9 of 'lamport run' at random moments: each kill must leave a
// store that the next run opens (marking the killed run interrupted on
// disk), and lose nothing the child had logged as committed.
func TestKill9OfALiveRun(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "lamport.db")
	config := writeConfig(t, dir, []int{0, 0, 0})
	rng := rand.New(rand.NewPCG(crashSeed(t), 0))
	const speed = 40
	var prev string
	for i := range crashKills(t) {
		delay := time.Duration(rng.Int64N(int64(1500 * time.Millisecond)))
		c := startChild(t, "run", "--config", config, "--store", store, "--log-dir", "", "--duration", "0",
			"--speed", strconv.Itoa(speed), "--seed", strconv.Itoa(100+i), "-v", "--log-commits")
		killed := c.killAfter(t, c.first, delay)
		if prev != "" {
			// This child's writable open had the lock, so it knew the
			// previous run's process was gone, and wrote it down.
			if s := rawRunStatus(t, store, prev); s != "interrupted" {
				t.Errorf("the next run's open left the killed run %s %q on disk", prev, s)
			}
		}
		o, _ := checkKilledRun(t, store, c)
		prev = c.runID
		if o.meta.Ended.After(killed) {
			t.Errorf("run %s ended %v, after it was killed at %v", c.runID, o.meta.Ended, killed)
		}
		// The last stored entry is at most one flush window and the
		// commit in flight before the kill; the bound is far looser, for
		// a loaded machine, and the measured gap is logged for the docs.
		gap := killed.Sub(o.meta.Ended)
		if gap > 10*time.Second {
			t.Errorf("run %s: the last stored entry is %v before the kill; the recorder commits every %v", c.runID, gap, record.DefaultFlushEvery)
		}
		var rate float64
		for _, m := range o.meta.Machines {
			rate += float64(m.Rate) * speed
		}
		t.Logf("kill %d at +%v after the first commit: stored %d events (%d entries); child had logged %d events in %d commits (+%d committed after its last line); last stored entry %v before the kill, about %.0f events at %.0f/s",
			i+1, delay.Round(time.Millisecond), o.storedEvents, o.storedEntry, c.events, c.commits, o.storedEvents-c.events,
			gap.Round(time.Millisecond), gap.Seconds()*rate, rate)
	}
}

// kill -9 of 'lamport run' in its first moments: while it connects, before
// or around its first commit. Whatever it left must open, pass Check and
// read as interrupted, never as running.
func TestKill9OfALiveRunAsItStarts(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "lamport.db")
	config := writeConfig(t, dir, []int{0, 0, 0})
	rng := rand.New(rand.NewPCG(crashSeed(t), 2))
	recorded := 0
	for i := range crashKills(t) {
		delay := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
		c := startChild(t, "run", "--config", config, "--store", store, "--log-dir", "", "--duration", "0",
			"--speed", "40", "--seed", strconv.Itoa(300+i), "-v", "--log-commits")
		c.killAfter(t, c.started, delay)
		o, ok := checkKilledRun(t, store, c)
		if ok {
			recorded++
		}
		t.Logf("early kill %d at +%v after 'starting run': run left: %v, %d events stored, %d logged as committed in %d commits",
			i+1, delay.Round(time.Millisecond), ok, o.storedEvents, c.events, c.commits)
	}
	t.Logf("%d of the killed runs had begun recording", recorded)
}

// The same for 'lamport sim', which commits far larger batches.
func TestKill9OfASim(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "lamport.db")
	rng := rand.New(rand.NewPCG(crashSeed(t), 1))
	for i := range min(crashKills(t), 3) {
		delay := time.Duration(rng.Int64N(int64(700 * time.Millisecond)))
		c := startChild(t, "sim", "--machines", "3", "--duration", "10000h", "--store", store,
			"--seed", strconv.Itoa(200+i), "-v", "--log-commits")
		c.killAfter(t, c.first, delay)
		o, _ := checkKilledRun(t, store, c)
		t.Logf("sim kill %d at +%v after the first commit: stored %d events; child had logged %d in %d commits (+%d committed after its last line)",
			i+1, delay.Round(time.Millisecond), o.storedEvents, c.events, c.commits, o.storedEvents-c.events)
	}
}

// procWithArgs finds the pid of the process whose command line holds all
// of args, by /proc; 0 if there is none.
func procWithArgs(t *testing.T, args ...string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		have := map[string]bool{}
		for _, a := range strings.Split(string(b), "\x00") {
			have[a] = true
		}
		all := true
		for _, a := range args {
			all = all && have[a]
		}
		if all {
			return pid
		}
	}
	return 0
}

var machineStoresLine = regexp.MustCompile(`msg="machine stores" dir=(\S+)`)

// kill -9 of one machine process of 'run --procs': the parent must see it,
// stop the others, merge, and leave one interrupted run that passes Check.
// Its machines are cut at different moments, so its replay may diverge
// (docs/RELIABILITY.md); it must not fail with an error.
func TestKill9OfAMachineProcessOfAProcsRun(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("needs /proc to find the machine process")
	}
	dir := t.TempDir()
	store := filepath.Join(dir, "lamport.db")
	logs := filepath.Join(dir, "logs")
	config := writeConfig(t, dir, freePorts(t, 3))
	rng := rand.New(rand.NewPCG(crashSeed(t), 3))
	c := startChild(t, "run", "--procs", "--config", config, "--store", store, "--log-dir", logs,
		"--duration", "8s", "--speed", "20", "--seed", "9", "-v")
	defer c.stopGroup()

	// Machine 2 is ticking once its log file has a line after its header;
	// its store is in the directory the parent logs.
	var machineStore, log2 string
	for range 2400 {
		if m := machineStoresLine.FindStringSubmatch(c.output()); m != nil && machineStore == "" {
			machineStore = filepath.Join(m[1], "machine-2.db")
		}
		if m := startingLine.FindStringSubmatch(c.output()); m != nil && log2 == "" {
			log2 = filepath.Join(logs, m[1], "log_2.txt")
		}
		if b, err := os.ReadFile(log2); log2 != "" && err == nil && strings.Count(string(b), "\n") >= 2 && machineStore != "" {
			break
		}
		select {
		case <-c.scanned:
			t.Fatalf("run --procs ended before machine 2 ticked:\n%s", c.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
	pid := procWithArgs(t, lamportBin, "machine", "--store", machineStore)
	if pid == 0 {
		t.Fatalf("no machine process with --store %s:\n%s", machineStore, c.output())
	}
	delay := time.Duration(200+rng.Int64N(1000)) * time.Millisecond
	time.Sleep(delay)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.scanned
	err := c.cmd.Wait()
	if code := c.cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(c.output(), "lamport: machine 2 process: signal: killed") {
		t.Fatalf("run --procs after its machine 2 was killed: exit %d (%v), want 2 naming it:\n%s", code, err, c.output())
	}

	st, meta, stats := checkedLatest(t, store)
	st.Close()
	if meta.Status != record.StatusInterrupted || len(stats) != 3 || stats[1].Events == 0 {
		t.Fatalf("merged run %s: status %s, %d machine logs %+v; want interrupted with all 3, machine 2's not empty", meta.ID, meta.Status, len(stats), stats)
	}
	// The others ran on to the end: 8 s at speed 20 is 160 ticks per unit
	// of rate, so each has at least that many events (rates are >= 1).
	for _, i := range []int{0, 2} {
		if stats[i].Events < 160 {
			t.Errorf("machine %d stopped early with %d events after machine 2 was killed", stats[i].ID, stats[i].Events)
		}
	}
	code, rp, errOut := lamport(t, "replay", meta.ID, "--store", store)
	if code != 0 || !strings.HasPrefix(rp, "identical") {
		t.Fatalf("replay of the merged run: exit %d\n%s%s", code, rp, errOut)
	}
	// Machine 1 sends to machine 2 (its first peer); what it sent after
	// the kill never arrived and is recorded as lost.
	code, exported, _ := lamport(t, "export", meta.ID, "--format", "jsonl", "--machine", "1", "--store", store)
	if code != 0 || !strings.Contains(exported, `"kind":"lost"`) || !strings.Contains(exported, `"reason":"down"`) {
		t.Errorf("machine 1's log records no message to the dead machine 2 as lost (exit %d)", code)
	}
	t.Logf("machine 2 killed %v after its first log line: merged %s with %d/%d/%d events; replay: %s",
		delay, meta.Status, stats[0].Events, stats[1].Events, stats[2].Events, strings.ReplaceAll(strings.TrimSpace(rp), "\n", "; "))
}
