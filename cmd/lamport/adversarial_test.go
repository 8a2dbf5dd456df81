package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The promise for bad input: exit 2, exactly one line on
// stderr that names the file or flag, no panic, and nothing written: no
// store or log directory created, an existing store's bytes unchanged.

// fileState is a path's content for before/after comparison: its sha256,
// "absent", or "dir" with its entries.
func fileState(t *testing.T, path string) string {
	t.Helper()
	info, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return "absent"
	case err != nil:
		t.Fatal(err)
	case info.IsDir():
		entries, err := os.ReadDir(path)
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"dir"}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return strings.Join(names, " ")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// assertRefusedUntouched runs the CLI and checks the promise; watched are
// the paths that must be exactly as they were (absent ones stay absent).
func assertRefusedUntouched(t *testing.T, want string, watched []string, args ...string) {
	t.Helper()
	before := make([]string, len(watched))
	for i, p := range watched {
		before[i] = fileState(t, p)
	}
	code, _, errOut := lamport(t, args...)
	if code != 2 {
		t.Fatalf("%v: exit %d, want 2 (stderr %q)", args, code, errOut)
	}
	if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
		t.Fatalf("%v: stderr shows a panic: %q", args, errOut)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "lamport: ") || !strings.HasSuffix(errOut, "\n") {
		t.Fatalf("%v: stderr is not exactly one line: %q", args, errOut)
	}
	if !strings.Contains(errOut, want) {
		t.Fatalf("%v: stderr %q does not mention %q", args, errOut, want)
	}
	for i, p := range watched {
		if after := fileState(t, p); after != before[i] {
			t.Fatalf("%v: %s changed: %s -> %s", args, p, before[i], after)
		}
	}
}

// twoMachines is a valid machines list to build bad configs around.
const twoMachines = `{"id": 1, "host": "127.0.0.1", "port": 40001}, {"id": 2, "host": "127.0.0.1", "port": 40002}`

// hugeConfig is a config of n machines on distinct ports.
func hugeConfig(n int) string {
	var b strings.Builder
	b.WriteString(`{"machines": [`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"host":"10.0.%d.%d","port":%d}`, i, i/65536, i/256%256, 1+i%65535)
	}
	b.WriteString("]}")
	return b.String()
}

func TestAdversarialConfigsAreRefusedAndWriteNothing(t *testing.T) {
	dir := t.TempDir()
	configs := []struct{ name, doc, want string }{
		{"bad json", "{\"machines\": [\n  {\"id\": 1,, \"host\": \"h\"}\n]}", "line 2, column 13"},
		{"truncated json", "{\"machines\": [\n  {\"id\": 1", "line 2, column 11: unexpected end"},
		{"empty file", "", "empty"},
		{"not an object", `[1, 2]`, "line 1"},
		{"duplicate ids", `{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 1, "host": "h", "port": 2}]}`, "duplicate machine id 1"},
		{"duplicate address", `{"machines": [{"id": 1, "host": "h", "port": 7}, {"id": 2, "host": "h", "port": 7}]}`, "share the address h:7"},
		{"port -1", `{"machines": [{"id": 1, "host": "h", "port": -1}, {"id": 2, "host": "h", "port": 2}]}`, "port must be in 0..65535, got -1"},
		{"port 65536", `{"machines": [{"id": 1, "host": "h", "port": 65536}, {"id": 2, "host": "h", "port": 2}]}`, "port must be in 0..65535, got 65536"},
		{"port huge", `{"machines": [{"id": 1, "host": "h", "port": 99999999999999999999}, {"id": 2, "host": "h", "port": 2}]}`, `"machines.port" must be an integer`},
		{"id 0", `{"machines": [{"id": 0, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}]}`, "id must be a positive integer"},
		{"id negative", `{"machines": [{"id": -4, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}]}`, "got -4"},
		{"id huge", `{"machines": [{"id": 1e30, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}]}`, `"machines.id" must be an integer`},
		{"id over uint32", `{"machines": [{"id": 4294967296, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}]}`, "up to 4294967295"},
		{"empty machines", `{"machines": []}`, "need at least 2 machines, got 0"},
		{"null machines", `{"machines": null}`, `missing "machines"`},
		{"one machine", `{"machines": [{"id": 1, "host": "h", "port": 1}]}`, "need at least 2 machines, got 1"},
		{"unknown field", `{"machines": [` + twoMachines + `], "sped": 2}`, `unknown field "sped"`},
		{"unknown machine field", `{"machines": [{"id": 1, "host": "h", "port": 1, "weight": 3}, {"id": 2, "host": "h", "port": 2}]}`, `unknown field "weight"`},
		{"negative seed", `{"machines": [` + twoMachines + `], "seed": -1}`, `"seed" must be a non-negative integer`},
		{"huge speed", `{"machines": [` + twoMachines + `], "speed": 1e400}`, `"speed" must be a number`},
		{"zero speed", `{"machines": [` + twoMachines + `], "speed": 0}`, "and speed at most 1000000), got 0 (from config"},
		{"zero actions", `{"machines": [` + twoMachines + `], "actions": 0}`, "actions must be at least 1, got 0 (from config"},
		{"bad duration", `{"machines": [` + twoMachines + `], "duration": "forever"}`, `"duration" must be a non-negative duration`},
		{"negative duration", `{"machines": [` + twoMachines + `], "duration": "-5s"}`, `got "-5s"`},
		{"300000 machines", hugeConfig(300_000), "limit is 100000"},
	}
	commands := []struct {
		name string
		args func(config, store, logs string) []string
	}{
		{"run", func(c, s, l string) []string {
			return []string{"run", "--config", c, "--store", s, "--log-dir", l, "--duration", "1s"}
		}},
		{"machine", func(c, s, l string) []string {
			return []string{"machine", "--id", "1", "--seed", "1", "--config", c, "--store", s, "--log-dir", l, "--duration", "1s"}
		}},
		{"sim", func(c, s, l string) []string { return []string{"sim", "--config", c, "--store", s, "--duration", "1s"} }},
		{"sweep", func(c, s, l string) []string {
			return []string{"sweep", "--config", c, "--store", s, "--runs", "1", "--duration", "1s"}
		}},
	}
	for i, c := range configs {
		path := filepath.Join(dir, fmt.Sprintf("config-%d.json", i))
		if err := os.WriteFile(path, []byte(c.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range commands {
			t.Run(c.name+"/"+cmd.name, func(t *testing.T) {
				store, logs := filepath.Join(dir, "new.db"), filepath.Join(dir, "logs")
				assertRefusedUntouched(t, "config "+path, []string{store, logs, path}, cmd.args(path, store, logs)...)
				assertRefusedUntouched(t, c.want, []string{store, logs, path}, cmd.args(path, store, logs)...)
			})
		}
	}
	// machine alone needs every peer's real port.
	portZero := filepath.Join(dir, "port-zero.json")
	if err := os.WriteFile(portZero, []byte(`{"machines": [{"id": 1, "host": "127.0.0.1", "port": 40001}, {"id": 2, "host": "127.0.0.1", "port": 0}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	store, logs := filepath.Join(dir, "new.db"), filepath.Join(dir, "logs")
	assertRefusedUntouched(t, "config "+portZero+": machine 2 has port 0", []string{store, logs}, commands[1].args(portZero, store, logs)...)

	// A directory and a device as the config; /dev/zero never ends.
	for _, c := range []struct{ path, want string }{
		{dir, "is a directory"},
		{"/dev/zero", "over the limit of"},
		{filepath.Join(dir, "absent.json"), "does not exist"},
	} {
		for _, cmd := range commands {
			t.Run(filepath.Base(c.path)+"/"+cmd.name, func(t *testing.T) {
				store := filepath.Join(dir, "new.db")
				assertRefusedUntouched(t, c.want, []string{store}, cmd.args(c.path, store, filepath.Join(dir, "logs"))...)
			})
		}
	}
}

// realStore records a sim run into a new store and returns its path.
func realStore(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "real.db")
	if code, _, errOut := lamport(t, "sim", "--seed", "5", "--machines", "4", "--duration", "2m", "--store", path, "--quiet"); code != 0 {
		t.Fatalf("sim: exit %d %s", code, errOut)
	}
	return path
}

// badStores writes the adversarial store files next to a real one and
// returns name -> path, with what the error must mention.
func badStores(t *testing.T, dir, real string) map[string]struct{ path, want string } {
	t.Helper()
	data, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]struct{ path, want string }{}
	write := func(name string, b []byte, want string) {
		p := filepath.Join(dir, name+".db")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = struct{ path, want string }{p, want}
	}
	write("text", []byte("this is not a store\n"), "is too short to be a bbolt file")
	write("text-long", bytes.Repeat([]byte("this is not a store either\n"), 400), "is not a bbolt file")
	write("empty", nil, "is an empty file")
	// bbolt's own figure for the bytes in use; the file may be longer.
	var used int
	rawBoltView(t, real, func(tx *bolt.Tx) error { used = int(tx.Size()); return nil })
	if used < 4*4096 || used > len(data) {
		t.Fatalf("the real store uses %d of its %d bytes; want a few pages", used, len(data))
	}
	for _, cut := range []int{100, 4096, 8192, used / 2, used - 4096, used - 1} {
		write(fmt.Sprintf("cut-%d", cut), data[:cut], "truncated")
	}
	// The run id is a key of the runs and data buckets: every page holding
	// it is on the path of every command. Damage each such page's header:
	// its own page id (bbolt asserts it) or its element count.
	runID := []byte("2026")
	const pageSize = 4096
	for _, damage := range []struct {
		name   string
		offset int
	}{{"flipped-page-id", 0}, {"flipped-count", 8}} {
		b := bytes.Clone(data)
		pages := 0
		for p := 2; (p+1)*pageSize <= len(b); p++ {
			if bytes.Contains(b[p*pageSize:(p+1)*pageSize], runID) {
				for i := range 4 {
					b[p*pageSize+damage.offset+i] ^= 0xff
				}
				pages++
			}
		}
		if pages == 0 {
			t.Fatal("no page of the real store holds a run id")
		}
		// bbolt asserts on either: a panic, reported as damage.
		write(damage.name, b, " is damaged: reading it failed: assertion failed")
	}
	schema := filepath.Join(dir, "schema-99.db")
	if err := os.WriteFile(schema, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rawBolt(t, schema, func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("99")) })
	out["schema-99"] = struct{ path, want string }{schema, "format version 99"}
	other := filepath.Join(dir, "other-bbolt.db")
	rawBolt(t, other, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("users")); return err })
	out["other-bbolt"] = struct{ path, want string }{other, "not a lamport store"}
	out["directory"] = struct{ path, want string }{t.TempDir(), "is a directory"}
	return out
}

func rawBolt(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func rawBoltView(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

func TestAdversarialStoresAreRefusedAndLeftAsTheyWere(t *testing.T) {
	dir := t.TempDir()
	real := realStore(t, dir)
	config := writeConfig(t, dir, []int{0, 0, 0})
	// machine needs real ports; nothing listens on them, as every store
	// here is refused first.
	machineConfig := writeConfig(t, t.TempDir(), freePorts(t, 3))
	for name, bad := range badStores(t, dir, real) {
		out := filepath.Join(dir, "merged-"+name+".db")
		logs := filepath.Join(dir, "logs-"+name)
		for _, args := range [][]string{
			{"ls", "--store", bad.path},
			{"show", "latest", "--store", bad.path},
			{"export", "latest", "--format", "csv", "--store", bad.path},
			{"report", "latest", "--store", bad.path},
			{"replay", "latest", "--store", bad.path},
			{"diff", "latest", "latest", "--store", real, "--store-b", bad.path},
			{"diff", "latest", "latest", "--store", bad.path},
			{"merge", out, real, bad.path},
			{"merge", bad.path, real},
			{"sim", "--store", bad.path, "--duration", "1s"},
			{"sweep", "--store", bad.path, "--runs", "1", "--duration", "1s"},
			{"run", "--config", config, "--store", bad.path, "--log-dir", logs, "--duration", "1s", "--speed", "100"},
			{"machine", "--id", "1", "--seed", "1", "--config", machineConfig, "--store", bad.path, "--log-dir", logs, "--duration", "1s"},
			{"run", "--procs", "--config", machineConfig, "--store", bad.path, "--log-dir", logs, "--duration", "1s", "--connect-timeout", "2s"},
		} {
			t.Run(name+"/"+args[0], func(t *testing.T) {
				assertRefusedUntouched(t, bad.want, []string{bad.path, real, out, logs}, args...)
				assertRefusedUntouched(t, bad.path, []string{bad.path, real, out, logs}, args...)
			})
		}
	}
}

func TestUnknownRunIDsAreRefused(t *testing.T) {
	dir := t.TempDir()
	real := realStore(t, dir)
	for _, args := range [][]string{
		{"show", "nope"},
		{"export", "nope"},
		{"report", "nope"},
		{"replay", "nope"},
		{"diff", "nope", "latest"},
		{"diff", "latest", "nope"},
		{"show", "--seed", "999999"},
		{"replay", "--seed", "999999"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want := `run "nope": no such run`
			if args[1] == "--seed" {
				want = "no run with seed 999999"
			}
			assertRefusedUntouched(t, want, []string{real}, append(args, "--store", real)...)
		})
	}
}

func TestAbsurdFlagsAreRefused(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, dir, []int{0, 0, 0})
	real := realStore(t, dir)
	store, logs := filepath.Join(dir, "new.db"), filepath.Join(dir, "logs")
	setup := []string{"--config", config, "--store", store}
	cases := []struct {
		want string
		args []string
	}{
		{"duration must not be negative", []string{"run", "--duration", "-1s", "--log-dir", logs}},
		{"invalid argument", []string{"run", "--duration", "99999999999h", "--log-dir", logs}},
		{"speed must be", []string{"run", "--speed", "0", "--log-dir", logs}},
		{"speed must be", []string{"run", "--speed", "-1", "--log-dir", logs}},
		{"speed must be", []string{"run", "--speed", "NaN", "--log-dir", logs}},
		{"speed must be", []string{"run", "--speed", "+Inf", "--log-dir", logs}},
		{"speed must be", []string{"run", "--speed", "1e300", "--log-dir", logs}},
		{"max-rate (2) must not be below min-rate (5)", []string{"run", "--min-rate", "5", "--max-rate", "2", "--log-dir", logs}},
		{"max-rate must be at most", []string{"run", "--max-rate", "1000000000", "--log-dir", logs}},
		{"min-rate must be at least 1", []string{"run", "--min-rate", "-3", "--log-dir", logs}},
		{"actions must be at least 1", []string{"run", "--actions", "0", "--log-dir", logs}},
		{"actions must be at least 1", []string{"machine", "--id", "1", "--seed", "1", "--actions", "-1", "--log-dir", logs}},
		{"--connect-timeout must be positive", []string{"machine", "--id", "1", "--seed", "1", "--connect-timeout", "-5s", "--log-dir", logs}},
		{"--machines must be in 2..10000, got -1", []string{"sim", "--machines", "-1"}},
		{"--machines must be in 2..10000, got 1000000000", []string{"sim", "--machines", "1000000000"}},
		{"duration must not be negative", []string{"sim", "--duration", "-1s"}},
		{"over the limit of 1000000000", []string{"sim", "--duration", "1000000h"}},
		{"over the limit of 1000000000", []string{"sim", "--machines", "10000", "--duration", "10h"}},
		{"--speed is for live runs", []string{"sim", "--speed", "NaN"}},
		{"actions must be at least 1", []string{"sim", "--actions", "0"}},
		{"--runs must be in 1..100000, got 0", []string{"sweep", "--runs", "0"}},
		{"--runs must be in 1..100000, got -1", []string{"sweep", "--runs", "-1"}},
		{"over the limit of 1000000000", []string{"sweep", "--runs", "1", "--duration", "1000000h"}},
		{"max-rate", []string{"sweep", "--runs", "1", "--min-rate", "5", "--max-rate", "2"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			args := append(append([]string{}, c.args...), setup...)
			if c.args[0] == "sim" || c.args[0] == "sweep" {
				// A ring of --machines, unless the case is about the config.
				args = append(append([]string{}, c.args...), "--store", store)
			}
			assertRefusedUntouched(t, c.want, []string{store, logs}, args...)
		})
	}
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--limit", []string{"ls", "--limit", "-1"}},
		{"--context", []string{"replay", "latest", "--context", "-1"}},
		{"--context", []string{"diff", "latest", "latest", "--context", "-1"}},
		{"--from", []string{"show", "latest", "--from", "9", "--to", "3"}},
		{"no machine 99", []string{"show", "latest", "--machine", "99"}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			assertRefusedUntouched(t, c.want, []string{real}, append(c.args, "--store", real)...)
		})
	}
}
