package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"lamport/core"
)

// checkStart refuses a live start that would fail at once, before the
// store file is created or anything is logged, so a failed start writes
// nothing and says why in one line: every local machine's host must be an
// address of this host and its port free, and the log directory and the
// store's directory must be usable.
func checkStart(cfg core.Config, local []core.MachineID, logDir, store string) error {
	if err := checkStoreDir(store); err != nil {
		return err
	}
	if err := checkLogDir(logDir); err != nil {
		return err
	}
	for _, id := range local {
		m, ok := cfg.Machine(id)
		if !ok {
			continue // refused elsewhere, with the config's ids
		}
		if err := checkListen(m); err != nil {
			return err
		}
	}
	return nil
}

// checkListen binds m's address and lets it go again: the one check that
// answers "is this host mine, and is this port free" as the run will ask it.
func checkListen(m core.MachineSpec) error {
	l, err := net.Listen("tcp", m.Addr())
	if err == nil {
		return l.Close()
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Errorf("machine %d: host %q does not resolve to an address: %v", m.ID, m.Host, dnsErr.Err)
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("machine %d: port %d on %s is in use by another program; stop it or give the machine another port in the config", m.ID, m.Port, m.Host)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("machine %d: host %s is not an address of this host, so it cannot listen there; run it on its own host with 'lamport machine --id %d'", m.ID, m.Host, m.ID)
	}
	return fmt.Errorf("machine %d: listen on %s: %w", m.ID, m.Addr(), err)
}

// accessWrite and accessSearch are W_OK and X_OK of access(2).
const accessWrite, accessSearch = 0x2, 0x1

// checkLogDir checks that the log directory exists as a writable directory
// or can be made: its nearest existing ancestor is a writable directory.
// It creates nothing; "" writes no logs.
func checkLogDir(dir string) error {
	if dir == "" {
		return nil
	}
	p := filepath.Clean(dir)
	for {
		info, err := os.Stat(p)
		switch {
		case err == nil && !info.IsDir():
			if p == filepath.Clean(dir) {
				return fmt.Errorf("--log-dir %s is a file, not a directory", dir)
			}
			return fmt.Errorf("--log-dir %s: %s is a file, so no directory can be made under it", dir, p)
		case err == nil:
			if err := syscall.Access(p, accessWrite|accessSearch); err != nil {
				return fmt.Errorf("--log-dir %s: directory %s is not writable: %w", dir, p, err)
			}
			return nil
		case !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return fmt.Errorf("--log-dir %s: %w", dir, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return fmt.Errorf("--log-dir %s: no existing directory above it", dir)
		}
		p = parent
	}
}

// checkStoreDir checks that the store's directory exists (the store file
// is created there, its directory is not).
func checkStoreDir(store string) error {
	dir := filepath.Dir(store)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("--store %s: no directory %s to create it in", store, dir)
	case err != nil:
		return fmt.Errorf("--store %s: %w", store, err)
	case !info.IsDir():
		return fmt.Errorf("--store %s: %s is not a directory", store, dir)
	}
	return nil
}
