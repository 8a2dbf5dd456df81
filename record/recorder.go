package record

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"lamport/core"
)

// Recorder defaults.
const (
	DefaultFlushEvery   = 200 * time.Millisecond
	DefaultChunkEntries = 4096
	DefaultFlushEntries = 1 << 18
	// flushEntriesPerMachine raises the default FlushEntries for runs of
	// more than 256 machines.
	flushEntriesPerMachine = 256
)

// RecorderOptions tune a Recorder. Zero values take the defaults.
type RecorderOptions struct {
	// FlushEvery bounds how long an appended entry waits in memory: a
	// background goroutine commits pending entries at least this often. It
	// is also the most a crash can lose.
	FlushEvery time.Duration
	// ChunkEntries is the most entries stored in one bbolt value. It
	// changes only the packing, never what reads back.
	ChunkEntries int
	// FlushEntries wakes the background goroutine early once this many
	// entries are pending, bounding memory when a fast driver (the
	// simulator) appends faster than FlushEvery drains. The default is
	// DefaultFlushEntries, or 256 per machine for runs of more machines.
	FlushEntries int
	// OnCommit, if set, is called after every batch that committed, with
	// the totals this Recorder has committed so far. bbolt has synced the
	// file by then, so a process may report these numbers as durable: the
	// crash test holds the store to them. Calls are in commit order and
	// never concurrent; a slow OnCommit delays the next flush.
	OnCommit func(Committed)
}

// Committed counts what a Recorder has committed: Entries of all kinds,
// and Events, the tick entries among them.
type Committed struct {
	Entries, Events uint64
}

func (o *RecorderOptions) setDefaults(machines int) {
	if o.FlushEvery <= 0 {
		o.FlushEvery = DefaultFlushEvery
	}
	if o.ChunkEntries <= 0 {
		o.ChunkEntries = DefaultChunkEntries
	}
	if o.FlushEntries <= 0 {
		// A commit rewrites a page or two of every machine it touches, so
		// a run of many machines commits less often.
		o.FlushEntries = max(DefaultFlushEntries, flushEntriesPerMachine*machines)
	}
}

// Recorder appends entries to one run's machine logs. Append is cheap and
// never blocks on IO; Flush, the background goroutine and Close commit.
type Recorder struct {
	s     *Store
	runID string
	opt   RecorderOptions

	// flushMu is held from taking a batch to committing it, so that batches
	// commit in the order they were taken: that, and one pending log per
	// machine, is what keeps each log in Append order.
	flushMu sync.Mutex

	mu sync.Mutex
	// pending holds, per machine, the entries appended since the last
	// batch was taken.
	pending  *batch
	nPending int
	// dense holds the logs of machines with ids below maxDenseID, indexed
	// by id (a map lookup per entry cost a sixth of the encoding); tails
	// the others.
	dense []*logTail
	tails map[core.MachineID]*logTail
	// spare is the emptied batch last committed; the next batch reuses
	// it, and each log keeps its emptied buffers (logTail.free), so a
	// steady run stops allocating.
	spare *batch
	// arena holds the values and keys of a commit, which bbolt reads
	// until the commit ends; guarded by flushMu.
	arena  valueArena
	closed bool
	// err is the first error; once set, no further batch is written, so a
	// log never has a hole in the middle.
	err error
	// failed is closed when err is first set by a failed commit.
	failed    chan struct{}
	committed Committed // guarded by flushMu

	// begin, until the first commit writes it, is the metadata of a run
	// BeginRecording started. Guarded by flushMu.
	begin *RunMeta
	// pendingBuf is the room a log's pending buffer starts with: what its
	// share of a flush takes, FlushEntries spread over the run's machines
	// at about 6 bytes an entry, up to 4 kB. A buffer grown by doubling
	// from nothing to that size left half again as much garbage behind it;
	// at 10 000 machines that was 20 MB.
	pendingBuf int
	// heads is the maxHeads of the delta states this Recorder starts.
	heads int
	// maxBody is the most bytes of entries a chunk takes before a new one
	// starts: small enough that four chunks fill one bbolt page.
	maxBody int

	kick chan struct{} // wakes loop early; buffered, sends never block
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// batch is the pending entries of the machines appended to since the last
// batch was taken, each machine's in one pendingLog.
type batch struct {
	logs []*pendingLog
}

// maxDenseID bounds the machine ids a Recorder looks up by index.
const maxDenseID = 1 << 16

// pendingLog is one machine's part of a batch, already encoded: encoding is
// the copy Append must make anyway, and bytes are a tenth of the size of
// Entry values and hold no pointers for the GC to scan.
type pendingLog struct {
	buf []byte // the segments' entries back to back, in Append order
	// segs cut buf into the chunks the entries go to: the first may
	// continue the chunk the previous batch left open, the others start
	// new ones.
	segs []pendingSeg
	n    int // entries in buf
	// delta counts these entries; the flush adds it to the stored stats.
	delta core.MachineStats
	tail  *logTail
}

// pendingSeg is a run of entries of one chunk.
type pendingSeg struct {
	// fresh: the entries start a new chunk, with header;
	// otherwise they go after those of the log's last chunk, which this
	// Recorder started.
	fresh      bool
	header     deltaHeader // its n is counted at the flush
	start, end int         // in pendingLog.buf
	n          int
}

// logTail is what a Recorder knows of one machine's log across batches:
// the delta state its next entry is encoded against, and how full the
// chunk it is filling is. A Recorder never appends to a chunk it did not
// start, and starts its first chunk from a zero state, so it needs nothing
// from the store to encode.
type logTail struct {
	id      core.MachineID
	enc     deltaState
	started bool // this Recorder has started a chunk of this log
	// inChunk and chunkBytes measure the chunk being filled.
	inChunk, chunkBytes int
	// pend is this log's part of the Recorder's pending batch, nil while
	// nothing was appended since the batch was taken; free an emptied
	// one, to reuse.
	pend, free *pendingLog
}

// NewRecorder starts a Recorder for an existing run, with its background
// flusher. Entries go after any the run's logs already hold.
func (s *Store) NewRecorder(runID string, opt RecorderOptions) (*Recorder, error) {
	if s.readOnly {
		return nil, fmt.Errorf("record run %s: store %s: %w", runID, s.path, ErrReadOnly)
	}
	meta, err := s.Run(runID)
	if err != nil {
		return nil, fmt.Errorf("record run: store %s: %w", s.path, err)
	}
	return s.newRecorder(meta, opt, nil), nil
}

// BeginRecording is BeginRun and NewRecorder in one, without a commit of
// its own: the Recorder's first commit stores the metadata with the first
// entries, and Finish can store the end with the last, so a short run
// (a simulation in a sweep) costs one commit, not three. Until that first
// commit the run is not in the store; if the id is taken by then, the
// commit fails with ErrExists.
func (s *Store) BeginRecording(meta RunMeta, opt RecorderOptions) (*Recorder, error) {
	if s.readOnly {
		return nil, fmt.Errorf("record run %s: store %s: %w", meta.ID, s.path, ErrReadOnly)
	}
	meta.Status = StatusRunning
	meta.Ended = time.Time{}
	meta.Schema = SchemaVersion
	if err := meta.normalise(); err != nil {
		return nil, fmt.Errorf("store %s: begin run: %w", s.path, err)
	}
	if _, err := s.Run(meta.ID); err == nil {
		return nil, fmt.Errorf("begin run %s: store %s: %w", meta.ID, s.path, ErrExists)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("begin run %s: %w", meta.ID, err)
	}
	return s.newRecorder(meta, opt, &meta), nil
}

// newRecorder starts a Recorder of run meta; begin, if set, is written by
// its first commit. Everything the flusher reads is set before it starts.
func (s *Store) newRecorder(meta RunMeta, opt RecorderOptions, begin *RunMeta) *Recorder {
	machines := max(len(meta.Config), len(meta.Machines))
	opt.setDefaults(machines)
	r := &Recorder{
		s: s, runID: meta.ID, opt: opt, begin: begin,
		pendingBuf: min(opt.FlushEntries/max(machines, 1)*6, 4<<10),
		pending:    &batch{},
		tails:      map[core.MachineID]*logTail{},
		maxBody:    chunkBodyLimit(s.pageSize),
		heads:      headsFor(machines),
		failed:     make(chan struct{}),
		kick:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go r.loop()
	return r
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(r.opt.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		case <-r.kick:
		}
		// A failure is kept in r.err for Err, Flush and Close.
		_ = r.Flush()
	}
}

// Append queues e as machine m's next entry. It is safe for concurrent use
// and does no IO. It copies e (by encoding it), so the caller may reuse
// e.Event.To, which core shares with the machine. Only the fields of e's
// kind are stored: Msg of a tick, Event of an arrival or a fault, and Fault
// of an arrival read back as zero. After Close the entry is dropped and
// Err reports ErrClosed.
func (r *Recorder) Append(m core.MachineID, e core.Entry) { r.Add(m, &e) }

// Add is Append that reads *e, during the call only, instead of taking a
// copy: a simulator appending millions of entries saves the copies.
func (r *Recorder) Add(m core.MachineID, e *core.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addLocked(m, e)
}

// MachineEntry is an entry and the machine whose log it goes to.
type MachineEntry struct {
	M core.MachineID
	E core.Entry
}

// AddBatch is Add for each of b in order, under one lock: a driver that
// hands over entries in batches (the recorded simulation) saves a lock
// per entry.
func (r *Recorder) AddBatch(b []MachineEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range b {
		r.addLocked(b[i].M, &b[i].E)
	}
}

func (r *Recorder) addLocked(m core.MachineID, e *core.Entry) {
	if r.closed {
		r.droppedAfterClose(m)
		return
	}
	r.log(m).add(e, r.opt.ChunkEntries, r.maxBody)
	r.added()
}

// droppedAfterClose notes an entry of machine m appended after Close: it
// is dropped, and Err says so. r.mu is held.
func (r *Recorder) droppedAfterClose(m core.MachineID) {
	if r.err == nil {
		r.err = fmt.Errorf("record run %s: machine %d: entry appended after Close: %w", r.runID, m, ErrClosed)
	}
}

// added counts an entry appended, waking the flusher when a batch is full.
// r.mu is held.
func (r *Recorder) added() {
	r.nPending++
	if r.nPending == r.opt.FlushEntries {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// log returns machine m's part of the pending batch. r.mu is held.
func (r *Recorder) log(m core.MachineID) *pendingLog {
	if uint64(m) < uint64(len(r.dense)) {
		if t := r.dense[m]; t != nil && t.pend != nil {
			return t.pend
		}
	}
	return r.logSlow(m)
}

func (r *Recorder) logSlow(m core.MachineID) *pendingLog {
	var t *logTail
	if m < maxDenseID {
		if int(m) >= len(r.dense) {
			r.dense = append(r.dense, make([]*logTail, int(m)+1-len(r.dense))...)
		}
		t = r.dense[m]
	} else {
		t = r.tails[m]
	}
	if t == nil {
		t = &logTail{id: m}
		t.enc.reset(r.heads)
		if m < maxDenseID {
			r.dense[m] = t
		} else {
			r.tails[m] = t
		}
	}
	if t.pend == nil {
		p := t.free
		if p == nil {
			p = &pendingLog{tail: t, buf: make([]byte, 0, r.pendingBuf)}
		}
		t.free = nil
		p.delta = core.MachineStats{ID: m}
		t.pend = p
		r.pending.logs = append(r.pending.logs, p)
	}
	return t.pend
}

// AddEntries is AddBatch for entries kept in a Batch, under one lock.
func (r *Recorder) AddEntries(b *Batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		if len(b.heads) > 0 {
			r.droppedAfterClose(b.heads[0].m)
		}
		return
	}
	var arrival, tick, other int
	for i := range b.heads {
		h := &b.heads[i]
		p := r.log(h.m)
		switch h.kind {
		case batchArrival:
			p.addArrival(h.at, b.msgs[arrival], r.opt.ChunkEntries, r.maxBody)
			arrival++
		case batchTick:
			p.addTick(h.at, &b.events[tick], r.opt.ChunkEntries, r.maxBody)
			tick++
		default:
			p.add(&b.others[other], r.opt.ChunkEntries, r.maxBody)
			other++
		}
		r.added()
	}
}

// Flush commits every pending entry now, in one transaction for all
// machines. It returns the Recorder's first error, if any.
func (r *Recorder) Flush() error { return r.flush(nil) }

// finishing is what a Recorder's last commit writes besides entries: how
// and when the run ended.
type finishing struct {
	status Status
	ended  time.Time
}

// flush commits the pending entries and, with fin, the run's end.
func (r *Recorder) flush(fin *finishing) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()

	r.mu.Lock()
	if (r.nPending == 0 && r.begin == nil && fin == nil) || r.err != nil {
		// After a failure the batch is dropped too: writing it would leave
		// a hole where the failed one belonged.
		if r.nPending > 0 {
			r.recycle(r.takePending())
		}
		defer r.mu.Unlock()
		return r.err
	}
	// nPending is read before takePending clears it.
	n := r.nPending
	part := commitPart{r: r, n: n, b: r.takePending(), fin: fin}
	r.mu.Unlock()

	err := r.s.update(func(tx *bolt.Tx) error {
		if err := part.write(tx); err != nil {
			return err
		}
		// The pages this commit read (each machine's last leaf, its
		// stats) stay mapped in; a long recording would keep the whole
		// file resident. The write transaction keeps the mapping from
		// moving meanwhile.
		releaseMapped(r.s.db.Info().Data, int(tx.Size()))
		return nil
	})
	if err != nil {
		err = fmt.Errorf("record run %s: %w", r.runID, err)
	}
	return part.done(err)
}

// commitPart is what one commit writes for a Recorder: its pending batch
// b of n entries, its run's metadata if no commit wrote it yet, and, with
// fin, the run's end. A flush commits one; FinishTogether many at once.
type commitPart struct {
	r   *Recorder
	b   *batch
	n   int
	fin *finishing
}

// write stores the part in tx. flushMu is held, so r.begin is stable. The
// metadata of a run not committed yet is written once, already ended when
// this is its last commit: the same value in the end as writing it and
// then its end, and nothing reads between the two.
func (p *commitPart) write(tx *bolt.Tx) error {
	r := p.r
	s := r.s
	if r.begin != nil {
		if tx.Bucket(bucketRuns).Get([]byte(r.runID)) != nil {
			return fmt.Errorf("store %s: run %s: %w", s.path, r.runID, ErrExists)
		}
		// Written first: the entries need it there.
		meta := *r.begin
		if p.fin != nil {
			meta.Status, meta.Ended = p.fin.status, p.fin.ended
		}
		if err := s.putMeta(tx, meta); err != nil {
			return err
		}
		if p.n == 0 {
			return nil
		}
		return s.appendBatchEntries(tx, r.runID, p.b, &r.arena)
	}
	if p.n > 0 {
		if err := s.appendBatchEntries(tx, r.runID, p.b, &r.arena); err != nil {
			return err
		}
	}
	if p.fin == nil {
		return nil
	}
	meta, err := s.getMeta(tx, r.runID)
	if err != nil {
		return err
	}
	meta.Status, meta.Ended = p.fin.status, p.fin.ended
	return s.putMeta(tx, meta)
}

// done ends the part once its transaction has: err is its error, nil if
// it committed. It counts what was committed, reuses the batch and the
// arena, and on an error fails the Recorder (the batch is dropped, as any
// later one will be); it returns the Recorder's first error and, if there
// is none, calls OnCommit.
func (p *commitPart) done(err error) error {
	r := p.r
	if err == nil {
		r.begin = nil
		for _, l := range p.b.logs {
			r.committed.Entries += l.delta.Entries
			r.committed.Events += l.delta.Events
		}
	}
	r.arena.reset()
	r.mu.Lock()
	r.recycle(p.b)
	if err != nil && r.err == nil {
		r.err = err
		close(r.failed)
	}
	err = r.err
	r.mu.Unlock()
	if err == nil && r.opt.OnCommit != nil {
		r.opt.OnCommit(r.committed)
	}
	return err
}

// Pending is the number of entries added and not committed yet.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nPending
}

// Failed is closed when a commit fails. From then on the Recorder drops
// every entry (Err says why), so a driver should stop its run rather than
// carry on producing events that cannot be kept.
func (r *Recorder) Failed() <-chan struct{} { return r.failed }

// takePending detaches the pending batch, for a commit, and starts an
// empty one. r.mu is held.
func (r *Recorder) takePending() *batch {
	b := r.pending
	for _, p := range b.logs {
		p.tail.pend = nil
	}
	r.pending, r.nPending = r.spare, 0
	r.spare = nil
	if r.pending == nil {
		r.pending = &batch{}
	}
	return b
}

// recycle empties a written batch and keeps it and its logs' buffers for
// reuse, minus buffers a burst made much larger than usual. r.mu is held.
func (r *Recorder) recycle(b *batch) {
	for _, p := range b.logs {
		if p.n > 2*r.opt.FlushEntries || p.tail.free != nil {
			continue
		}
		p.buf, p.segs, p.n = p.buf[:0], p.segs[:0], 0
		p.tail.free = p
	}
	clear(b.logs)
	b.logs = b.logs[:0]
	r.spare = b
}

// Close stops the background goroutine and commits what is pending. It is
// idempotent and returns the Recorder's first error, if any.
func (r *Recorder) Close() error {
	r.once.Do(func() {
		r.shutdown()
		_ = r.flush(nil)
	})
	return r.Err()
}

// Finish is Close that also records how and when the run ended (as
// FinishRun does: status complete or interrupted) in the same transaction
// as the last entries, one commit instead of two. It fails with ErrClosed
// after Close or Finish.
func (r *Recorder) Finish(status Status, ended time.Time) error {
	if status != StatusComplete && status != StatusInterrupted {
		return fmt.Errorf("finish run %s: status must be %q or %q, got %q", r.runID, StatusComplete, StatusInterrupted, status)
	}
	finished := false
	r.once.Do(func() {
		r.shutdown()
		_ = r.flush(&finishing{status, ended})
		finished = true
	})
	if !finished {
		return fmt.Errorf("finish run %s: the recorder is closed: %w", r.runID, ErrClosed)
	}
	return r.Err()
}

// shutdown refuses further entries and stops the background flusher.
func (r *Recorder) shutdown() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	close(r.stop)
	<-r.done
}

// Err returns the first error the Recorder met (a failed commit, or an
// Append after Close), or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// appendBatchEntries writes a batch: machines in id order, each machine's
// entries in order. The caller releases the mapped pages it read once its
// writes are done (releaseMapped).
func (s *Store) appendBatchEntries(tx *bolt.Tx, runID string, b *batch, a *valueArena) error {
	if tx.Bucket(bucketRuns).Get([]byte(runID)) == nil {
		return fmt.Errorf("store %s: run %q: %w", s.path, runID, ErrNotFound)
	}
	run, err := tx.Bucket(bucketData).CreateBucketIfNotExists([]byte(runID))
	if err != nil {
		return fmt.Errorf("store %s: run %s: %w", s.path, runID, err)
	}
	// Each machine's flat log grows at the end of its range of keys, so
	// pages split full: half-full splits made the stores of the 100-machine
	// and 10 000-machine runs 10 % and 90 % larger.
	run.FillPercent = appendFillPercent
	slices.SortFunc(b.logs, func(x, y *pendingLog) int { return cmpID(x.tail.id, y.tail.id) })
	for _, p := range b.logs {
		if p.n == 0 {
			continue
		}
		if err := s.appendLog(run, runID, p.tail.id, p, a); err != nil {
			return err
		}
	}
	return nil
}

// appendLog appends p's entries to one machine's log, in the chunks Append
// cut them into, and updates its stats.
func (s *Store) appendLog(run *bolt.Bucket, runID string, id core.MachineID, p *pendingLog, a *valueArena) error {
	where := machineWhere{runID, id}
	l := newLog(run, id)
	st := core.MachineStats{ID: id}
	var err error
	if v := l.stats(); v != nil {
		if st, err = decodeStats(id, v); err != nil {
			return s.corruptf("%s: stats: %v", where, err)
		}
	}
	st.AddStats(p.delta)

	last := uint64(0)
	var lastChunk []byte
	if c, ok := l.chunks(); ok {
		if k, v := c.last(); k != nil {
			n, ok := parseChunkKey(k)
			if !ok || v == nil {
				return s.corruptf("%s: chunk key %x", where, k)
			}
			last, lastChunk = n, v
		}
	}
	for i := range p.segs {
		seg := &p.segs[i]
		body := p.buf[seg.start:seg.end]
		if seg.fresh {
			last++
			h := seg.header
			h.n = seg.n
			var room [deltaHeaderMax]byte
			header := appendDeltaHeader(room[:0], h)
			start := seg.start - len(header)
			copy(p.buf[start:], header)
			// bbolt keeps the value until the commit; the pending buffer
			// is reused only after it.
			lastChunk = p.buf[start:seg.end:seg.end]
			if err := l.putChunk(l.chunkKeyIn(a.take(flatChunkKeyLen), last), lastChunk); err != nil {
				return fmt.Errorf("store %s: %s: chunk %d: %w", s.path, where, last, err)
			}
			continue
		}
		h, oldBody, err := splitDeltaHeader(lastChunk)
		if err != nil {
			return s.corruptf("%s: chunk %d: %v", where, last, err)
		}
		h.n += seg.n
		c := appendDeltaHeader(a.take(deltaHeaderMax+len(oldBody)+len(body)), h)
		lastChunk = append(append(c, oldBody...), body...)
		if err := l.putChunk(l.chunkKeyIn(a.take(flatChunkKeyLen), last), lastChunk); err != nil {
			return fmt.Errorf("store %s: %s: chunk %d: %w", s.path, where, last, err)
		}
	}
	if err := l.putStats(l.statsKey(a.take(4)), appendStats(a.take(1+statsFields*9), st)); err != nil {
		return fmt.Errorf("store %s: %s: stats: %w", s.path, where, err)
	}
	return nil
}

// add encodes e as the log's next entry, in the chunk being filled or, when
// e would take it past perChunk entries or maxBody bytes, in a new one.
func (p *pendingLog) add(e *core.Entry, perChunk, maxBody int) {
	pos := len(p.buf)
	p.buf = appendDeltaEntry(p.buf, &p.tail.enc, e)
	p.place(pos, perChunk, maxBody)
	p.delta.Add(e)
}

// addArrival is add for an arrival of msg at at.
func (p *pendingLog) addArrival(at time.Duration, msg core.Message, perChunk, maxBody int) {
	pos := len(p.buf)
	p.buf = appendDeltaArrival(p.buf, &p.tail.enc, at, msg)
	p.place(pos, perChunk, maxBody)
	p.delta.AddArrival(at)
}

// addTick is add for a tick at at with output ev.
func (p *pendingLog) addTick(at time.Duration, ev *core.Event, perChunk, maxBody int) {
	pos := len(p.buf)
	p.buf = appendDeltaTick(p.buf, &p.tail.enc, at, ev)
	p.place(pos, perChunk, maxBody)
	p.delta.AddTick(at, ev)
}

// place puts the entry just encoded at buf[pos:] in the chunk being filled
// or, when it would take that past perChunk entries or maxBody bytes, in a
// new one.
func (p *pendingLog) place(pos, perChunk, maxBody int) {
	t := p.tail
	size := len(p.buf) - pos
	switch {
	case !t.started:
		p.segs = append(p.segs, pendingSeg{fresh: true, header: deltaHeader{flags: chunkReset, heads: t.enc.maxHeads}, start: p.roomForHeader(pos)})
		t.started, t.inChunk, t.chunkBytes = true, 0, 0
	case t.inChunk >= perChunk || t.chunkBytes+size > maxBody:
		p.segs = append(p.segs, pendingSeg{fresh: true, start: p.roomForHeader(pos)})
		t.inChunk, t.chunkBytes = 0, 0
	case len(p.segs) == 0:
		p.segs = append(p.segs, pendingSeg{start: pos})
	}
	seg := &p.segs[len(p.segs)-1]
	seg.n++
	seg.end = len(p.buf)
	t.inChunk++
	t.chunkBytes += size
	p.n++
}

// roomForHeader moves the entry at buf[pos:] on by deltaHeaderMax bytes and
// returns where it now starts: the flush writes the new chunk's header in
// front of it and hands bbolt the chunk where it lies, without copying it.
func (p *pendingLog) roomForHeader(pos int) int {
	var room [deltaHeaderMax]byte
	p.buf = slices.Insert(p.buf, pos, room[:]...)
	return pos + deltaHeaderMax
}

// chunkBodyLimit sizes chunks so that a bbolt leaf page holds four of them
// (a 16-byte page header; per value a 16-byte element, the flat layout's
// 12-byte key and at most deltaHeaderMax bytes of header), never splitting
// a value across pages. Larger chunks would cost more: bbolt keeps a leaf's values in the
// leaf, so every append would rewrite its last few chunks, and pages freed
// that way pile up in the file.
func chunkBodyLimit(pageSize int) int {
	return max((pageSize-16)/4-16-flatChunkKeyLen-deltaHeaderMax, 64)
}

// deltaHeaderMax is the longest delta chunk header: the magic, a count
// below 2^21, the flags and maxHeads.
const deltaHeaderMax = 1 + 3 + 1 + 2
