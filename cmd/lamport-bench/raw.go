package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// rawBatch is how many values the raw baseline commits per transaction,
// as replay's BenchmarkRecordSim100Machines1Hour does.
const rawBatch = 128

// rawAppend writes values to a fresh bbolt file (bbolt's default options,
// as the store uses: a sync per commit) under 8-byte big-endian sequential
// keys in one bucket filled to 100% (the best bbolt does for an append),
// rawBatch values per transaction, and returns the seconds from opening the
// file to closing it.
func rawAppend(path string, values [][]byte) (float64, error) {
	began := time.Now()
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	for i := 0; i < len(values) && err == nil; i += rawBatch {
		err = db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("raw"))
			if err != nil {
				return err
			}
			bk.FillPercent = 1.0
			for j := i; j < min(i+rawBatch, len(values)); j++ {
				var key [8]byte
				binary.BigEndian.PutUint64(key[:], uint64(j)+1)
				if err := bk.Put(key[:], values[j]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("raw append to %s: %w", path, err)
	}
	return time.Since(began).Seconds(), nil
}

// childUsage is a finished child's peak resident set size in bytes and the
// CPU seconds it used (user and system), from its rusage. Linux reports the
// peak in kilobytes, macOS in bytes.
func childUsage(ps *os.ProcessState) (rss int64, cpu float64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, 0
	}
	rss = ru.Maxrss * 1024
	if isDarwin {
		rss = ru.Maxrss
	}
	return rss, (ps.UserTime() + ps.SystemTime()).Seconds()
}

// anonSampler follows this process's anonymous resident memory (RssAnon in
// /proc/self/status: heap, stacks, the runtime, but not the pages of a
// mapped file such as bbolt's) and keeps its largest value. A sample
// allocates nothing: it rereads one open file into one buffer. Opening the
// file and a line scanner for each sample made 4.5 kB of garbage 100 times
// a second, enough to bring on a GC and 4 MB more memory in a 15 s row
// that itself allocates 80 kB: what the row measured was the sampler.
type anonSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	f    *os.File
	// mu guards buf and peak: the sampling goroutine and stop both read.
	mu   sync.Mutex
	buf  [8192]byte
	peak int64
}

func startAnonSampler(every time.Duration) *anonSampler {
	s := newAnonSampler()
	if s.f == nil {
		return s // no /proc: nothing to sample
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// newAnonSampler opens /proc/self/status, or leaves f nil where there is
// none or it has no RssAnon line.
func newAnonSampler() *anonSampler {
	s := &anonSampler{done: make(chan struct{})}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return s
	}
	s.f = f
	if s.sample() == 0 {
		f.Close()
		s.f = nil
	}
	return s
}

// sample reads the current RssAnon in bytes (0 if unknown) and keeps the
// largest.
func (s *anonSampler) sample() int64 {
	if s.f == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.f.ReadAt(s.buf[:], 0)
	if err != nil && err != io.EOF {
		return 0
	}
	v := parseRssAnon(s.buf[:n])
	s.peak = max(s.peak, v)
	return v
}

// stop ends the sampling and returns the peak in bytes (0 without /proc).
func (s *anonSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	s.sample()
	if s.f != nil {
		s.f.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// parseRssAnon finds the line "RssAnon:   1234 kB" in the text of
// /proc/self/status and returns its value in bytes, 0 if there is none.
func parseRssAnon(status []byte) int64 {
	_, rest, ok := bytes.Cut(status, []byte("\nRssAnon:"))
	if !ok {
		return 0
	}
	rest = bytes.TrimLeft(rest, " \t")
	var kb int64
	digits := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		kb = kb*10 + int64(c-'0')
		digits++
	}
	if digits == 0 || !bytes.HasPrefix(rest[digits:], []byte(" kB")) {
		return 0
	}
	return kb * 1024
}
