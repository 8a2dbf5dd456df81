package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lamport/internal/boltdamage"
)

// zeroFreelist zeroes the freelist page named by the newer meta page of a
// bbolt file (meta layout: 16-byte page header, then magic, version, page
// size, flags, root bucket (16), freelist, pgid, txid).
func zeroFreelist(t *testing.T, data []byte) {
	t.Helper()
	if err := boltdamage.ZeroFreelist(data); err != nil {
		t.Fatal(err)
	}
}

// A store whose freelist page is zeroed makes bbolt panic as a writable
// open loads it. Every command that writes to it says so in one line and
// exits 2, with no stack, and leaves the file as it was; a command that
// only reads never loads the freelist and still works.
func TestZeroedFreelistIsOneErrorLine(t *testing.T) {
	dir := t.TempDir()
	real := realStore(t, dir)
	data, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	zeroFreelist(t, data)
	bad := filepath.Join(dir, "zeroed-freelist.db")
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"sim", "--store", bad, "--duration", "1s", "--quiet"},
		{"merge", bad, real},
	} {
		// The binary, not Main: a panic must show in its real stderr.
		cmd := exec.Command(lamportBin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		errOut := stderr.String()
		if code != 2 || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "goroutine ") {
			t.Fatalf("%v: exit %d, want 2 and one line:\n%s", args, code, errOut)
		}
		if want := "lamport: store " + bad + " is damaged: "; !strings.HasPrefix(errOut, want) {
			t.Fatalf("%v: %q does not start %q", args, errOut, want)
		}
		if after, _ := os.ReadFile(bad); !bytes.Equal(after, data) {
			t.Fatalf("%v changed the damaged store", args)
		}
	}
	if code, out, errOut := lamport(t, "show", "--seed", "5", "--store", bad); code != 0 {
		t.Fatalf("ls of a store with a zeroed freelist: exit %d\n%s%s", code, out, errOut)
	}
}
