package live_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lamport/core"
	"lamport/export"
	"lamport/live"
	"lamport/record"
)

// exportLog is what 'lamport export RUN --format log --machine id' prints.
func exportLog(t *testing.T, st *record.Store, runID string, id core.MachineID) []byte {
	t.Helper()
	meta, err := st.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	format, _ := export.Lookup("log")
	var b bytes.Buffer
	if err := export.Write(&b, st, meta, format, export.Filter{Machine: id}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// After a clean end every log file is complete: byte for byte what the
// store rebuilds, however its lines were batched.
func TestLogFilesAreTheExportAfterACleanEnd(t *testing.T) {
	st := openStore(t)
	logDir := t.TempDir()
	spec := live.Spec{RunID: "clean", Config: core.RingConfig(3, "127.0.0.1", 0), Params: core.DefaultParams(7),
		Speed: 500, Duration: 2 * time.Second, Store: st, LogDir: logDir, Tool: "test"}
	res, err := live.Run(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Stats {
		file, err := os.ReadFile(live.LogPath(logDir, "clean", s.ID))
		if err != nil {
			t.Fatal(err)
		}
		exported := exportLog(t, st, "clean", s.ID)
		if !bytes.Equal(file, exported) {
			t.Errorf("log_%d.txt (%d bytes, %d lines) is not its export (%d bytes, %d lines)", s.ID,
				len(file), bytes.Count(file, []byte("\n")), len(exported), bytes.Count(exported, []byte("\n")))
		}
		if lines := uint64(bytes.Count(file, []byte("\n"))); lines != s.Events+1 {
			t.Errorf("log_%d.txt has %d lines for %d events and the header", s.ID, lines, s.Events)
		}
	}
}

const killChildEnv = "LAMPORT_TEST_LOG_KILL_DIR"

// A live run killed with SIGKILL: each log file holds whole lines up to
// its last batch (a kill inside a write may leave part of one more line),
// and it agrees line for line with what the store rebuilds for as far as
// both go. The store commits every 200 ms and the log every 100 ms, so
// either may hold the more lines; neither holds a line the other
// contradicts.
func TestLogFileAfterKill9(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		runUntilKilled(t, dir)
		return
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LAMPORT_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (LAMPORT_CRASH_SEED repeats it)", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	for kill := range 3 {
		dir := t.TempDir()
		child := exec.Command(os.Args[0], "-test.run=^TestLogFileAfterKill9$", "-test.count=1")
		child.Env = append(os.Environ(), killChildEnv+"="+dir)
		var out bytes.Buffer
		child.Stdout, child.Stderr = &out, &out
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		// Ticking, with a few batches written, then a random moment more.
		path := live.LogPath(filepath.Join(dir, "logs"), "killed", 3)
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			if b, _ := os.ReadFile(path); bytes.Count(b, []byte("\n")) > 500 {
				break
			}
			if time.Now().After(deadline) {
				_ = child.Process.Kill()
				_ = child.Wait()
				t.Fatalf("machine 3 logged fewer than 500 lines in a minute:\n%s", out.String())
			}
		}
		delay := time.Duration(rng.Int64N(400)) * time.Millisecond
		time.Sleep(delay)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()

		st, err := record.Open(filepath.Join(dir, "run.db"), record.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var summary []string
		for id := core.MachineID(1); id <= 3; id++ {
			file, err := os.ReadFile(live.LogPath(filepath.Join(dir, "logs"), "killed", id))
			if err != nil {
				t.Fatal(err)
			}
			stored := exportLog(t, st, "killed", id)
			fileLines, storedLines := strings.SplitAfter(string(file), "\n"), strings.SplitAfter(string(stored), "\n")
			// SplitAfter leaves what follows the last newline as the last
			// element: "" when the file ends with a whole line.
			torn := fileLines[len(fileLines)-1]
			fileLines, storedLines = fileLines[:len(fileLines)-1], storedLines[:len(storedLines)-1]
			common := min(len(fileLines), len(storedLines))
			for i := range common {
				if fileLines[i] != storedLines[i] {
					t.Fatalf("kill %d, machine %d: line %d of the file is\n%q\nthe store's is\n%q", kill+1, id, i+1, fileLines[i], storedLines[i])
				}
			}
			if torn != "" && len(storedLines) > len(fileLines) && !strings.HasPrefix(storedLines[len(fileLines)], torn) {
				t.Fatalf("kill %d, machine %d: the file ends in %q, not part of the store's next line %q", kill+1, id, torn, storedLines[len(fileLines)])
			}
			if len(fileLines) < 2 {
				t.Fatalf("kill %d, machine %d: the file holds %d whole lines", kill+1, id, len(fileLines))
			}
			summary = append(summary, fmt.Sprintf("m%d file %d lines, store %d, torn %d bytes", id, len(fileLines)-1, len(storedLines)-1, len(torn)))
		}
		st.Close()
		t.Logf("kill %d, %v after machine 3's 500th line: %s", kill+1, delay, strings.Join(summary, "; "))
	}
}

// runUntilKilled is the child of TestLogFileAfterKill9: three machines at
// --speed 1000 until the parent kills the process.
func runUntilKilled(t *testing.T, dir string) {
	st, err := record.Open(filepath.Join(dir, "run.db"), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = live.Run(context.Background(), live.Spec{RunID: "killed", Config: core.RingConfig(3, "127.0.0.1", 0),
		Params: core.DefaultParams(7), Speed: 1000, Store: st, LogDir: filepath.Join(dir, "logs"), Tool: "test"})
	t.Fatalf("the run ended before it was killed: %v", err)
}
