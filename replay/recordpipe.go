package replay

import (
	"time"

	"lamport/core"
	"lamport/record"
)

// recordPipe hands a simulation's entries to a Recorder on another
// goroutine, in batches: the simulator copies each entry into a
// record.Batch, compactly, and the Recorder encodes the batches on the
// machine's other core while the simulation runs on. Order is kept: one
// goroutine appends, batch by batch. Entries may share Event.To with the
// machines, which never write it.
type recordPipe struct {
	rec   *record.Recorder
	batch *record.Batch
	full  chan *record.Batch // to the appender
	empty chan *record.Batch // back, for reuse
	done  chan struct{}
}

// pipeBatch is the entries per hand-over: big enough that the channel
// costs nothing per entry, small enough to stay in cache.
const pipeBatch = 1 << 11

// pipeBatches is how many batches the pipe has: one filling, one being
// appended, one waiting between them.
const pipeBatches = 3

func newRecordPipe(rec *record.Recorder) *recordPipe {
	p := &recordPipe{
		rec:   rec,
		full:  make(chan *record.Batch, pipeBatches-1),
		empty: make(chan *record.Batch, pipeBatches),
		done:  make(chan struct{}),
	}
	for range pipeBatches {
		p.empty <- new(record.Batch)
	}
	p.batch = <-p.empty
	go p.appendLoop()
	return p
}

func (p *recordPipe) appendLoop() {
	defer close(p.done)
	for b := range p.full {
		p.rec.AddEntries(b)
		b.Reset()
		p.empty <- b
	}
}

// arrival hands over an arrival of msg at machine m.
func (p *recordPipe) arrival(m core.MachineID, at time.Duration, msg core.Message) {
	p.batch.Arrival(m, at, msg)
	if p.batch.Len() == pipeBatch {
		p.handOver()
	}
}

// tick hands over machine m's tick and its output ev.
func (p *recordPipe) tick(m core.MachineID, at time.Duration, ev *core.Event) {
	p.batch.Tick(m, at, ev)
	if p.batch.Len() == pipeBatch {
		p.handOver()
	}
}

// add hands over any entry.
func (p *recordPipe) add(m core.MachineID, e *core.Entry) {
	p.batch.Add(m, e)
	if p.batch.Len() == pipeBatch {
		p.handOver()
	}
}

func (p *recordPipe) handOver() {
	p.full <- p.batch
	p.batch = <-p.empty
}

// close hands over the last entries and waits until all are appended.
func (p *recordPipe) close() {
	if p.batch.Len() > 0 {
		p.full <- p.batch
	}
	close(p.full)
	<-p.done
}
