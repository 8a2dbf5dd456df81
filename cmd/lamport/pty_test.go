package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal, 200 columns wide, and returns its
// master (what a terminal emulator reads) and slave (what a program
// writes to) ends.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Fatalf("pty number: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatalf("open pty slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 200}); err != nil {
		t.Fatalf("pty size: %v", err)
	}
	return master, slave
}

// onPTY runs the CLI in-process with stdout and stderr on one
// pseudo-terminal, as at an interactive shell, and returns its exit code
// and all it drew, bytes as the terminal received them.
func onPTY(t *testing.T, args ...string) (int, []byte) {
	t.Helper()
	master, slave := openPTY(t)
	defer master.Close()
	// Read as it is written: a full pty buffer would block the CLI.
	drawn := make(chan []byte)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, master) // ends with EIO once the slave is closed
		drawn <- b.Bytes()
	}()
	code := Main(args, slave, slave)
	slave.Close()
	return code, <-drawn
}
