package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
	"github.com/flexvpnd/flexvpnd/engine/pool"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// Config configures an Engine.
type Config struct {
	// Dataplane receives the CHILD SAs; if it implements
	// dataplane.Tunnels the engine also ensures the tunnel interfaces,
	// and if it implements dataplane.Stats the snapshot carries counters.
	Dataplane dataplane.Dataplane
	// Listen are the local addresses to listen on (the wildcards 0.0.0.0
	// and :: for every address).
	Listen []netip.Addr
	// IKEPort and NATPort are the local UDP ports (0: chosen by the
	// kernel, see Engine.Ports); PeerPort is the IKE port of the peers
	// this side initiates to (0: IKEPort, or 500 when that is 0 too).
	IKEPort, NATPort, PeerPort uint16
	// Logger logs sessions and reconciliation; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Backoff is the re-initiation schedule of static VTIs; zero means
	// DefaultBackoff.
	Backoff Backoff
	// Retransmit, if not zero, replaces ike.DefaultRetransmit (tests).
	Retransmit ike.Retransmit
	// Reactivate is how often a FlexVPN client on a backup peer probes
	// its preferred peer (`peer reactivate`); zero means
	// DefaultReactivate.
	Reactivate time.Duration
	// ESP and ESPInUDP are passed to the IKE runtime (node.Config): a
	// userspace data plane receives ESP in UDP from the NAT-T sockets,
	// the kernel one has them decapsulate it.
	ESP      transport.ESPHandler
	ESPInUDP bool
	// OnEvent, if set, is told of sessions and tunnel interfaces going
	// up or down (event.go); it is called with the engine's lock held
	// and must not call the engine.
	OnEvent func(Event)
	// Resolver looks up the host names of FlexVPN client peers and
	// tunnel destinations; nil means the spec's `ip name-server`
	// servers, else the host's resolver (dns.go).
	Resolver Resolver
	// Tracks reads the subjects of tracked objects; nil means the host
	// (HostTracks). TrackInterval is how often they are read (0:
	// DefaultTrackInterval; negative: only by pollTracks, for tests).
	Tracks        TrackSource
	TrackInterval time.Duration
	// ResyncInterval is how often a data plane implementing
	// dataplane.Resyncer repairs its kernel state (0:
	// dataplane.DefaultResyncInterval; negative: never).
	ResyncInterval time.Duration
	// InterfaceMap maps the canonical IOS names of the host's interfaces
	// ("GigabitEthernet1") to their Linux names ("eth0"), for `tunnel
	// source` and the other references to host interfaces; a name it
	// does not map is taken as a Linux name (resolve.go, linuxIface).
	InterfaceMap map[string]string
}

// Backoff is a bounded exponential backoff: the n-th consecutive failure
// waits Min*2^(n-1), at most Max, scattered by ±Jitter (a fraction) so that
// many tunnels do not retry in step.
type Backoff struct {
	Min, Max time.Duration
	Jitter   float64
}

// DefaultBackoff is the re-initiation schedule of a static VTI: 2 s after
// the first failure, doubling up to 2 minutes, ±20 %.
var DefaultBackoff = Backoff{Min: 2 * time.Second, Max: 2 * time.Minute, Jitter: 0.2}

// delay returns the wait after failures consecutive failures (0: a delete,
// not a failure, which waits Min without growing).
func (b Backoff) delay(failures int) time.Duration {
	d := b.Min
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter > 0 {
		d = time.Duration(float64(d) * (1 + b.Jitter*(2*rand.Float64()-1)))
	}
	return d
}

// Engine reconciles the IKE SAs and tunnel interfaces to the last applied
// spec. Its methods are safe for concurrent use.
type Engine struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	node    *node.Node
	tunnels dataplane.Tunnels   // nil when the data plane has no interfaces
	stats   dataplane.Stats     // nil when it counts nothing
	loops   dataplane.Loopbacks // nil when it puts no loopbacks on the host
	peer    uint16              // the peers' IKE port

	// spec is the last applied spec, read by the node's callbacks.
	spec atomic.Pointer[spec.Spec]
	// va is the Virtual-Access allocator, shared with the node's
	// callbacks (a leaf lock).
	va vaTable
	// pools are the local pools, leased from by the node's callbacks
	// (authz.go; a leaf lock).
	pools    *pool.Manager
	assigned assignedAddrs

	// mu serializes Apply, Clear and event handling; it guards what
	// follows.
	mu      sync.Mutex
	closed  bool
	notify  notifier         // Config.OnEvent's state (event.go)
	svti    map[string]*svti // static VTIs by IOS name
	ensured map[uint32]dataplane.Tunnel
	limits  limits       // as last given to the node
	peers   peerSessions // responder sessions by peer identity
	conv    convCache    // proposals converted once per spec (proposals.go)
	track   tracker      // tracked objects (track.go)

	// loopbacks are the loopbacks as last ensured (applyLoopbacks).
	loopbacks map[string]dataplane.Loopback

	// events is the queue from the node's loop to run.
	evMu   sync.Mutex
	events []node.Event
	evSig  chan struct{}
	quit   chan struct{}
	done   chan struct{}
	cancel context.CancelFunc
}

// New starts an engine with an empty spec: it listens, answers nobody
// and initiates nothing until Apply.
func New(cfg Config) (*Engine, error) {
	if cfg.Dataplane == nil {
		return nil, errors.New("engine: no data plane")
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	e := &Engine{
		cfg: cfg, log: cfg.Logger, now: cfg.Now,
		svti: map[string]*svti{}, ensured: map[uint32]dataplane.Tunnel{}, pools: pool.New(),
		evSig: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.notify.on = cfg.OnEvent
	e.track = tracker{src: cmpOr[TrackSource](cfg.Tracks, HostTracks{}), now: e.now}
	e.tunnels, _ = cfg.Dataplane.(dataplane.Tunnels)
	e.stats, _ = cfg.Dataplane.(dataplane.Stats)
	e.loops, _ = cfg.Dataplane.(dataplane.Loopbacks)
	e.va.init()
	e.spec.Store(&spec.Spec{})
	e.peer = cfg.PeerPort
	if e.peer == 0 {
		e.peer = cmpOr(cfg.IKEPort, 500)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err := node.Start(ctx, node.Config{
		Addrs: cfg.Listen, IKEPort: cfg.IKEPort, NATPort: cfg.NATPort,
		Dataplane: cfg.Dataplane, Logger: e.log.With("part", "ike"), Now: cfg.Now,
		Responder: &node.Responder{Proposals: e.proposals, Resolve: e.resolve, Fragmentation: e.responderFragmentation},
		OnEvent:   e.queueEvent,
		ESP:       cfg.ESP, ESPInUDP: cfg.ESPInUDP,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.node, e.cancel = n, cancel
	go e.run()
	return e, nil
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// Ports returns the bound IKE and NAT-T ports.
func (e *Engine) Ports() (ike, nat uint16) {
	for _, ep := range e.node.Endpoints() {
		if ep.NATT {
			nat = ep.Addr.Port()
		} else {
			ike = ep.Addr.Port()
		}
	}
	return ike, nat
}

// Listener returns the IKE sockets, from which a userspace data plane
// sends ESP in UDP.
func (e *Engine) Listener() *transport.Listener { return e.node.Listener() }

// Close stops the engine: the peers of established IKE SAs are sent a
// Delete (RFC 7296 section 1.4.1) that is not waited for, the SAs and
// their CHILD SAs are dropped, and the tunnel interfaces the engine
// ensured are deleted, and the loopback addresses it put on the host
// removed.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	for _, t := range e.svti {
		t.stopRetry()
	}
	if _, err := e.node.DeleteWhere(func(node.Info) bool { return true }); err != nil {
		e.log.Debug("delete at close", "err", err)
	}
	e.mu.Unlock()
	close(e.quit)
	<-e.done
	err := e.node.Close()
	e.cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	for id := range e.ensured {
		e.deleteTunnel(id)
	}
	for _, v := range e.va.all() {
		e.deleteTunnel(v.tunnelID())
	}
	e.applyLoopbacks(nil)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

// queueEvent is the node's OnEvent: it queues ev for run without
// blocking the node's loop.
func (e *Engine) queueEvent(ev node.Event) {
	e.evMu.Lock()
	e.events = append(e.events, ev)
	e.evMu.Unlock()
	select {
	case e.evSig <- struct{}{}:
	default:
	}
}

// run handles the queued events until Close.
func (e *Engine) run() {
	defer close(e.done)
	ticks, stop := e.trackTicks()
	defer stop()
	resync, stopResync := e.resyncTicks()
	defer stopResync()
	for {
		select {
		case <-e.quit:
			return
		case <-ticks:
			e.pollTracks()
			continue
		case <-resync:
			e.resync()
			continue
		case <-e.evSig:
		}
		e.evMu.Lock()
		evs := e.events
		e.events = nil
		e.evMu.Unlock()
		e.mu.Lock()
		for _, ev := range evs {
			e.handle(ev)
		}
		e.mu.Unlock()
	}
}

// handle acts on one SA event: Virtual-Access lifecycle, static VTI
// backoff and duplicate SAs.
func (e *Engine) handle(ev node.Event) {
	e.log.Debug("SA event", "kind", ev.Kind, "id", ev.ID, "tag", ev.Peer, "remote", ev.Remote, "err", ev.Err)
	if e.closed {
		return
	}
	e.notify.note(ev)
	e.peers.note(ev)
	if e.cpEvent(ev) {
		return
	}
	if ev.Kind != node.EventEstablished {
		if v, ok := e.va.release(ev.Peer, ev.ID); ok {
			e.log.Info("session ended", "interface", v.name(), "remote", ev.Remote)
			e.deleteTunnel(v.tunnelID())
		}
	} else if ev.InitialContact && e.peers.others(ev) {
		e.dropStale(ev)
	}
	if t := e.svti[ev.Peer]; t != nil {
		e.tunnelEvent(t, ev)
	}
}

// dropStale drops, when a peer starts afresh (INITIAL_CONTACT, RFC 7296
// section 2.4), the older sessions it initiated with the same identity:
// it no longer has them, as after a reboot. SAs this side initiated are
// left to the static VTI logic, since both sides of a tunnel may initiate
// at once, each with INITIAL_CONTACT.
func (e *Engine) dropStale(ev node.Event) {
	n, err := e.node.DropWhere(func(i node.Info) bool {
		return i.ID != ev.ID && !i.Initiator && i.PeerID.Type == ev.PeerID.Type && bytes.Equal(i.PeerID.Data, ev.PeerID.Data)
	})
	if err != nil {
		e.log.Warn("drop stale sessions", "err", err)
	}
	if n > 0 {
		e.log.Info("stale sessions dropped (INITIAL_CONTACT)", "peer", ev.PeerID, "count", n)
	}
}

// ensureTunnel brings a tunnel interface to t in the data plane, if it has
// interfaces.
func (e *Engine) ensureTunnel(t dataplane.Tunnel) {
	if e.tunnels == nil {
		return
	}
	if err := e.tunnels.EnsureTunnel(t); err != nil {
		e.log.Error("ensure tunnel interface", "interface", t.Name, "err", err)
	}
}

// deleteTunnel removes a tunnel interface from the data plane.
func (e *Engine) deleteTunnel(id uint32) {
	delete(e.ensured, id)
	if e.tunnels == nil {
		return
	}
	if err := e.tunnels.DeleteTunnel(id); err != nil {
		e.log.Error("delete tunnel interface", "id", id, "err", err)
	}
}

// resyncTicks returns the ticks of the data plane's periodic resync (a nil
// channel when it has none or it is disabled) and the function stopping
// them.
func (e *Engine) resyncTicks() (<-chan time.Time, func()) {
	every := cmpOr(e.cfg.ResyncInterval, dataplane.DefaultResyncInterval)
	if _, ok := e.cfg.Dataplane.(dataplane.Resyncer); !ok || every < 0 {
		return nil, func() {}
	}
	t := time.NewTicker(every)
	return t.C, t.Stop
}

// resync has the data plane repair its kernel state (it logs each repair),
// within one interval; it runs on the engine's goroutine, without e.mu.
func (e *Engine) resync() {
	every := cmpOr(e.cfg.ResyncInterval, dataplane.DefaultResyncInterval)
	ctx, cancel := context.WithTimeout(context.Background(), every)
	defer cancel()
	n, err := e.cfg.Dataplane.(dataplane.Resyncer).Resync(ctx)
	if err != nil {
		e.log.Error("data plane resync", "repairs", n, "err", err)
	} else if n > 0 {
		e.log.Warn("data plane resync repaired state changed behind its back", "repairs", n)
	}
}

// retransmit returns the retransmission schedule of new SAs.
func (e *Engine) retransmit() ike.Retransmit { return e.cfg.Retransmit }
