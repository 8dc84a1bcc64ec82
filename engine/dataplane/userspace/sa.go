package userspace

import (
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/esp"
)

// IKEv2 transform IDs (RFC 7296 section 3.3.2, IANA "IKEv2 Parameters")
// that engine/esp implements.
const (
	encrAESCBC            = 12 // RFC 3602
	encrAESGCM16          = 20 // RFC 4106, 16-octet ICV
	encrChaCha20Poly1305  = 28 // RFC 7634
	integHMACSHA1_96      = 2  // RFC 2404
	integHMACSHA2_256_128 = 12 // RFC 4868
	integHMACSHA2_384_192 = 13
	integHMACSHA2_512_256 = 14
)

// ciphers and integs map the transform IDs to engine/esp's transforms.
var (
	ciphers = map[uint16]esp.Cipher{
		encrAESCBC:           esp.AESCBC,
		encrAESGCM16:         esp.AESGCM16,
		encrChaCha20Poly1305: esp.ChaCha20Poly1305,
	}
	integs = map[uint16]esp.Integrity{
		0:                     esp.IntegrityNone,
		integHMACSHA1_96:      esp.HMACSHA1_96,
		integHMACSHA2_256_128: esp.HMACSHA256_128,
		integHMACSHA2_384_192: esp.HMACSHA384_192,
		integHMACSHA2_512_256: esp.HMACSHA512_256,
	}
)

// childSA is one installed CHILD SA: both ESP directions, the tunnel it
// carries and its drop counters beyond engine/esp's own.
type childSA struct {
	id dataplane.ChildSAID
	// seq is the order of the SA's outbound activation, 0 while
	// pending (dataplane.ChildSA.OutboundPending): the active SA of a
	// tunnel activated last sends. Guarded by Backend.mu.
	seq   uint64
	in    *esp.Inbound
	out   *esp.Outbound
	encap dataplane.UDPEncap
	// remoteTS are the selectors inner source addresses must match
	// (RFC 4301 section 5.2, step 4 of inbound processing).
	remoteTS []dataplane.TrafficSelector
	// udpLocal and udpRemote are the ESP-in-UDP endpoints; rawDst is the
	// destination of plain ESP, built once so that sending does not
	// allocate.
	udpLocal, udpRemote netip.AddrPort
	rawDst              *sockaddr
	// tun is the tunnel the SA belongs to while it exists.
	tun atomic.Pointer[tunnel]

	otherDrops, outDrops atomic.Uint64
}

// newChildSA keys both directions of sa.
func newChildSA(sa *dataplane.ChildSA, replayWindow int) (*childSA, error) {
	c, ok := ciphers[sa.Algorithms.Encr]
	if !ok {
		return nil, fmt.Errorf("userspace: %v: encryption transform %d not supported", sa.ID(), sa.Algorithms.Encr)
	}
	integ, ok := integs[sa.Algorithms.Integ]
	if !ok {
		return nil, fmt.Errorf("userspace: %v: integrity transform %d not supported", sa.ID(), sa.Algorithms.Integ)
	}
	if !sa.Local.IsValid() || !sa.Remote.IsValid() || sa.Local.Is4() != sa.Remote.Is4() {
		return nil, fmt.Errorf("userspace: %v: tunnel endpoints must be two addresses of one family", sa.ID())
	}
	cfg := func(d dataplane.Direction) esp.Config {
		return esp.Config{SPI: d.SPI, Cipher: c, Integrity: integ, EncKey: d.EncrKey, IntegKey: d.IntegKey,
			ESN: sa.Algorithms.ESN, ReplayWindow: replayWindow, Mode: esp.Tunnel}
	}
	in, err := esp.NewInbound(cfg(sa.In))
	if err != nil {
		return nil, fmt.Errorf("userspace: %v: inbound: %w", sa.ID(), err)
	}
	out, err := esp.NewOutbound(cfg(sa.Out))
	if err != nil {
		return nil, fmt.Errorf("userspace: %v: outbound: %w", sa.ID(), err)
	}
	s := &childSA{
		id: sa.ID(), in: in, out: out, encap: sa.Encap,
		remoteTS:  append([]dataplane.TrafficSelector(nil), sa.RemoteTS...),
		udpLocal:  netip.AddrPortFrom(sa.Local.Unmap(), sa.Encap.LocalPort),
		udpRemote: netip.AddrPortFrom(sa.Remote.Unmap(), sa.Encap.RemotePort),
	}
	s.rawDst = newSockaddr(sa.Remote)
	return s, nil
}

// counters merges engine/esp's counters with the SA's own.
func (s *childSA) counters() dataplane.Counters {
	in, out := s.in.Counters(), s.out.Counters()
	return dataplane.Counters{
		OutPackets: out.Packets, OutBytes: out.Bytes,
		InPackets: in.Packets, InBytes: in.Bytes,
		ReplayDrops: in.ReplayDrops, AuthFailures: in.AuthFailures,
		OtherDrops: in.Malformed + s.otherDrops.Load(),
		OutDrops:   s.outDrops.Load(),
	}
}

// allowsSource reports whether the inner source address src matches one of
// the SA's remote traffic selectors (any address when there are none).
// Protocol and ports are not checked: route-based tunnels negotiate
// 0.0.0.0/0 and ::/0.
func (s *childSA) allowsSource(src netip.Addr) bool {
	if len(s.remoteTS) == 0 {
		return true
	}
	for i := range s.remoteTS {
		ts := &s.remoteTS[i]
		if ts.StartAddr.BitLen() == src.BitLen() && ts.StartAddr.Compare(src) <= 0 && src.Compare(ts.EndAddr) <= 0 {
			return true
		}
	}
	return false
}

// saTable is the set of installed SAs. Writers hold Backend.mu; the packet
// path reads the inbound index without locks (it is replaced, never
// modified, on every change).
type saTable struct {
	byID map[dataplane.ChildSAID]*childSA
	// dying are the SAs deleted less than dataplane.DeleteGrace ago, by
	// inbound SPI: still in the inbound index, nowhere else. ESP arrives
	// on the raw or NAT-T sockets, read by goroutines of their own, while
	// the Delete exchange that removes an SA arrives on the IKE socket:
	// the packets the peer sent on a rekeyed SA before its Delete
	// request, or before answering ours, may still wait in a socket
	// buffer when DeleteChildSA is called.
	dying  map[uint32]*childSA
	bySPI  atomic.Pointer[map[uint32]*childSA] // inbound SPI → SA
	serial uint64
}

// lookup returns the SA whose inbound SPI is spi.
func (t *saTable) lookup(spi uint32) *childSA {
	if m := t.bySPI.Load(); m != nil {
		return (*m)[spi]
	}
	return nil
}

// add installs s; it fails if its ID or its inbound SPI is taken (an
// outbound SPI is the peer's choice and may repeat across peers).
func (t *saTable) add(s *childSA) error {
	if _, dup := t.byID[s.id]; dup {
		return fmt.Errorf("userspace: %v: already installed", s.id)
	}
	if old := t.lookup(s.id.InSPI); old != nil && t.dying[s.id.InSPI] != old {
		return fmt.Errorf("userspace: %v: inbound SPI %08x already installed", s.id, s.id.InSPI)
	}
	delete(t.dying, s.id.InSPI) // the new SA takes the SPI over
	if t.byID == nil {
		t.byID = make(map[dataplane.ChildSAID]*childSA)
	}
	t.byID[s.id] = s
	t.publish()
	return nil
}

// activate makes s the newest active SA of its tunnel.
func (t *saTable) activate(s *childSA) {
	t.serial++
	s.seq = t.serial
}

// remove uninstalls the SA id and returns it; it keeps decrypting until
// purge.
func (t *saTable) remove(id dataplane.ChildSAID) (*childSA, error) {
	s, ok := t.byID[id]
	if !ok {
		return nil, fmt.Errorf("userspace: %v: not installed", id)
	}
	delete(t.byID, id)
	if t.dying == nil {
		t.dying = make(map[uint32]*childSA)
	}
	t.dying[id.InSPI] = s
	t.publish()
	return s, nil
}

// purge drops s, removed earlier, from the inbound index unless an SA
// installed since took its SPI over, and detaches it from its tunnel.
func (t *saTable) purge(s *childSA) {
	s.tun.Store(nil)
	if t.dying[s.id.InSPI] == s {
		delete(t.dying, s.id.InSPI)
		t.publish()
	}
}

// publish rebuilds the inbound index.
func (t *saTable) publish() {
	m := make(map[uint32]*childSA, len(t.byID)+len(t.dying))
	for spi, s := range t.dying {
		m[spi] = s
	}
	for _, s := range t.byID {
		m[s.id.InSPI] = s
	}
	t.bySPI.Store(&m)
}

// newest returns the SA of tunnel id whose outbound direction was activated
// last, nil if it has none: the one that sends. Installing a rekeyed CHILD
// SA (or activating one installed pending) therefore moves outbound
// traffic to it at once, while the old SA keeps decrypting until it is
// deleted (make-before-break, RFC 7296 section 2.8).
func (t *saTable) newest(tunnelID uint32) *childSA {
	var best *childSA
	for _, s := range t.byID {
		if s.id.TunnelID == tunnelID && s.seq != 0 && (best == nil || s.seq > best.seq) {
			best = s
		}
	}
	return best
}

// ofTunnel returns the SAs of tunnel id, dying ones included.
func (t *saTable) ofTunnel(tunnelID uint32) []*childSA {
	var sas []*childSA
	for _, s := range t.byID {
		if s.id.TunnelID == tunnelID {
			sas = append(sas, s)
		}
	}
	for _, s := range t.dying {
		if s.id.TunnelID == tunnelID {
			sas = append(sas, s)
		}
	}
	return sas
}
