// Package userspace is the data plane for hosts whose kernel cannot do ESP:
// one TUN device per tunnel interface, ESP (RFC 4303) done in Go by
// engine/esp, and the ESP packets sent as raw IP protocol 50 or inside UDP
// on the NAT-T port (RFC 3948).
//
// The packet path is batched in the wireguard-go manner. Each tunnel has a
// goroutine that reads batches of inner packets from its TUN device (the
// segments of one offloaded TCP super-packet come in one read),
// encapsulates each in place with the tunnel's sending CHILD SA, and sends
// the batch with one sendmmsg(2) on the raw ESP socket, or packet by packet
// through the IKE NAT-T socket. Inbound ESP arrives on the raw ESP sockets,
// read by one goroutine per address family with recvmmsg(2), or,
// UDP-encapsulated, from the IKE transport through [Backend.HandleESP]; it
// is matched to its SA by SPI, decapsulated in place, checked against the
// SA's traffic selectors and written to the SA's TUN device, a batch per
// tunnel in one call (which lets the device coalesce TCP segments). Bad
// packets are counted and dropped. Per-SA order is kept (one goroutine per
// direction and socket), and the steady-state packet path does not
// allocate.
//
// Interfaces are route-based tunnels (VTI): the CHILD SAs carry 0.0.0.0/0
// (or ::/0) and the routes decide what enters a tunnel. Addresses, MTU,
// state, VRF and routes of the TUN devices are set through
// engine/dataplane/netdev.
package userspace

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/netdev"
	"github.com/flexvpnd/flexvpnd/engine/esp"
	"golang.zx2c4.com/wireguard/tun"
)

// DefaultMTU is the MTU of a tunnel whose Tunnel.MTU is 0: 1500 less room
// for the outer IPv6 header, UDP encapsulation and the largest ESP overhead
// of AES-CBC with HMAC-SHA-512.
const DefaultMTU = 1400

// MaxMTU is the largest tunnel MTU; the receive buffers of the raw ESP
// sockets are sized for it.
const MaxMTU = 9000

// DefaultReplayWindow is the anti-replay window (RFC 4303 section 3.4.3)
// used when Config.ReplayWindow is 0: the IOS default of 64 packets.
const DefaultReplayWindow = 64

// Config configures a Backend.
type Config struct {
	// NetNS is the path of the network namespace (such as
	// /run/netns/NAME) in which the TUN devices, their routes and the raw
	// ESP sockets live; empty means the namespace of the thread calling
	// New.
	NetNS string
	// SendUDP sends an ESP packet inside UDP from local to remote without
	// the non-ESP marker (RFC 3948 section 2.1), from the IKE NAT-T
	// socket: the IKE transport's Listener.SendESP. It may be nil when no
	// SA uses UDP encapsulation. It must not keep the packet.
	SendUDP func(local, remote netip.AddrPort, packet []byte) error
	// NoRawESP disables the raw ESP sockets: only UDP-encapsulated SAs
	// can then be installed.
	NoRawESP bool
	// ReplayWindow is the inbound replay window in packets
	// (esp.MinReplayWindow..esp.MaxReplayWindow); 0 means
	// DefaultReplayWindow.
	ReplayWindow int
	// Logger receives the backend's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Backend is the userspace data plane. It implements dataplane.Dataplane,
// dataplane.Tunnels and dataplane.Stats, and its HandleESP method is the
// ESP handler of the IKE transport's NAT-T sockets.
type Backend struct {
	cfg  Config
	log  *slog.Logger
	nd   *netdev.Handle
	raw4 *rawSocket // nil when unavailable
	raw6 *rawSocket
	// openTUN opens a tunnel's device: createTUN, or a fake in tests.
	openTUN func(name string, mtu int) (tun.Device, error)
	// grace is dataplane.DeleteGrace, or shorter in tests.
	grace time.Duration

	mu      sync.Mutex // guards the fields below, and writes to sas
	sas     saTable
	tunnels map[uint32]*tunnel
	closed  bool

	rxPool  sync.Pool // *rx for HandleESP
	readers sync.WaitGroup
	stats   counters
}

// Stats are the backend's counters for packets that no SA accounts for.
type Stats struct {
	// UnknownSPI counts inbound ESP packets with no installed SA.
	UnknownSPI uint64
	// Malformed counts inbound datagrams too short for ESP or with a bad
	// outer header.
	Malformed uint64
	// NoSA counts outbound packets read from a tunnel without an SA.
	NoSA uint64
	// ReadErrors counts failed reads of TUN devices and raw sockets.
	ReadErrors uint64
}

// counters are the live Stats.
type counters struct {
	unknownSPI, malformed, noSA, readErrors atomic.Uint64
}

// New opens the raw ESP sockets (unless cfg.NoRawESP; a socket that cannot
// be opened, for want of CAP_NET_RAW, is logged and left out) and a netlink
// handle in cfg.NetNS. Close releases them.
func New(cfg Config) (*Backend, error) {
	if cfg.ReplayWindow == 0 {
		cfg.ReplayWindow = DefaultReplayWindow
	}
	if cfg.ReplayWindow < esp.MinReplayWindow || cfg.ReplayWindow > esp.MaxReplayWindow {
		return nil, fmt.Errorf("userspace: replay window %d outside %d..%d", cfg.ReplayWindow, esp.MinReplayWindow, esp.MaxReplayWindow)
	}
	b := &Backend{cfg: cfg, log: cfg.Logger, tunnels: make(map[uint32]*tunnel), grace: dataplane.DeleteGrace}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.rxPool.New = func() any { return newRx(1) }
	b.openTUN = b.createTUN
	nd, err := netdev.Open(cfg.NetNS)
	if err != nil {
		return nil, fmt.Errorf("userspace: %w", err)
	}
	b.nd = nd
	if !cfg.NoRawESP {
		b.openRaw()
	}
	return b, nil
}

// openRaw opens and starts reading the raw ESP sockets it can.
func (b *Backend) openRaw() {
	for _, v6 := range []bool{false, true} {
		var s *rawSocket
		err := inNetns(b.cfg.NetNS, func() (err error) {
			s, err = openRaw(v6)
			return err
		})
		if err != nil {
			b.log.Warn("userspace data plane: plain ESP unavailable, UDP encapsulation only", "err", err)
			continue
		}
		if v6 {
			b.raw6 = s
		} else {
			b.raw4 = s
		}
		b.readers.Add(1)
		go b.readRaw(s)
	}
}

// Close removes every tunnel (its TUN device, and so its addresses and
// routes), closes the sockets and waits for the goroutines to end.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	tunnels := b.tunnels
	b.tunnels = nil
	b.mu.Unlock()
	var errs []error
	for _, t := range tunnels {
		errs = append(errs, t.close())
	}
	for _, s := range []*rawSocket{b.raw4, b.raw6} {
		if s != nil {
			errs = append(errs, s.close())
		}
	}
	b.readers.Wait()
	b.nd.Close()
	return errors.Join(errs...)
}

// Stats returns a snapshot of the backend-wide counters.
func (b *Backend) Stats() Stats {
	return Stats{
		UnknownSPI: b.stats.unknownSPI.Load(),
		Malformed:  b.stats.malformed.Load(),
		NoSA:       b.stats.noSA.Load(),
		ReadErrors: b.stats.readErrors.Load(),
	}
}

// errClosed is returned by the methods of a closed Backend.
var errClosed = errors.New("userspace: data plane closed")

// InstallChildSA installs both directions of sa; see dataplane.Dataplane.
// The SA must belong to a tunnel (TunnelID non-zero); if that tunnel is not
// ensured yet, the SA waits for it. The SA of a tunnel activated last
// sends: a rekeyed SA takes over the outbound traffic as soon as it is
// installed (or, with OutboundPending, activated), and the old one keeps
// decrypting until it is deleted.
func (b *Backend) InstallChildSA(sa dataplane.ChildSA) error {
	if sa.TunnelID == 0 {
		return fmt.Errorf("userspace: %v: policy-based SAs are not supported, only tunnel interfaces", sa.ID())
	}
	s, err := newChildSA(&sa, b.cfg.ReplayWindow)
	if err != nil {
		return err
	}
	switch {
	case sa.Encap.Enabled() && b.cfg.SendUDP == nil:
		return fmt.Errorf("userspace: %v: UDP encapsulation without a NAT-T socket", sa.ID())
	case !sa.Encap.Enabled() && b.rawFor(s) == nil:
		return fmt.Errorf("userspace: %v: plain ESP needs a raw ESP socket, unavailable; UDP encapsulation only", sa.ID())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errClosed
	}
	if err := b.sas.add(s); err != nil {
		return err
	}
	t := b.tunnels[sa.TunnelID]
	if t != nil {
		s.tun.Store(t)
	}
	if !sa.OutboundPending {
		b.activate(s, t)
	}
	return nil
}

// ActivateOutbound makes a CHILD SA installed with OutboundPending the one
// that sends on its tunnel; see dataplane.Dataplane. An SA active already
// is left as it is.
func (b *Backend) ActivateOutbound(id dataplane.ChildSAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sas.byID[id]
	if s == nil {
		return fmt.Errorf("userspace: activate %v: not installed", id)
	}
	if s.seq == 0 {
		b.activate(s, b.tunnels[id.TunnelID])
	}
	return nil
}

// activate makes s the newest active SA of its tunnel t (nil while the
// tunnel is not ensured) and moves t's outbound traffic to it. b.mu is
// held.
func (b *Backend) activate(s *childSA, t *tunnel) {
	b.sas.activate(s)
	if t != nil {
		t.out.Store(s)
	}
}

// DeleteChildSA removes both directions of an installed SA; the tunnel's
// remaining active SA activated last, if any, takes over its outbound
// traffic. Inbound packets still queued for the SA are decrypted for
// dataplane.DeleteGrace (see saTable.dying).
func (b *Backend) DeleteChildSA(id dataplane.ChildSAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.sas.remove(id)
	if err != nil {
		return err
	}
	if t := b.tunnels[id.TunnelID]; t != nil && t.out.Load() == s {
		t.out.Store(b.sas.newest(id.TunnelID))
	}
	if b.grace == 0 {
		b.sas.purge(s)
		return nil
	}
	time.AfterFunc(b.grace, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.sas.purge(s)
	})
	return nil
}

// ChildSAStats returns the counters of an installed SA.
func (b *Backend) ChildSAStats(id dataplane.ChildSAID) (dataplane.Counters, bool) {
	b.mu.Lock()
	s := b.sas.byID[id]
	b.mu.Unlock()
	if s == nil {
		return dataplane.Counters{}, false
	}
	return s.counters(), true
}

// rawFor returns the raw socket of s's address family, nil if there is none.
func (b *Backend) rawFor(s *childSA) *rawSocket {
	if s.udpRemote.Addr().Is4() {
		return b.raw4
	}
	return b.raw6
}

// Interface checks.
var (
	_ dataplane.Dataplane = (*Backend)(nil)
	_ dataplane.Tunnels   = (*Backend)(nil)
	_ dataplane.Stats     = (*Backend)(nil)
)

// isClosed reports whether err comes from a closed file or socket.
func isClosed(err error) bool {
	return errors.Is(err, os.ErrClosed)
}
