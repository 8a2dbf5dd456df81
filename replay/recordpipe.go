package replay

import (
	"lamport/core"
	"lamport/record"
)

// recordPipe hands a simulation's entries to a Recorder on another
// goroutine, in batches: the simulator copies each entry into a batch, and
// the Recorder encodes the batches on the machine's other core while the
// simulation runs on. Order is kept: one goroutine appends, batch by
// batch. Entries may share Event.To with the machines, which never write
// it.
type recordPipe struct {
	rec   *record.Recorder
	batch []record.MachineEntry
	full  chan []record.MachineEntry // to the appender
	empty chan []record.MachineEntry // back, for reuse
	done  chan struct{}
}

// pipeBatch is the entries per hand-over: big enough that the channel
// costs nothing per entry, small enough to stay in cache.
const pipeBatch = 1 << 11

func newRecordPipe(rec *record.Recorder) *recordPipe {
	p := &recordPipe{
		rec:   rec,
		full:  make(chan []record.MachineEntry, 2),
		empty: make(chan []record.MachineEntry, 3),
		done:  make(chan struct{}),
	}
	for range 3 {
		p.empty <- make([]record.MachineEntry, 0, pipeBatch)
	}
	p.batch = <-p.empty
	go p.appendLoop()
	return p
}

func (p *recordPipe) appendLoop() {
	defer close(p.done)
	for b := range p.full {
		p.rec.AddBatch(b)
		p.empty <- b[:0]
	}
}

// add is the simulation's sink.
func (p *recordPipe) add(m core.MachineID, e *core.Entry) {
	p.batch = append(p.batch, record.MachineEntry{M: m, E: *e})
	if len(p.batch) == pipeBatch {
		p.full <- p.batch
		p.batch = <-p.empty
	}
}

// close hands over the last entries and waits until all are appended.
func (p *recordPipe) close() {
	if len(p.batch) > 0 {
		p.full <- p.batch
	}
	close(p.full)
	<-p.done
}
