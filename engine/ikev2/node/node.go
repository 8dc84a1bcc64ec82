package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
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

// Node is a running IKE runtime. Its methods are safe for concurrent use.
type Node struct {
	lis     *transport.Listener
	ikePort uint16
	natPort uint16
	dp      *childLog
	log     *slog.Logger

	in        chan packet
	do        chan func()
	quit      chan struct{} // closed by Close
	closeOnce sync.Once
	stopped   chan struct{} // closed when the loop returns

	// Owned by the loop goroutine.
	peers     []Peer
	sas       []*entry
	byInitSPI map[uint64]*entry  // our initiator SAs, by initiator SPI
	byRespSPI map[uint64]*entry  // our responder SAs, by responder SPI
	halfOpen  map[halfKey]*entry // our responder SAs, by IKE_SA_INIT request
}

// entry is one IKE SA with what the node knows about it.
type entry struct {
	peer      string
	initiator bool
	cfg       ike.Config
	sa        *ike.SA
	logged    ike.State // the state last logged
}

// halfKey identifies an IKE_SA_INIT request before the responder SPI is
// known: the initiator SPI and the sender (RFC 7296 section 2.1).
type halfKey struct {
	spiI   uint64
	remote netip.AddrPort
}

// packet is a received IKE message copied out of the transport's buffer.
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
		dp:        &childLog{Dataplane: cfg.Dataplane, sas: map[dataplane.ChildSAID]dataplane.ChildSA{}},
		log:       cfg.Logger,
		in:        make(chan packet, 64),
		do:        make(chan func()),
		quit:      make(chan struct{}),
		stopped:   make(chan struct{}),
		byInitSPI: map[uint64]*entry{},
		byRespSPI: map[uint64]*entry{},
		halfOpen:  map[halfKey]*entry{},
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	lis, err := transport.Listen(ctx, transport.Config{
		Addrs: cfg.Addrs, IKEPort: cfg.IKEPort, NATPort: cfg.NATPort, Handler: n,
	})
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	n.lis = lis
	for _, e := range lis.Endpoints() {
		if e.NATT {
			n.natPort = e.Addr.Port()
		} else {
			n.ikePort = e.Addr.Port()
		}
	}
	go n.loop(ctx)
	return n, nil
}

// Endpoints returns the bound sockets (see transport.Listener.Endpoints).
func (n *Node) Endpoints() []transport.Endpoint { return n.lis.Endpoints() }

// Close stops the loop and closes the sockets. The SAs are dropped without
// telling the peers.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { close(n.quit) })
	err := n.lis.Close()
	<-n.stopped
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	return nil
}

// HandleIKE implements transport.Handler: it copies the message and queues
// it for the loop, dropping it when the queue is full (the peer
// retransmits, RFC 7296 section 2.1).
func (n *Node) HandleIKE(p *transport.Packet) {
	pk := packet{local: p.Local, remote: p.Remote, hdr: p.Header, data: slices.Clone(p.Data)}
	select {
	case n.in <- pk:
	default:
		n.log.Warn("receive queue full, message dropped", "from", p.Remote, "header", &p.Header)
	}
}

// run executes fn in the loop and waits for it.
func (n *Node) run(fn func()) error {
	ran := make(chan struct{})
	select {
	case n.do <- func() { fn(); close(ran) }:
		<-ran
		return nil
	case <-n.stopped:
		return ErrClosed
	}
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
	if rerr := n.run(func() { err = n.initiate(peer) }); rerr != nil {
		return rerr
	}
	return err
}

func (n *Node) initiate(name string) error {
	i := slices.IndexFunc(n.peers, func(q Peer) bool { return q.Name == name })
	if i < 0 {
		return fmt.Errorf("node: no peer %q", name)
	}
	cfg := n.peers[i].IKE
	if cfg.Local.Port() == 0 {
		cfg.Local = netip.AddrPortFrom(cfg.Local.Addr(), n.ikePort)
	}
	if cfg.NATPort == 0 {
		cfg.NATPort = n.natPort
	}
	e := &entry{peer: name, initiator: true, cfg: cfg}
	sa, err := ike.NewInitiator(&e.cfg, n.env())
	if err != nil {
		return fmt.Errorf("node: initiator for %q: %w", name, err)
	}
	e.sa = sa
	out, err := sa.Initiate()
	if err != nil {
		return fmt.Errorf("node: initiate %q: %w", name, err)
	}
	spiI, _ := sa.SPIs()
	if _, dup := n.byInitSPI[spiI]; dup {
		return fmt.Errorf("node: initiate %q: initiator SPI %016x already in use", name, spiI)
	}
	n.byInitSPI[spiI] = e
	n.sas = append(n.sas, e)
	n.send(e, out)
	return nil
}

func (n *Node) env() ike.Env {
	return ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: n.dp}
}

// loop is the node's one goroutine: it owns every SA.
func (n *Node) loop(ctx context.Context) {
	defer close(n.stopped)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.quit:
			return
		case p := <-n.in:
			n.receive(p)
		case fn := <-n.do:
			fn()
		case now := <-timer.C:
			n.tick(now)
		}
		n.note()
		n.prune()
		timer.Reset(n.nextTimer())
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
	n.send(e, e.sa.HandleDatagram(p.data, p.local, p.remote))
	if !e.initiator {
		if _, spiR := e.sa.SPIs(); spiR != 0 && n.byRespSPI[spiR] == nil {
			n.byRespSPI[spiR] = e
		}
	}
}

// accept creates a responder SA for a new IKE_SA_INIT request from a
// configured peer, or returns nil.
func (n *Node) accept(p packet) *entry {
	if p.hdr.Exchange != wire.IKESAInit || p.hdr.IsResponse() || p.hdr.MessageID != 0 {
		return nil
	}
	i := slices.IndexFunc(n.peers, func(q Peer) bool {
		r := q.IKE.Remote.Addr()
		return !r.IsValid() || r.IsUnspecified() || r == p.remote.Addr()
	})
	if i < 0 {
		n.log.Info("IKE_SA_INIT from unknown peer dropped", "from", p.remote)
		return nil
	}
	e := &entry{peer: n.peers[i].Name, cfg: n.peers[i].IKE}
	e.cfg.Local, e.cfg.Remote = p.local, p.remote
	sa, err := ike.NewResponder(&e.cfg, n.env())
	if err != nil {
		n.log.Error("cannot create responder", "peer", e.peer, "err", err)
		return nil
	}
	e.sa = sa
	n.halfOpen[halfKey{p.hdr.SPIi, p.remote}] = e
	n.sas = append(n.sas, e)
	return e
}

// send transmits the datagrams an SA returned.
func (n *Node) send(e *entry, out []ike.Datagram) {
	for _, d := range out {
		if err := n.lis.Send(d.From, d.To, d.Data); err != nil {
			n.log.Warn("send failed", "peer", e.peer, "to", d.To, "err", err)
		}
	}
}

// tick calls Tick on every SA whose timer has expired.
func (n *Node) tick(now time.Time) {
	for _, e := range n.sas {
		if t, ok := e.sa.NextTimer(); ok && !t.After(now) {
			n.send(e, e.sa.Tick(now))
		}
	}
}

// nextTimer returns how long the loop may sleep.
func (n *Node) nextTimer() time.Duration {
	d := time.Hour
	now := time.Now()
	for _, e := range n.sas {
		if t, ok := e.sa.NextTimer(); ok {
			d = min(d, max(t.Sub(now), 0))
		}
	}
	return d
}

// note logs the SAs whose state changed.
func (n *Node) note() {
	for _, e := range n.sas {
		if s := e.sa.State(); e.logged != s {
			e.logged = s
			spiI, spiR := e.sa.SPIs()
			n.log.Info("IKE SA "+s.String(), "peer", e.peer, "spis", fmt.Sprintf("%016x_i %016x_r", spiI, spiR), "err", e.sa.Err())
		}
	}
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

// onSA runs fn on the IKE SA with the given SPIs in the loop and sends what
// it returns.
func (n *Node) onSA(spiI, spiR uint64, fn func(*ike.SA) ([]ike.Datagram, error)) error {
	var err error
	if rerr := n.run(func() {
		i := slices.IndexFunc(n.sas, func(e *entry) bool {
			i, r := e.sa.SPIs()
			return i == spiI && r == spiR
		})
		if i < 0 {
			err = fmt.Errorf("node: no IKE SA %016x_i %016x_r", spiI, spiR)
			return
		}
		var out []ike.Datagram
		if out, err = fn(n.sas[i].sa); err != nil {
			err = fmt.Errorf("node: %w", err)
		}
		n.send(n.sas[i], out)
	}); rerr != nil {
		return rerr
	}
	return err
}

// prune drops the SAs that ended, once no exchange of theirs runs, from
// the routing tables, so that later messages for them are dropped. Deleted
// SAs leave Status too; failed ones stay there with their error.
func (n *Node) prune() {
	for _, e := range n.sas {
		if s := e.sa.State(); s != ike.StateFailed && s != ike.StateDeleted {
			continue
		}
		if _, ok := e.sa.NextTimer(); ok {
			continue
		}
		gone := func(_ uint64, v *entry) bool { return v == e }
		maps.DeleteFunc(n.byInitSPI, gone)
		maps.DeleteFunc(n.byRespSPI, gone)
		maps.DeleteFunc(n.halfOpen, func(_ halfKey, v *entry) bool { return v == e })
	}
	n.sas = slices.DeleteFunc(n.sas, func(e *entry) bool { return e.sa.State() == ike.StateDeleted })
}
