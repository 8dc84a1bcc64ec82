package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/frag"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// ErrClosed is returned by the methods of a Node that has been closed.
var ErrClosed = errors.New("node closed")

// Config configures a Node.
type Config struct {
	// Addrs, IKEPort and NATPort are passed to transport.Listen.
	Addrs            []netip.Addr
	IKEPort, NATPort uint16
	// Dataplane receives the CHILD SAs of every IKE SA.
	Dataplane dataplane.Dataplane
	// Logger, if not nil, logs SA state changes and dropped messages.
	Logger *slog.Logger
	// Responder, if not nil, answers the IKE_SA_INIT requests that no
	// Peer added by AddPeer matches (see the Responder type).
	Responder *Responder
	// OnEvent, if not nil, is told of the life of every SA (see Event).
	// It is called during a step of the node (doc.go), holding its SAs,
	// from whichever goroutine runs the step: it must return quickly and must
	// not call the Node's methods.
	OnEvent func(Event)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Admission limits the IKE_SA_INIT requests answered (admission.go).
	Admission
	// NATKeepalive is the interval of NAT keepalives while a NAT is in
	// front of this side (keepalive.go); 0 sends none.
	NATKeepalive time.Duration
	// ESP, if not nil, receives the ESP packets that arrive on the NAT-T
	// sockets (a userspace data plane, RFC 3948).
	ESP transport.ESPHandler
	// ESPInUDP lets the kernel decapsulate ESP in UDP on the NAT-T
	// sockets (the kernel data plane; transport.Listener.EnableESPInUDP).
	ESPInUDP bool
	// Reassembly bounds the reassembly of IKE fragments (RFC 7383) by
	// every SA of the node: zero Limits mean frag.DefaultLimits(), a nil
	// Budget one of ike.DefaultFragmentMemory octets for the node alone.
	Reassembly ike.Reassembly
}

// Responder chooses the configuration of responder SAs in two steps, as
// IOS does: the IKE proposals when IKE_SA_INIT arrives (from the
// `crypto ikev2 policy` matching the local address), the rest when the
// initiator's identity arrives in IKE_AUTH (the IKEv2 profile and its
// keyring). Both functions are called during a step of the node (doc.go).
type Responder struct {
	// Proposals returns the IKE proposals for a request that came from
	// remote to local; none drops the request silently.
	Proposals func(local, remote netip.AddrPort) []ike.Proposal
	// Resolve returns the configuration of the SA id for the peer
	// identity, and the tag under which the SA is known from then on (in
	// Status, events and DeleteWhere); an error refuses the peer (see
	// ike.Resolver).
	Resolve func(id ID, local, remote netip.AddrPort, peerID ike.Identity) (*ike.Config, string, error)
	// Fragmentation, if not nil, returns the IKE fragmentation to offer
	// in the IKE_SA_INIT response to a request from remote to local (RFC
	// 7383 section 2.3; IOS `crypto ikev2 fragmentation`, a global
	// setting); nil offers none.
	Fragmentation func(local, remote netip.AddrPort) ike.Fragmentation
}

// Peer is a configured IKE peer: the template of the IKE SAs initiated to
// it or accepted from it.
type Peer struct {
	// Name identifies the peer for Initiate and in Status.
	Name string
	// IKE is the SA configuration. Its Remote address selects the peer of
	// a received IKE_SA_INIT request (the unspecified address matches any
	// sender); a responder SA gets Local and Remote from the request. An
	// initiator whose Local port is zero sends from the node's IKE port.
	IKE ike.Config
}

// ID identifies an IKE SA of a node for its whole life; IDs count from 1
// and are never reused.
type ID uint64

// Timeouts of SAs that no exchange of theirs limits.
const (
	// HalfOpenTimeout is how long a responder SA may wait for IKE_AUTH
	// after answering IKE_SA_INIT (RFC 7296 section 2.6 leaves it to the
	// implementation).
	HalfOpenTimeout = 30 * time.Second
	// FailedLinger is how long a failed SA stays in Status.
	FailedLinger = time.Minute
)

// Node is a running IKE runtime. Its methods are safe for concurrent use.
type Node struct {
	lis     *transport.Listener
	ikePort uint16
	natPort uint16
	dp      *statsDP
	log     *slog.Logger
	resp    *Responder
	onEvent func(Event)
	now     func() time.Time
	adm     *admission // admission.go, keepalive.go
	reasm   ike.Reassembly

	quit      chan struct{} // closed by Close
	closeOnce sync.Once
	stopped   chan struct{} // closed when the loop returns
	timer     *time.Timer   // wakes the loop for the earliest deadline

	// mu guards the rest: whoever holds it (a socket's receive
	// goroutine, the loop, or a caller of the public methods) owns the
	// SAs for that time.
	mu        sync.Mutex
	closed    bool                // the loop has stopped
	armed     time.Time           // the deadline timer is set for, zero after it fired
	out       []transport.Message // datagrams to send when the step ends
	outPeer   []string            // the peer of each of them, for errors
	peers     []Peer
	lastID    ID
	sas       map[ID]*entry
	byInitSPI map[uint64]*entry  // our initiator SAs, by initiator SPI
	byRespSPI map[uint64]*entry  // our responder SAs, by responder SPI
	halfOpen  map[halfKey]*entry // our responder SAs, by IKE_SA_INIT request
	timers    timerHeap
	dirty     []*entry // SAs touched since the last settle
}

// entry is one IKE SA with what the node knows about it.
type entry struct {
	id        ID
	peer      string // the Peer name or the tag
	initiator bool
	sa        *ike.SA
	half      halfKey // the halfOpen key of a responder, until established

	logged      ike.State      // the state last settled
	attrs       *cp.Attributes // the PeerAttributes last reported
	established time.Time
	expire      time.Time // half-open or failed SA: when to drop it
	timer       time.Time // when the entry is due in the heap
	index       int       // position in the heap, -1 when not in it
	isDirty     bool
}

// halfKey identifies an IKE_SA_INIT request before the responder SPI is
// known: the initiator SPI and the sender (RFC 7296 section 2.1).
type halfKey struct {
	spiI   uint64
	remote netip.AddrPort
}

// packet is a received IKE message; data aliases the transport's receive
// buffer and is valid only during the step that handles it.
type packet struct {
	local, remote netip.AddrPort
	hdr           wire.Header
	data          []byte
}

// Start opens the sockets of cfg and starts the node's loop. The node stops
// when ctx is done or Close is called.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Dataplane == nil {
		return nil, errors.New("node: no data plane")
	}
	n := &Node{
		log:       cfg.Logger,
		resp:      cfg.Responder,
		onEvent:   cfg.OnEvent,
		now:       cfg.Now,
		adm:       newAdmission(cfg),
		reasm:     cfg.Reassembly,
		timer:     time.NewTimer(time.Hour),
		quit:      make(chan struct{}),
		stopped:   make(chan struct{}),
		sas:       map[ID]*entry{},
		byInitSPI: map[uint64]*entry{},
		byRespSPI: map[uint64]*entry{},
		halfOpen:  map[halfKey]*entry{},
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.reasm.Budget == nil {
		n.reasm.Budget = frag.NewBudget(ike.DefaultFragmentMemory)
	}
	n.dp = &statsDP{Dataplane: cfg.Dataplane}
	// The sockets' goroutines handle messages as soon as they are
	// bound: they wait for the lock until the node is complete.
	n.mu.Lock()
	lis, err := transport.Listen(ctx, transport.Config{
		Addrs: cfg.Addrs, IKEPort: cfg.IKEPort, NATPort: cfg.NATPort, Handler: n, ESP: cfg.ESP,
	})
	if err != nil {
		n.mu.Unlock()
		return nil, fmt.Errorf("node: %w", err)
	}
	if cfg.ESPInUDP {
		if err := lis.EnableESPInUDP(); err != nil {
			n.closed = true
			n.mu.Unlock()
			lis.Close()
			return nil, fmt.Errorf("node: %w", err)
		}
	}
	n.lis = lis
	for _, e := range lis.Endpoints() {
		if e.NATT {
			n.natPort = e.Addr.Port()
		} else {
			n.ikePort = e.Addr.Port()
		}
	}
	n.mu.Unlock()
	go n.loop(ctx)
	n.startKeepalives()
	return n, nil
}

// Endpoints returns the bound sockets (see transport.Listener.Endpoints).
func (n *Node) Endpoints() []transport.Endpoint { return n.lis.Endpoints() }

// Listener returns the node's sockets, for a data plane that sends ESP in
// UDP from the NAT-T port.
func (n *Node) Listener() *transport.Listener { return n.lis }

// SetLimits replaces the admission limits and the NAT keepalive interval
// given to Start (`crypto ikev2 cookie-challenge`, `crypto ikev2 limit`,
// `crypto ikev2 nat keepalive`); they apply to new requests and the next
// keepalives.
func (n *Node) SetLimits(a Admission, natKeepalive time.Duration) error {
	return n.run(func() { n.adm.limits, n.adm.keepalive = a, natKeepalive })
}

// Close stops the loop and closes the sockets. The SAs are dropped without
// telling the peers; their CHILD SAs leave the data plane.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { close(n.quit) })
	err := n.lis.Close()
	<-n.stopped
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	return nil
}

// HandleIKE implements transport.Handler: the socket's receive goroutine
// runs the message's SA at once, without a hand-off to another goroutine;
// the answers leave in EndBatch. The socket's receive buffer is the queue
// of messages not yet handled: when it overflows the kernel drops, and the
// peer retransmits (RFC 7296 section 2.1).
func (n *Node) HandleIKE(p *transport.Packet) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.receive(packet{local: p.Local, remote: p.Remote, hdr: p.Header, data: p.Data})
	n.settle()
}

// EndBatch implements transport.BatchHandler: once a batch of received
// messages has been handled, their answers leave together.
func (n *Node) EndBatch() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.finish()
	}
}

// run executes fn as a step of the node, holding the SAs, and sends what
// it queued.
func (n *Node) run(fn func()) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	fn()
	n.settle()
	n.finish()
	return nil
}

// finish ends a step: it sets the timer for the earliest deadline and
// sends the queued datagrams.
func (n *Node) finish() {
	n.rearm()
	n.flush()
}

// AddPeer adds a peer configuration; later IKE_SA_INIT requests from it are
// answered, and Initiate can name it.
func (n *Node) AddPeer(p Peer) error {
	var err error
	if rerr := n.run(func() {
		if slices.ContainsFunc(n.peers, func(q Peer) bool { return q.Name == p.Name }) {
			err = fmt.Errorf("node: peer %q already exists", p.Name)
			return
		}
		n.peers = append(n.peers, p)
	}); rerr != nil {
		return rerr
	}
	return err
}

// Initiate starts a new IKE SA, with its first CHILD SA, to the named peer
// (RFC 7296 section 1.2). It returns once the IKE_SA_INIT request is sent;
// Status tells how the SA proceeds.
func (n *Node) Initiate(peer string) error {
	var err error
	if rerr := n.run(func() {
		i := slices.IndexFunc(n.peers, func(q Peer) bool { return q.Name == peer })
		if i < 0 {
			err = fmt.Errorf("node: no peer %q", peer)
			return
		}
		_, err = n.initiate(peer, n.peers[i].IKE)
	}); rerr != nil {
		return rerr
	}
	return err
}

// InitiateSA starts a new IKE SA with cfg, known as tag, and returns its
// ID; otherwise as Initiate.
func (n *Node) InitiateSA(tag string, cfg ike.Config) (ID, error) {
	var id ID
	var err error
	if rerr := n.run(func() { id, err = n.initiate(tag, cfg) }); rerr != nil {
		return 0, rerr
	}
	return id, err
}

func (n *Node) initiate(name string, cfg ike.Config) (ID, error) {
	if cfg.Local.Port() == 0 {
		cfg.Local = netip.AddrPortFrom(cfg.Local.Addr(), n.ikePort)
	}
	if cfg.NATPort == 0 {
		cfg.NATPort = n.natPort
	}
	e := &entry{peer: name, initiator: true, index: -1}
	sa, err := ike.NewInitiator(&cfg, n.env())
	if err != nil {
		return 0, fmt.Errorf("node: initiator for %q: %w", name, err)
	}
	e.sa = sa
	out, err := sa.Initiate()
	if err != nil {
		return 0, fmt.Errorf("node: initiate %q: %w", name, err)
	}
	spiI, _ := sa.SPIs()
	if _, dup := n.byInitSPI[spiI]; dup {
		return 0, fmt.Errorf("node: initiate %q: initiator SPI %016x already in use", name, spiI)
	}
	n.add(e)
	n.byInitSPI[spiI] = e
	n.send(e, out)
	return e.id, nil
}

// add gives e its ID and makes it known to the node.
func (n *Node) add(e *entry) {
	n.lastID++
	e.id = n.lastID
	n.sas[e.id] = e
	n.touch(e)
}

func (n *Node) env() ike.Env {
	return ike.Env{Now: n.now, Rand: rand.Reader, Dataplane: n.dp, Reassembly: n.reasm}
}

// loop is the node's timer goroutine: it runs the SAs whose deadline has
// come, until the node stops.
func (n *Node) loop(ctx context.Context) {
	defer close(n.stopped)
	defer n.timer.Stop()
	for {
		select {
		case <-ctx.Done():
			n.stop()
			return
		case <-n.quit:
			n.stop()
			return
		case <-n.timer.C:
			n.mu.Lock()
			n.armed = time.Time{}
			if !n.closed {
				n.tick(n.now())
				n.settle()
				n.finish()
			}
			n.mu.Unlock()
		}
	}
}

// rearm sets the timer for the earliest deadline in the heap, unless it
// is set for that time or earlier already (a timer that fires early finds
// nothing due and is set again).
func (n *Node) rearm() {
	if len(n.timers) == 0 {
		return
	}
	next := n.timers[0].timer
	if !n.armed.IsZero() && !next.Before(n.armed) {
		return
	}
	n.armed = next
	n.timer.Reset(max(next.Sub(n.now()), 0))
}

// stop ends the node's steps and removes the CHILD SAs of every SA from
// the data plane.
func (n *Node) stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	n.removeChildren()
}

// removeChildren removes the CHILD SAs of every SA from the data plane
// when the node stops.
func (n *Node) removeChildren() {
	for _, e := range n.sas {
		for _, id := range e.sa.ChildSAs() {
			if err := n.dp.DeleteChildSA(id); err != nil {
				n.log.Warn("delete CHILD SA at stop", "peer", e.peer, "err", err)
			}
		}
	}
}

// receive routes one message (see the package documentation).
func (n *Node) receive(p packet) {
	var e *entry
	switch {
	case !p.hdr.IsInitiator():
		e = n.byInitSPI[p.hdr.SPIi]
	case p.hdr.SPIr != 0:
		e = n.byRespSPI[p.hdr.SPIr]
	default:
		e = n.halfOpen[halfKey{p.hdr.SPIi, p.remote}]
		if e == nil {
			e = n.accept(p)
		}
	}
	if e == nil {
		n.log.Debug("message for no SA dropped", "from", p.remote, "header", &p.hdr)
		return
	}
	n.debugPacket(e, DebugReceived, p.local, p.remote, p.data)
	n.send(e, e.sa.HandleDatagram(p.data, p.local, p.remote))
	n.touch(e)
	if !e.initiator && e.sa.State() == ike.StateIdle {
		n.drop(e) // a refused IKE_SA_INIT leaves no state (RFC 7296 section 2.6)
		return
	}
	if !e.initiator {
		if _, spiR := e.sa.SPIs(); spiR != 0 && n.byRespSPI[spiR] == nil {
			n.byRespSPI[spiR] = e
		}
	}
}

// accept creates a responder SA for a new IKE_SA_INIT request from a
// configured peer or one the Responder takes, or returns nil.
func (n *Node) accept(p packet) *entry {
	if p.hdr.Exchange != wire.IKESAInit || p.hdr.IsResponse() || p.hdr.MessageID != 0 {
		return nil
	}
	e, cfg := n.responderEntry(p)
	if e == nil {
		n.log.Info("IKE_SA_INIT from unknown peer dropped", "from", p.remote, "to", p.local)
		return nil
	}
	if !n.admit(p) {
		return nil
	}
	cfg.Local, cfg.Remote = p.local, p.remote
	sa, err := ike.NewResponder(cfg, n.env())
	if err != nil {
		n.log.Error("cannot create responder", "peer", e.peer, "err", err)
		return nil
	}
	e.sa, e.half = sa, halfKey{p.hdr.SPIi, p.remote}
	e.expire = n.now().Add(HalfOpenTimeout)
	n.add(e)
	n.halfOpen[e.half] = e
	return e
}

// responderEntry returns the entry of a new responder SA for p, without
// its SA, and the SA's configuration: from the first Peer whose address
// matches, else from the Responder; nil when neither takes the request.
// The entry does not keep the configuration: the SA replaces it with the
// resolved one in IKE_AUTH.
func (n *Node) responderEntry(p packet) (*entry, *ike.Config) {
	i := slices.IndexFunc(n.peers, func(q Peer) bool {
		r := q.IKE.Remote.Addr()
		return !r.IsValid() || r.IsUnspecified() || r == p.remote.Addr()
	})
	if i >= 0 {
		cfg := n.peers[i].IKE
		return &entry{peer: n.peers[i].Name, index: -1}, &cfg
	}
	if n.resp == nil {
		return nil, nil
	}
	ps := n.resp.Proposals(p.local, p.remote)
	if len(ps) == 0 {
		return nil, nil
	}
	e, cfg := &entry{index: -1}, &ike.Config{}
	if f := n.resp.Fragmentation; f != nil {
		cfg.Fragmentation = f(p.local, p.remote)
	}
	cfg.Proposals, cfg.NATPort, cfg.Resolve = ps, n.natPort, func(local, remote netip.AddrPort, peerID ike.Identity) (*ike.Config, error) {
		c, tag, err := n.resp.Resolve(e.id, local, remote, peerID)
		if err == nil {
			e.peer = tag
		}
		return c, err
	}
	return e, cfg
}

// send queues the datagrams an SA returned; they leave when the step
// ends (flush).
func (n *Node) send(e *entry, out []ike.Datagram) {
	for _, d := range out {
		n.debugPacket(e, DebugSent, d.From, d.To, d.Data)
		n.queue(e.peer, d)
	}
}

// queue adds a datagram for peer to those sent when the step ends.
func (n *Node) queue(peer string, d ike.Datagram) {
	n.out = append(n.out, transport.Message{Local: d.From, Remote: d.To, Data: d.Data})
	n.outPeer = append(n.outPeer, peer)
}

// flush sends the queued datagrams, batched by socket
// (transport.Listener.SendBatch).
func (n *Node) flush() {
	if len(n.out) == 0 {
		return
	}
	if n.lis.SendBatch(n.out) > 0 {
		for i, m := range n.out {
			if m.Err != nil {
				n.log.Warn("send failed", "peer", n.outPeer[i], "to", m.Remote, "err", m.Err)
			}
		}
	}
	clear(n.out)
	n.out, n.outPeer = n.out[:0], n.outPeer[:0]
}

// touch marks e for settle: its state, routing and timer may have changed.
// Code that calls a method of an SA must touch its entry.
func (n *Node) touch(e *entry) {
	if !e.isDirty {
		e.isDirty = true
		n.dirty = append(n.dirty, e)
	}
}

// tick runs the SAs whose timers have expired.
func (n *Node) tick(now time.Time) {
	for len(n.timers) > 0 && !n.timers[0].timer.After(now) {
		e := n.timers.pop()
		if !e.expire.IsZero() && !e.expire.After(now) {
			n.drop(e)
			continue
		}
		n.send(e, e.sa.Tick(now))
		n.touch(e)
	}
}

// settle brings the touched SAs' bookkeeping up to date: it logs and
// reports state changes, drops ended SAs from the routing tables, and
// reschedules their timers.
func (n *Node) settle() {
	for i := 0; i < len(n.dirty); i++ {
		e := n.dirty[i]
		n.dirty[i] = nil
		e.isDirty = false
		if n.sas[e.id] != e {
			continue // dropped meanwhile
		}
		n.reindex(e) // index.go: SPIs and role change with an IKE SA rekey
		n.note(e)
		n.prune(e)
		n.schedule(e)
	}
	n.dirty = n.dirty[:0]
}

// note logs and reports a change of e's state.
func (n *Node) note(e *entry) {
	s := e.sa.State()
	if a := e.sa.PeerAttributes(); a != e.attrs {
		e.attrs = a
		if s == ike.StateEstablished && e.logged == s {
			n.event(e, EventConfig)
		}
	}
	if e.logged == s {
		return
	}
	e.logged = s
	if n.log.Enabled(context.Background(), slog.LevelInfo) {
		spiI, spiR := e.sa.SPIs()
		n.log.Info("IKE SA "+s.String(), "peer", e.peer, "id", e.id, "spis", fmt.Sprintf("%016x_i %016x_r", spiI, spiR), "err", e.sa.Err())
	}
	switch s {
	case ike.StateEstablished:
		e.established, e.expire = n.now(), time.Time{}
		delete(n.halfOpen, e.half)
		n.event(e, EventEstablished)
	case ike.StateFailed:
		e.expire = n.now().Add(FailedLinger)
		n.event(e, EventFailed)
	}
}

// prune drops an SA that ended, once no exchange of its runs, from the
// routing tables, so that later messages for it are dropped. A deleted SA
// leaves Status too; a failed one stays there with its error until
// FailedLinger has passed.
func (n *Node) prune(e *entry) {
	s := e.sa.State()
	if s != ike.StateFailed && s != ike.StateDeleted {
		return
	}
	if _, ok := e.sa.NextTimer(); ok {
		return
	}
	n.unroute(e)
	if s == ike.StateDeleted {
		n.drop(e)
	}
}

// unroute removes e from the routing tables.
func (n *Node) unroute(e *entry) {
	spiI, spiR := e.sa.SPIs()
	if n.byInitSPI[spiI] == e {
		delete(n.byInitSPI, spiI)
	}
	if n.byRespSPI[spiR] == e {
		delete(n.byRespSPI, spiR)
	}
	if n.halfOpen[e.half] == e {
		delete(n.halfOpen, e.half)
	}
}

// drop forgets e and reports it deleted. CHILD SAs it still holds are
// removed from the data plane.
func (n *Node) drop(e *entry) {
	n.unroute(e)
	n.timers.remove(e)
	delete(n.sas, e.id)
	e.sa.Close() // its fragments in reassembly
	for _, id := range e.sa.ChildSAs() {
		if err := n.dp.DeleteChildSA(id); err != nil {
			n.log.Warn("delete CHILD SA of a dropped IKE SA", "peer", e.peer, "err", err)
		}
	}
	if e.logged != ike.StateIdle {
		n.event(e, EventDeleted)
	}
}

// schedule puts e in the timer heap at its next deadline: the SA's own
// timer or the expiry of a half-open or failed SA.
func (n *Node) schedule(e *entry) {
	t, ok := e.sa.NextTimer()
	if !e.expire.IsZero() && (!ok || e.expire.Before(t)) {
		t, ok = e.expire, true
	}
	if !ok {
		n.timers.remove(e)
		return
	}
	n.timers.set(e, t)
}

// Delete starts deleting the IKE SA with the given SPIs and its CHILD SAs
// (RFC 7296 section 1.4.1). It returns once the request is sent; the SA
// leaves Status when the peer answers (or fails when it does not).
func (n *Node) Delete(spiI, spiR uint64) error {
	return n.onSA(spiI, spiR, (*ike.SA).Delete)
}

// DeleteChild starts deleting the CHILD SA with inbound SPI inSPI of the
// IKE SA with the given SPIs (RFC 7296 section 1.4.1). It returns once the
// request is sent; the CHILD SA leaves Status when the peer answers.
func (n *Node) DeleteChild(spiI, spiR uint64, inSPI uint32) error {
	return n.onSA(spiI, spiR, func(sa *ike.SA) ([]ike.Datagram, error) { return sa.DeleteChild(inSPI) })
}

// onSA runs fn on the IKE SA with the given SPIs as a step and sends what
// it returns.
func (n *Node) onSA(spiI, spiR uint64, fn func(*ike.SA) ([]ike.Datagram, error)) error {
	var err error
	if rerr := n.run(func() {
		e := n.bySPIs(spiI, spiR)
		if e == nil {
			err = fmt.Errorf("node: no IKE SA %016x_i %016x_r", spiI, spiR)
			return
		}
		var out []ike.Datagram
		if out, err = fn(e.sa); err != nil {
			err = fmt.Errorf("node: %w", err)
		}
		n.send(e, out)
		n.touch(e)
	}); rerr != nil {
		return rerr
	}
	return err
}

// bySPIs returns the SA with the given SPIs, or nil.
func (n *Node) bySPIs(spiI, spiR uint64) *entry {
	for _, e := range []*entry{n.byInitSPI[spiI], n.byRespSPI[spiR]} {
		if e != nil {
			if i, r := e.sa.SPIs(); i == spiI && r == spiR {
				return e
			}
		}
	}
	return nil
}

// DeleteWhere ends every SA that match accepts and returns how many: an
// established SA is deleted with its peer (as Delete), one still
// negotiating or failed is dropped at once, without a word to the peer.
// SAs already being deleted are left alone.
func (n *Node) DeleteWhere(match func(Info) bool) (int, error) {
	count := 0
	err := n.run(func() {
		for _, e := range n.sas {
			if !match(n.info(e)) {
				continue
			}
			switch e.sa.State() {
			case ike.StateEstablished:
				out, err := e.sa.Delete()
				if err != nil {
					n.log.Warn("delete", "peer", e.peer, "err", err)
					continue
				}
				n.send(e, out)
				n.touch(e)
			case ike.StateDeleting, ike.StateDeleted:
				continue
			default:
				n.drop(e)
			}
			count++
		}
	})
	return count, err
}

// DeleteChildrenWhere starts deleting the CHILD SAs of every established
// IKE SA that match accepts, keeping the IKE SAs (RFC 7296 section
// 1.4.1), and returns how many CHILD SAs it asked to delete.
func (n *Node) DeleteChildrenWhere(match func(Info) bool) (int, error) {
	count := 0
	err := n.run(func() {
		for _, e := range n.sas {
			if e.sa.State() != ike.StateEstablished || !match(n.info(e)) {
				continue
			}
			for _, id := range e.sa.ChildSAs() {
				out, err := e.sa.DeleteChild(id.InSPI)
				if err != nil {
					n.log.Debug("delete CHILD SA", "peer", e.peer, "err", err)
					continue
				}
				n.send(e, out)
				count++
			}
			n.touch(e)
		}
	})
	return count, err
}

// DropWhere forgets every SA that match accepts, in any state, without a
// word to the peer, removing its CHILD SAs from the data plane, and
// returns how many it dropped: for SAs the peer no longer has (RFC 7296
// section 2.4, INITIAL_CONTACT).
func (n *Node) DropWhere(match func(Info) bool) (int, error) {
	count := 0
	err := n.run(func() {
		for _, e := range n.sas {
			if match(n.info(e)) {
				n.drop(e)
				count++
			}
		}
	})
	return count, err
}
