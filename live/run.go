package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"lamport/core"
	"lamport/record"
	"lamport/wire"
)

// Spec describes a live run, or this process's part of one.
type Spec struct {
	RunID  string
	Config core.Config
	Params core.Params
	// Speed multiplies every machine's tick rate; > 0.
	Speed float64
	// Duration is how long machines tick; 0 means until ctx ends.
	Duration time.Duration
	// Local lists the machines this process runs; nil runs them all. The
	// others are dialled at their configured addresses, one connection per
	// ordered pair; the messages between local machines share one
	// connection (see hub).
	Local []core.MachineID
	Store *record.Store
	// LogDir receives <RunID>/log_<id>.txt per local machine (LogPath), each
	// headed by its core.LogHeader line; "" writes none.
	LogDir string
	// Clock defaults to DefaultClock: the system clock, or a skewed one
	// for tests (ClockSkewEnv).
	Clock core.Clock
	// ConnectTimeout bounds the wait for every peer to accept; default 30s.
	ConnectTimeout time.Duration
	// DrainTimeout bounds the wait to send queued messages at the end;
	// default 2s.
	DrainTimeout time.Duration
	Recorder     record.RecorderOptions
	Tool         string
	Options      map[string]string
	// Resume restarts the one Local machine into run RunID, which Store
	// already holds (its process was killed): the machine's state is
	// rebuilt from its recorded log, a crash and a restart are recorded,
	// and it ticks on to the end of the run's schedule.
	Resume bool
	// Faults are injected at the sending side: drops and partitions (the
	// rest are the simulator's; Run refuses them). Every loss is recorded.
	Faults core.Faults
	// Delay, if set, is an extra latency drawn per message before it is
	// handed to its link; links stay FIFO.
	Delay core.Latency
	// HandshakeTimeout bounds each inbound connection's handshake; zero
	// means wire.HandshakeTimeout.
	HandshakeTimeout time.Duration
	// Secret, if not empty, is the run's shared secret: every connection
	// between machines must prove it (wire.DialSecret, Server.Secret). It
	// is never recorded; the run's Options say only that one was used.
	Secret []byte
	// Progress, if set, is called about four times a second while the
	// machines tick, with the time since they started and the events so far.
	Progress func(elapsed time.Duration, events uint64)
}

// Result is what a finished run reports.
type Result struct {
	Meta  record.RunMeta
	Stats []core.MachineStats
	// MaxLateness is the worst delay of a tick behind its due time, per
	// local machine.
	MaxLateness map[core.MachineID]time.Duration
}

func (s *Spec) validate() error {
	if err := s.Config.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := s.Params.Validate(); err != nil {
		return err
	}
	if err := CheckSpeed(s.Speed, s.Params.MinRate, s.Params.MaxRate); err != nil {
		return err
	}
	if s.Duration < 0 {
		return fmt.Errorf("duration must not be negative, got %v", s.Duration)
	}
	if s.RunID == "" {
		return errors.New("run id is empty")
	}
	local := len(s.Local)
	if s.Local == nil {
		local = len(s.Config.Machines)
	}
	if err := CheckFileLimit(local, len(s.Config.Machines)); err != nil {
		return err
	}
	if s.Resume && len(s.Local) != 1 {
		return errors.New("resume restarts one machine; give exactly one local machine")
	}
	if err := checkLiveFaults(s.Faults, s.Config.IDs()); err != nil {
		return err
	}
	for _, id := range s.Local {
		if _, ok := s.Config.Machine(id); !ok {
			return fmt.Errorf("machine %d is not in the config", id)
		}
	}
	return nil
}

// Run runs the local machines of spec until Duration passes or ctx ends,
// recording everything to spec.Store. Cancelling ctx is a clean stop: the
// run is still marked complete. Any failure marks it interrupted.
func Run(ctx context.Context, spec Spec) (Result, error) {
	if err := spec.validate(); err != nil {
		return Result{}, err
	}
	if spec.Clock == nil {
		clock, err := DefaultClock()
		if err != nil {
			return Result{}, err
		}
		spec.Clock = clock
	}
	if spec.ConnectTimeout == 0 {
		spec.ConnectTimeout = 30 * time.Second
	}
	if spec.DrainTimeout == 0 {
		spec.DrainTimeout = 2 * time.Second
	}
	ids := spec.Config.IDs()
	local := spec.Local
	if local == nil {
		local = ids
	}
	local = slices.Sorted(slices.Values(local))

	servers, addrs, err := listen(spec.Config, local, spec.Secret, spec.HandshakeTimeout)
	if err != nil {
		return Result{}, err
	}
	for _, s := range servers {
		s.Now = spec.Clock.Now
	}
	closeServers := func() {
		for _, s := range servers {
			s.Close()
		}
	}

	fingerprint := core.Fingerprint(spec.Config.Machines, spec.Params)
	start := spec.Clock.Now()
	nodes := make([]*node, 0, len(local))
	meta := record.RunMeta{
		ID: spec.RunID, Seed: spec.Params.Seed, Mode: "live", Params: spec.Params, Speed: spec.Speed,
		Config: spec.Config.Machines, Fingerprint: fingerprint, Status: record.StatusRunning,
		Started: start.Round(0), Tool: spec.Tool, Options: spec.Options,
	}
	if len(spec.Secret) > 0 {
		meta.Options = maps.Clone(meta.Options)
		if meta.Options == nil {
			meta.Options = map[string]string{}
		}
		meta.Options[OptionSecret] = "yes"
	}
	logs := newLogWriter()
	for _, id := range local {
		n, err := newNode(id, ids, spec.Params, spec.RunID, fingerprint, spec.Clock, start)
		var mm record.MachineMeta
		if err == nil {
			mm = record.MachineMeta{ID: id, Rate: n.machine.Rate(), StartWall: start.Round(0)}
			err = n.openLog(logs, spec.LogDir, meta.LogHeader(mm).Append(nil), spec.Resume)
		}
		if err != nil {
			closeServers()
			removeLogs(nodes, spec.Resume)
			return Result{}, err
		}
		n.server = servers[id]
		n.faults, n.delay = spec.Faults, spec.Delay
		n.faultRNG = core.StreamRNG(spec.Params.Seed^core.LiveFaultSalt, uint64(id))
		nodes = append(nodes, n)
		meta.Machines = append(meta.Machines, mm)
	}
	var restart []core.Entry
	if spec.Resume {
		restart, err = resumeNode(spec, nodes[0])
	} else {
		err = spec.Store.BeginRun(meta)
		if err != nil {
			err = fmt.Errorf("record run %s: %w", spec.RunID, err)
		}
	}
	if err != nil {
		closeServers()
		removeLogs(nodes, spec.Resume)
		return Result{}, err
	}
	rec, err := spec.Store.NewRecorder(spec.RunID, spec.Recorder)
	if err != nil {
		closeServers()
		removeLogs(nodes, spec.Resume)
		return Result{}, errors.Join(err, spec.Store.FinishRun(spec.RunID, record.StatusInterrupted, spec.Clock.Now().Round(0)))
	}
	nodes[0].restart = restart
	hub := newHub(nodes)
	// A run spread over processes starts when the leader says; the leader
	// of a run being rejoined has long started.
	var gate *startGate
	if leader := spec.Config.Leader(); hub.nodes[leader] != nil && len(local) < len(ids) && !spec.Resume {
		var remote []core.MachineID
		for _, id := range ids {
			if hub.nodes[id] == nil {
				remote = append(remote, id)
			}
		}
		slices.Sort(remote)
		gate = newStartGate(spec.Clock, remote)
		hub.nodes[leader].server.Start = gate.answer
	}
	if hub.shares() {
		// The shared connection goes to the first machine only; the
		// others' listeners refuse every shared hello.
		nodes[0].server.Route = hub.route
	}

	// A store that cannot be written (disk full, I/O error) ends the run
	// at once: the recorder drops everything after its first failed
	// commit, so ticking on would only produce events that are lost.
	runCtx, stopRun := context.WithCancel(ctx)
	go func() {
		select {
		case <-rec.Failed():
			stopRun()
		case <-runCtx.Done():
		}
	}()
	logs.start(LogFlushEvery)
	ticked, runErr := runNodes(runCtx, spec, nodes, hub, rec, addrs, gate)
	stopRun()
	logs.stop()
	runErr = errors.Join(runErr, closeLogs(nodes))
	if err := rec.Close(); err != nil {
		runErr = errors.Join(runErr, err) // it names the run
	}
	if !ticked && spec.Resume {
		// The rejoin never reached its peers: it recorded nothing, and the
		// run stays as it was.
		if runErr == nil {
			runErr = ErrNotStarted
		}
		return Result{}, runErr
	}
	if !ticked {
		// Nothing happened: leave no empty run to block a retry of the same
		// id, and no empty log files.
		removeLogs(nodes, false)
		if runErr == nil {
			runErr = ErrNotStarted
		}
		return Result{}, errors.Join(runErr, spec.Store.DeleteRun(spec.RunID))
	}
	if err := recordRejections(spec.Store, spec.RunID, nodes); err != nil {
		runErr = errors.Join(runErr, err)
	}
	status := record.StatusComplete
	if runErr != nil {
		status = record.StatusInterrupted
	}
	// On the leader's clock, as Started is (see recordClocks).
	ended := start.Round(0).Add(spec.Clock.Now().Sub(start)).Add(leaderOffset(spec, nodes))
	finishErr := spec.Store.FinishRun(spec.RunID, status, ended)
	if finishErr != nil {
		runErr = errors.Join(runErr, fmt.Errorf("finish run %s: %w", spec.RunID, finishErr))
	}

	res := Result{MaxLateness: map[core.MachineID]time.Duration{}}
	for _, n := range nodes {
		res.MaxLateness[n.self] = n.maxLate
	}
	if m, err := spec.Store.Run(spec.RunID); err == nil {
		if finishErr != nil && m.Status == record.StatusRunning {
			// What the next Open of the store will read it as.
			m.Status = record.StatusInterrupted
		}
		res.Meta = m
	}
	if st, err := spec.Store.Stats(spec.RunID); err == nil {
		res.Stats = st
	}
	return res, runErr
}

// listen binds every local machine's address now, so that port 0 can be
// resolved before anyone dials, and returns the address to dial for every
// machine of the config.
func listen(cfg core.Config, local []core.MachineID, secret []byte, handshakeTimeout time.Duration) (map[core.MachineID]*wire.Server, map[core.MachineID]string, error) {
	servers := map[core.MachineID]*wire.Server{}
	addrs := map[core.MachineID]string{}
	for _, m := range cfg.Machines {
		addrs[m.ID] = m.Addr()
	}
	for _, id := range local {
		spec, _ := cfg.Machine(id)
		s, err := wire.Listen(spec.Addr())
		if err != nil {
			for _, s := range servers {
				s.Close()
			}
			return nil, nil, fmt.Errorf("machine %d: %w", id, err)
		}
		s.Secret, s.HandshakeTimeout = secret, handshakeTimeout
		servers[id] = s
		if tcp, ok := s.Addr().(*net.TCPAddr); ok {
			addrs[id] = net.JoinHostPort(spec.Host, strconv.Itoa(tcp.Port))
		}
	}
	for _, m := range cfg.Machines {
		if _, isLocal := servers[m.ID]; !isLocal && m.Port == 0 {
			return nil, nil, fmt.Errorf("machine %d runs elsewhere but has port 0 in the config; give it a real port", m.ID)
		}
	}
	return servers, addrs, nil
}

// ErrNotStarted is returned by Run when it stopped (by ctx) before every
// local machine had connected to its peers; no run is left in the store.
var ErrNotStarted = errors.New("stopped before every machine was connected; nothing was recorded")

// runNodes serves, connects, ticks and drains the nodes, in phases so that
// no machine stops listening while another still sends to it in this
// process. It reports whether the machines got to tick.
func runNodes(ctx context.Context, spec Spec, nodes []*node, hub *hub, rec *record.Recorder, addrs map[core.MachineID]string, gate *startGate) (bool, error) {
	serveCtx, stopServing := context.WithCancel(context.Background())
	var serving sync.WaitGroup
	for _, n := range nodes {
		n.rec = rec
		serving.Go(func() {
			if err := n.server.Serve(serveCtx, n.checkHello, n.arrive); err != nil {
				slog.Error("serve", "machine", n.self, "err", err)
			}
		})
	}
	defer func() {
		// Let peers of other processes, still ticking, finish and hang up
		// before the listeners go, so their last messages are not refused.
		idleCtx, cancel := context.WithTimeout(context.Background(), spec.DrainTimeout)
		for _, n := range nodes {
			n.server.WaitIdle(idleCtx)
		}
		cancel()
		stopServing()
		for _, n := range nodes {
			n.server.Close()
		}
		serving.Wait()
	}()

	begin, err := connect(ctx, spec, nodes, hub, addrs, gate)
	if err != nil {
		_ = closeLinks(nodes, hub, 0)
		return false, err
	}
	if ctx.Err() != nil {
		_ = closeLinks(nodes, hub, 0)
		return false, nil
	}
	if err := recordClocks(spec, nodes); err != nil {
		_ = closeLinks(nodes, hub, 0)
		return false, err
	}
	if spec.Resume {
		if err := markRejoined(spec, nodes[0].self); err != nil {
			_ = closeLinks(nodes, hub, 0)
			return false, err
		}
	}
	if spec.Delay != (core.Latency{}) {
		for _, n := range nodes {
			n.delayer = newDelayer(n.send, spec.Clock)
		}
	}
	if begin.IsZero() {
		begin = spec.Clock.Now()
	}
	var until time.Time
	if spec.Duration > 0 {
		until = begin.Add(spec.Duration)
	}
	var ticking sync.WaitGroup
	for _, n := range nodes {
		b, u := begin, until
		if !n.resumeBegin.IsZero() {
			b = n.resumeBegin
			if spec.Duration > 0 {
				u = b.Add(spec.Duration)
			}
		}
		ticking.Go(func() { n.tickLoop(ctx, spec.Speed, b, u) })
	}
	if spec.Progress != nil {
		stopProgress := reportProgress(spec, nodes, begin)
		defer stopProgress()
	}
	ticking.Wait()
	for _, n := range nodes {
		if n.delayer != nil {
			n.delayer.close()
		}
	}
	// Messages still unsent when a peer is down or has already stopped are
	// lost at the end of the run, which the model allows: each is recorded
	// as lost (reason down) in its sender's log; warn, do not fail.
	if err := closeLinks(nodes, hub, spec.DrainTimeout); err != nil {
		var shared []wire.Envelope
		if hub.trunk != nil {
			shared = hub.trunk.UndeliveredTo()
		}
		lost := 0
		for _, n := range nodes {
			lost += n.recordUndelivered(shared)
		}
		slog.Warn("some messages were not delivered before the run ended; recorded as lost", "messages", lost, "err", err)
	}
	for _, n := range nodes {
		n.stopRecording()
	}
	return true, nil
}

// connect dials, all at once, the shared connection of the local nodes
// and every peer of every local node that runs in another process, waiting
// up to ConnectTimeout for machines that are not up yet. Each dial to
// another process probes the peer's clock. A run spread over processes
// then agrees on its start (see startGate): this process's machines dial
// the leader last and wait there, or, at the leader, gate waits for them.
// It returns the start on this process's clock, or zero to begin now.
func connect(ctx context.Context, spec Spec, nodes []*node, hub *hub, addrs map[core.MachineID]string, gate *startGate) (time.Time, error) {
	dialCtx, cancel := context.WithTimeout(ctx, spec.ConnectTimeout)
	defer cancel()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	if hub.shares() {
		wg.Go(func() {
			l, err := wire.DialSecret(dialCtx, addrs[nodes[0].self], hub.trunkHello(nodes[0]), wire.Backoff{}, spec.Secret)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					errs = append(errs, fmt.Errorf("the shared connection of this process's machines (to machine %d): %w", nodes[0].self, err))
				}
				cancel()
				return
			}
			hub.trunk = l
		})
	}
	dial := func(n *node, peer core.MachineID, awaitStart bool) {
		hello := wire.Hello{Version: wire.ProtocolVersion, RunID: n.runID, From: n.self, To: peer, Fingerprint: n.fingerprint,
			Probes: syncProbes, AwaitStart: awaitStart}
		wg.Go(func() {
			l, err := wire.DialWith(dialCtx, addrs[peer], hello, wire.DialOptions{Secret: spec.Secret, Now: spec.Clock.Now})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					errs = append(errs, fmt.Errorf("machine %d cannot reach machine %d: %w", n.self, peer, err))
				}
				cancel()
				return
			}
			n.links[peer] = l
		})
	}
	leader := spec.Config.Leader()
	awaitLeader := hub.nodes[leader] == nil && !spec.Resume
	for _, n := range nodes {
		for _, peer := range n.machine.Peers() {
			if hub.nodes[peer] != nil || (awaitLeader && peer == leader) {
				continue
			}
			dial(n, peer, false)
		}
	}
	wg.Wait()
	if len(errs) == 0 && awaitLeader {
		// Last, so that the leader hears of this process only once all of
		// its other connections are up.
		for _, n := range nodes {
			dial(n, leader, true)
		}
		wg.Wait()
	}
	if len(errs) > 0 {
		if gate != nil {
			gate.fail(errs[0])
		}
		return time.Time{}, errs[0]
	}
	switch {
	case gate != nil:
		begin, err := gate.ready(dialCtx)
		if err != nil && ctx.Err() != nil {
			return time.Time{}, nil // stopped: runNodes sees ctx
		}
		return begin, err
	case awaitLeader:
		// Every local machine heard the same start; the link with the
		// tightest clock bound converts it best.
		var best wire.ClockSync
		for _, n := range nodes {
			if cs := n.links[leader].Sync(); best.Start.IsZero() || (!cs.Start.IsZero() && cs.Bound < best.Bound) {
				best = cs
			}
		}
		if best.Start.IsZero() {
			return time.Time{}, nil
		}
		return localBegin(spec.Clock, best.Start, best.Offset), nil
	}
	return time.Time{}, nil
}

func closeLinks(nodes []*node, hub *hub, timeout time.Duration) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	wg.Go(func() {
		if err := hub.close(timeout); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	for _, n := range nodes {
		for peer, l := range n.links {
			wg.Go(func() {
				if err := l.Close(timeout); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("machine %d to %d: %w", n.self, peer, err))
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// removeLogs closes the log files of a run that recorded nothing and, but
// for a rejoin's (which hold the lines from before the crash), removes them
// and their run's directory if that is left empty.
func removeLogs(nodes []*node, rejoin bool) {
	for _, n := range nodes {
		if n.logPath == "" {
			continue
		}
		_ = n.closeLog() // if closeLogs has not
		if !rejoin {
			_ = os.Remove(n.logPath)
			_ = os.Remove(filepath.Dir(n.logPath)) // only if empty
		}
	}
}

func closeLogs(nodes []*node) error {
	var errs []error
	for _, n := range nodes {
		errs = append(errs, n.closeLog())
	}
	return errors.Join(errs...)
}

// reportProgress calls spec.Progress from its own goroutine until the
// returned stop is called.
func reportProgress(spec Spec, nodes []*node, begin time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var events uint64
			for _, n := range nodes {
				events += n.ticks.Load()
			}
			spec.Progress(spec.Clock.Now().Sub(begin), events)
		}
	})
	return func() { close(done); wg.Wait() }
}
