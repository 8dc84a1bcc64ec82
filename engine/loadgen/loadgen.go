// Package loadgen opens many IKE SAs, each with its CHILD SA, against one
// responder and measures how fast they come up: the IKEv2 load generator of
// `flexvpn-load`. It is built on the project's own IKE SA actor
// (engine/ikev2/ike): every SA is a real initiator doing IKE_SA_INIT and
// IKE_AUTH, so the responder (flexvpnd or strongSwan's charon) does exactly
// the work a real spoke causes.
//
// Workers own one UDP socket each, bound to one of the local addresses;
// each worker routes the responses it receives to its SAs by initiator SPI
// and runs their retransmission timers. Traffic goes only to the target.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Config configures a run.
type Config struct {
	// Target is the responder's IKE address and port.
	Target netip.AddrPort
	// Sources are the local addresses the workers bind to (each worker
	// takes the next one, on an ephemeral port); default: the unspecified
	// address of Target's family.
	Sources []netip.Addr
	// Workers is the number of sockets and goroutines (default 1).
	Workers int
	// SA is the template of every SA: proposals, identities, keys, CHILD
	// SA. Local and Remote are filled in per worker. An FQDN LocalID is
	// made unique per SA ("s17.load.example" for the 17th), as real spokes
	// have their own identities: a responder that honours INITIAL_CONTACT
	// (RFC 7296 section 2.4) would otherwise replace each SA by the next.
	SA ike.Config
	// Count is the number of SAs to establish.
	Count int
	// Rate is the number of new SAs started per second; 0 starts them as
	// fast as Concurrency allows.
	Rate float64
	// Concurrency bounds the SAs in negotiation at once (default 64).
	Concurrency int
	// Timeout bounds the whole run (default 60 s); SAs still negotiating
	// then count as failed with reason "timeout".
	Timeout time.Duration
	// Hold keeps the established SAs until Result.Close, so that the
	// responder holds them too; otherwise they are forgotten silently.
	Hold bool
}

// Result is what a run measured.
type Result struct {
	Started, Established int
	// Failures counts the failed SAs by reason.
	Failures map[string]int
	// Elapsed is the time from the first IKE_SA_INIT to the last SA
	// established or failed.
	Elapsed time.Duration
	// Latencies are the setup times of the established SAs (first
	// IKE_SA_INIT sent to IKE_AUTH response processed), sorted.
	Latencies []time.Duration

	held    []*worker
	serving sync.WaitGroup
}

// Rate is the established SAs per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Established) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0..100) of the latencies.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(r.Latencies)-1))
	return r.Latencies[i]
}

// Close releases the sockets of held SAs (their SAs are not deleted: the
// responder finds out by DPD or lifetime) and waits until they no longer
// answer.
func (r *Result) Close() {
	for _, w := range r.held {
		w.conn.Close()
	}
	r.serving.Wait()
	r.held = nil
}

// discard is the data plane of generated SAs: their CHILD SAs carry no
// traffic.
type discard struct{}

func (discard) InstallChildSA(dataplane.ChildSA) error     { return nil }
func (discard) ActivateOutbound(dataplane.ChildSAID) error { return nil }
func (discard) DeleteChildSA(dataplane.ChildSAID) error    { return nil }

// Run establishes cfg.Count SAs against cfg.Target and reports how it went.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Count <= 0 {
		return nil, errors.New("loadgen: count must be positive")
	}
	cfg.Workers = max(cfg.Workers, 1)
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if len(cfg.Sources) == 0 {
		if cfg.Target.Addr().Is4() {
			cfg.Sources = []netip.Addr{netip.IPv4Unspecified()}
		} else {
			cfg.Sources = []netip.Addr{netip.IPv6Unspecified()}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	workers := make([]*worker, cfg.Workers)
	for i := range workers {
		w, err := newWorker(cfg, i, cfg.Sources[i%len(cfg.Sources)])
		if err != nil {
			for _, o := range workers[:i] {
				o.conn.Close()
			}
			return nil, err
		}
		workers[i] = w
	}
	// Tokens pace the starts: one per SA, at Rate per second or at once.
	tokens := make(chan struct{}, cfg.Count)
	go pace(ctx, tokens, cfg.Count, cfg.Rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i, w := range workers {
		n := cfg.Count / cfg.Workers
		if i < cfg.Count%cfg.Workers {
			n++
		}
		conc := max(1, cfg.Concurrency/cfg.Workers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx, n, conc, tokens)
		}()
	}
	wg.Wait()
	res := &Result{Failures: map[string]int{}}
	var last time.Time
	for _, w := range workers {
		res.Started += w.started
		res.Established += len(w.latencies)
		res.Latencies = append(res.Latencies, w.latencies...)
		for k, v := range w.failures {
			res.Failures[k] += v
		}
		if w.last.After(last) {
			last = w.last
		}
		if cfg.Hold {
			res.held = append(res.held, w)
			res.serving.Add(1)
			go func() {
				defer res.serving.Done()
				w.serveHeld()
			}()
		} else {
			w.conn.Close()
		}
	}
	res.Elapsed = last.Sub(start)
	slices.Sort(res.Latencies)
	return res, nil
}

// pace puts count tokens into tokens, rate per second (all at once when
// rate is 0).
func pace(ctx context.Context, tokens chan<- struct{}, count int, rate float64) {
	if rate <= 0 {
		for range count {
			tokens <- struct{}{}
		}
		return
	}
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for range count {
		if d := time.Until(next); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return
			}
		}
		tokens <- struct{}{}
		next = next.Add(interval)
	}
}

// worker is one socket with the SAs it started.
type worker struct {
	cfg   Config
	conn  *net.UDPConn
	local netip.AddrPort
	env   ike.Env

	id, seq   int                 // worker number, SAs started
	sas       map[uint64]*pending // by initiator SPI
	held      map[uint64]*ike.SA  // established SAs kept by Hold, by initiator SPI
	started   int
	latencies []time.Duration
	failures  map[string]int
	last      time.Time
	// scanned is when scan last visited the timers; next is the read
	// deadline it computed.
	scanned, next time.Time
}

// pending is an SA in negotiation.
type pending struct {
	sa    *ike.SA
	cfg   *ike.Config
	start time.Time
}

func newWorker(cfg Config, id int, src netip.Addr) (*worker, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0)))
	if err != nil {
		return nil, fmt.Errorf("loadgen: bind %v: %w", src, err)
	}
	growReadBuffer(conn, readBuffer)
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	if !local.Addr().IsValid() || local.Addr().IsUnspecified() {
		// The SA needs its real local address for NAT detection: take
		// the one the kernel would use towards the target.
		probe, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(cfg.Target))
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("loadgen: route to %v: %w", cfg.Target, err)
		}
		local = netip.AddrPortFrom(probe.LocalAddr().(*net.UDPAddr).AddrPort().Addr(), local.Port())
		probe.Close()
	}
	return &worker{
		cfg: cfg, id: id, conn: conn, local: netip.AddrPortFrom(local.Addr().Unmap(), local.Port()),
		env:      ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: discard{}},
		sas:      map[uint64]*pending{},
		held:     map[uint64]*ike.SA{},
		failures: map[string]int{},
	}, nil
}

// readBuffer is the receive buffer of a worker's socket: the answers to
// thousands of requests sent at once (a reconnect storm) arrive in a
// burst, and one dropped costs its SA a retransmission seconds later. The
// kernel counts a small datagram at about 2 KiB.
const readBuffer = 16 << 20

// growReadBuffer sets the receive buffer of conn to size octets: beyond
// net.core.rmem_max where the process may (SO_RCVBUFFORCE needs
// CAP_NET_ADMIN), else as far as that limit allows.
func growReadBuffer(conn *net.UDPConn, size int) {
	if rc, err := conn.SyscallConn(); err == nil {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size)
		}); err == nil && serr == nil {
			return
		}
	}
	_ = conn.SetReadBuffer(size)
}

// run starts n SAs, at most conc at once, and drives them to the end.
func (w *worker) run(ctx context.Context, n, conc int, tokens <-chan struct{}) {
	buf := make([]byte, 65536)
	for w.started < n || len(w.sas) > 0 {
		if ctx.Err() != nil {
			w.failures["timeout"] += len(w.sas) + n - w.started
			w.sas = nil
			w.last = time.Now()
			return
		}
		for w.started < n && len(w.sas) < conc {
			select {
			case <-tokens:
				w.startOne()
				continue
			default:
			}
			break
		}
		w.scan()
		w.conn.SetReadDeadline(laterOf(w.next, time.Now().Add(time.Millisecond)))
		m, from, err := w.conn.ReadFromUDPAddrPort(buf)
		if err == nil && from.Addr().Unmap() == w.cfg.Target.Addr().Unmap() {
			w.receive(buf[:m], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
		}
	}
}

// scanInterval is how often a worker visits the timers of all its SAs:
// each visit costs a look at every SA in negotiation, too much to pay for
// every datagram with thousands of them (a reconnect storm); a
// retransmission is at most this late.
const scanInterval = 10 * time.Millisecond

// laterOf returns the later of a and b.
func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// scan runs the expired timers and computes the next read deadline, at
// most every scanInterval.
func (w *worker) scan() {
	now := time.Now()
	if now.Sub(w.scanned) < scanInterval {
		return
	}
	w.scanned = now
	w.tick()
	w.next = w.deadline()
}

// deadline is when the socket read must give up: the next retransmission,
// or soon when more SAs may be started.
func (w *worker) deadline() time.Time {
	d := time.Now().Add(100 * time.Millisecond)
	for _, p := range w.sas {
		if t, ok := p.sa.NextTimer(); ok && t.Before(d) {
			d = t
		}
	}
	if len(w.sas) == 0 {
		d = time.Now().Add(time.Millisecond)
	}
	return d
}

// startOne creates and starts one initiator SA.
func (w *worker) startOne() {
	w.started++
	c := w.cfg.SA
	c.Local, c.Remote = w.local, w.cfg.Target
	if c.LocalID.Type == wire.IDFQDN {
		w.seq++
		c.LocalID = ike.FQDNIdentity(fmt.Sprintf("s%d.w%d.%s", w.seq, w.id, c.LocalID.Data))
	}
	sa, err := ike.NewInitiator(&c, w.env)
	if err != nil {
		w.fail(fmt.Sprintf("config: %v", err))
		return
	}
	out, err := sa.Initiate()
	if err != nil {
		w.fail(fmt.Sprintf("initiate: %v", err))
		return
	}
	spiI, _ := sa.SPIs()
	w.sas[spiI] = &pending{sa: sa, cfg: &c, start: time.Now()}
	w.send(out)
}

// receive routes a response to its SA by the initiator SPI (RFC 7296
// section 3.1: the first 8 octets). A message from the NAT-T port starts
// with the non-ESP marker (RFC 3948 section 2.2), which is removed.
func (w *worker) receive(b []byte, from netip.AddrPort) {
	b, ok := w.ikeMessage(b, from)
	if !ok {
		return
	}
	p := w.sas[binary.BigEndian.Uint64(b)]
	if p == nil {
		return
	}
	w.send(p.sa.HandleDatagram(b, w.local, from))
	w.settle(binary.BigEndian.Uint64(b), p)
}

// serveHeld answers the responder's requests to the held SAs (DPD,
// rekeys, deletes: RFC 7296 section 1.4) until the socket is closed, so
// that a responder with DPD keeps them; an SA the responder deleted is
// forgotten.
func (w *worker) serveHeld() {
	w.conn.SetReadDeadline(time.Time{})
	buf := make([]byte, 65536)
	for {
		m, from, err := w.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if from.Addr().Unmap() != w.cfg.Target.Addr().Unmap() {
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		b, ok := w.ikeMessage(buf[:m], from)
		if !ok {
			continue
		}
		spi := binary.BigEndian.Uint64(b)
		sa := w.held[spi]
		if sa == nil {
			continue
		}
		w.send(sa.HandleDatagram(b, w.local, from))
		if st := sa.State(); st == ike.StateDeleted || st == ike.StateFailed {
			delete(w.held, spi)
		}
	}
}

// ikeMessage returns the IKE message of a datagram from the responder:
// from the NAT-T port without its non-ESP marker (RFC 3948 section 2.2),
// and long enough for an IKE header (RFC 7296 section 3.1).
func (w *worker) ikeMessage(b []byte, from netip.AddrPort) ([]byte, bool) {
	if from.Port() != w.cfg.Target.Port() {
		if !bytes.HasPrefix(b, wire.NonESPMarker[:]) {
			return nil, false
		}
		b = b[len(wire.NonESPMarker):]
	}
	return b, len(b) >= 28
}

// tick runs the expired timers.
func (w *worker) tick() {
	now := time.Now()
	for spi, p := range w.sas {
		if t, ok := p.sa.NextTimer(); ok && !t.After(now) {
			w.send(p.sa.Tick(now))
			w.settle(spi, p)
		}
	}
}

// settle records an SA that is established (with its CHILD SA) or failed.
func (w *worker) settle(spi uint64, p *pending) {
	switch p.sa.State() {
	case ike.StateEstablished:
		if len(p.sa.ChildSAs()) == 0 && p.sa.ChildErr() == nil {
			return
		}
		delete(w.sas, spi)
		w.last = time.Now()
		if err := p.sa.ChildErr(); err != nil {
			w.fail(fmt.Sprintf("child: %v", err))
			return
		}
		w.latencies = append(w.latencies, w.last.Sub(p.start))
		if w.cfg.Hold {
			w.held[spi] = p.sa
		}
	case ike.StateFailed, ike.StateDeleted:
		delete(w.sas, spi)
		w.last = time.Now()
		reason := "deleted"
		if err := p.sa.Err(); err != nil {
			reason = err.Error()
		}
		w.fail(reason)
	}
}

func (w *worker) fail(reason string) { w.failures[reason]++ }

// send writes the datagrams an SA produced, only to the target's address
// whatever an SA asks for; to another port than the target's (the NAT-T
// port after a float) with the non-ESP marker.
func (w *worker) send(out []ike.Datagram) {
	for _, d := range out {
		if d.To.Addr().Unmap() != w.cfg.Target.Addr().Unmap() {
			continue
		}
		data := d.Data
		if d.To.Port() != w.cfg.Target.Port() {
			data = wire.AppendNonESPMarker(nil)
			data = append(data, d.Data...)
		}
		w.conn.WriteToUDPAddrPort(data, d.To)
	}
}
