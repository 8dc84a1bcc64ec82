// Package dataplane defines the interface through which the IKEv2 engine
// programs IPsec SAs, and the value types it hands over. Backends (kernel
// XFRM, userspace ESP over TUN) implement Dataplane; the recording fake in
// dataplane/recording serves the protocol tests.
//
// The engine negotiates; the data plane only installs and deletes what it is
// given. A CHILD SA (RFC 7296 section 1.3, RFC 4301 section 4.1) is handed
// over as one ChildSA value holding both directions, so that a backend can
// install the pair atomically and route-based tunnels (VTI, if_id) see both
// or neither.
package dataplane

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Dataplane installs and removes the ESP SAs of CHILD SAs. Implementations
// must be safe for concurrent use: several IKE SA actors call them.
type Dataplane interface {
	// InstallChildSA installs both directions of an established CHILD SA.
	// It fails without side effects if either SPI is already installed.
	//
	// Outbound, the data plane sends each tunnel's traffic on the CHILD
	// SA whose outbound direction was activated last: a CHILD SA installed
	// without OutboundPending takes over the tunnel's outbound traffic
	// when InstallChildSA returns. With sa.OutboundPending, only the
	// inbound direction carries traffic at once; the tunnel keeps sending
	// on the SA it used before, until ActivateOutbound.
	InstallChildSA(sa ChildSA) error
	// ActivateOutbound moves the outbound traffic of the CHILD SA's tunnel
	// to a CHILD SA installed with OutboundPending: when it returns, the
	// data plane sends on it, as if it had just been installed without
	// OutboundPending. Activating a CHILD SA whose outbound direction is
	// active already does nothing; an unknown CHILD SA is an error.
	//
	// The responder of a CHILD SA rekey installs the new SA pending and
	// activates it once the rekey's initiator, which installed both
	// directions on the response, deletes the old one (RFC 7296 section
	// 2.8): neither side then sends on an SA that its peer cannot decrypt
	// yet.
	ActivateOutbound(id ChildSAID) error
	// DeleteChildSA removes both directions of a CHILD SA installed
	// earlier, pending or not; deleting an unknown CHILD SA is an error.
	// The tunnel's outbound traffic, if the SA carried it, moves to the
	// remaining active SA of the tunnel activated last. The SA is gone at
	// once for counters and further calls, but a backend may go on
	// decrypting its inbound packets, and finish sending the packets
	// already bound to it, for DeleteGrace.
	DeleteChildSA(id ChildSAID) error
}

// DeleteGrace is how long a backend may keep a deleted CHILD SA working
// for the packets in flight. When a rekeyed SA is deleted, packets the peer
// sent on it just before can still be on their way or queued inside the
// data plane (asynchronous crypto in the kernel, socket buffers read by
// other goroutines in userspace): ESP and the IKE Delete exchange do not
// travel together. strongSwan waits 5 s (charon.delete_rekeyed_delay)
// before it deletes a rekeyed inbound SA for the same reason.
const DeleteGrace = 3 * time.Second

// Tunnels is implemented by data planes that own tunnel interfaces
// (TunnelN, Virtual-AccessN). The engine ensures each tunnel of the
// running-config, and each Virtual-Access of an established virtual-template
// session, before it installs the CHILD SAs that carry its traffic.
type Tunnels interface {
	// EnsureTunnel creates the tunnel interface or brings an existing one
	// (same ID) to t: name, addresses, MTU, state and routes. It is
	// idempotent; calling it again with the same value changes nothing.
	EnsureTunnel(t Tunnel) error
	// DeleteTunnel removes the tunnel interface with its addresses and
	// routes; deleting an unknown tunnel is not an error.
	DeleteTunnel(id uint32) error
}

// Loopbacks is implemented by data planes that put the addresses of the
// running-config's `interface LoopbackN` on the host: on a link of their
// own where the kernel can make one (a dummy link), otherwise on lo. Only
// the addresses they added are ever removed.
type Loopbacks interface {
	// EnsureLoopback puts l's addresses on the host, replacing those an
	// earlier call with the same name put there. It is idempotent.
	EnsureLoopback(l Loopback) error
	// DeleteLoopback removes what EnsureLoopback put on the host for the
	// loopback named name; an unknown name is not an error.
	DeleteLoopback(name string) error
}

// Loopback is an `interface LoopbackN` and its addresses.
type Loopback struct {
	// Name is the IOS interface name ("Loopback0").
	Name string
	// Addrs are its `ip address` and `ipv6 address` prefixes.
	Addrs []netip.Prefix
}

// Stats is implemented by data planes that count packets per CHILD SA.
type Stats interface {
	// ChildSAStats returns the counters of an installed CHILD SA, false if
	// it is not installed.
	ChildSAStats(id ChildSAID) (Counters, bool)
}

// Resyncer is implemented by data planes whose state lives in the kernel
// (links, addresses, routes, SAs, policies), where an administrator or
// another program can change it behind their back (`ip link del`, `ip
// xfrm state flush`, `ip route del`...). The engine calls Resync
// periodically (every DefaultResyncInterval unless configured otherwise).
type Resyncer interface {
	// Resync brings back what the data plane installed and was changed
	// behind its back: it re-creates what is missing and restores what
	// differs from what it was last asked for, logs every repair at
	// Warn, and returns the number of repairs. It leaves alone state
	// that is not its own. It stops early, with ctx's error, when ctx
	// ends.
	Resync(ctx context.Context) (repairs int, err error)
}

// DefaultResyncInterval is how often the engine resynchronises a
// Resyncer by default.
const DefaultResyncInterval = 30 * time.Second

// Tunnel is a route-based tunnel interface: a static VTI (`interface
// TunnelN`) or a Virtual-Access cloned from a Virtual-Template for one
// session.
type Tunnel struct {
	// ID is the tunnel's identifier, the TunnelID of its CHILD SAs (the
	// if_id of an XFRM interface); never 0.
	ID uint32
	// Name is the IOS interface name ("Tunnel0", "Virtual-Access3");
	// IfName is the Linux interface name (at most 15 bytes), chosen by
	// the engine (see LinuxName).
	Name, IfName string
	// Addrs are the interface addresses (`ip address`, `ipv6 address`, or
	// the borrowed address of `ip unnumbered`).
	Addrs []netip.Prefix
	// MTU is the interface MTU in bytes; 0 leaves the backend's default.
	MTU int
	// Up is false when the interface is shut down (`shutdown`).
	Up bool
	// VRF is the Linux VRF device the interface is enslaved to (`vrf
	// forwarding NAME`, `ip vrf forwarding NAME`); empty for the global
	// table.
	VRF string
	// Local and Remote are the outer endpoints (`tunnel source`,
	// `tunnel destination`, or the peer of a Virtual-Access).
	Local, Remote netip.Addr
	// Routes are the routes through this interface.
	Routes []Route
}

// Route is a route through a tunnel interface.
type Route struct {
	// Prefix is the destination.
	Prefix netip.Prefix
	// Distance is the IOS administrative distance (1 for a static route),
	// installed as the Linux route metric.
	Distance uint8
	// Tag is the IOS route tag (`route accept any tag N`; 0: none). It is
	// kept in the engine's tables for show commands and not installed in
	// the kernel (a Linux route has no tag).
	Tag uint32
}

// LinuxName returns the Linux interface name of an IOS interface name: the
// name itself when it fits the 15 bytes of IFNAMSIZ, otherwise the IOS
// short form ("Virtual-Access123456" becomes "Vi123456").
func LinuxName(iosName string) string {
	if len(iosName) <= 15 {
		return iosName
	}
	i := strings.IndexAny(iosName, "0123456789")
	if i < 2 {
		return iosName[:15]
	}
	short := iosName[:2] + iosName[i:]
	return short[:min(len(short), 15)]
}

// Counters are the packet counters of one CHILD SA, both directions.
type Counters struct {
	// OutPackets and OutBytes count packets encapsulated (`#pkts encaps`).
	OutPackets, OutBytes uint64
	// InPackets and InBytes count packets decapsulated (`#pkts decaps`).
	InPackets, InBytes uint64
	// ReplayDrops, AuthFailures and OtherDrops count inbound packets
	// dropped (RFC 4303 section 3.4.3, 3.4.4).
	ReplayDrops, AuthFailures, OtherDrops uint64
	// OutDrops counts outbound packets that could not be sent.
	OutDrops uint64
}

// ChildSA is an established ESP CHILD SA, both directions (RFC 7296 section
// 2.17 for the keys, RFC 4303 for ESP).
type ChildSA struct {
	// TunnelID names the route-based tunnel interface the SA belongs to
	// (the if_id of an XFRM interface, or a TUN device); 0 means none.
	TunnelID uint32
	// Local and Remote are the outer (tunnel endpoint) addresses.
	Local, Remote netip.Addr
	// Algorithms are the negotiated ESP transforms.
	Algorithms Algorithms
	// In carries the traffic from Remote to Local: its SPI was chosen by
	// the local side. Out carries Local to Remote with the peer's SPI.
	In, Out Direction
	// LocalTS and RemoteTS are the negotiated traffic selectors: the
	// local and the remote side of the protected traffic.
	LocalTS, RemoteTS []TrafficSelector
	// Encap is the UDP encapsulation of the ESP packets (RFC 3948), used
	// when IKE detected a NAT (RFC 7296 section 2.23); zero means plain
	// ESP.
	Encap UDPEncap
	// OutboundPending installs the inbound direction only for traffic:
	// the data plane decrypts with In at once but sends nothing with Out
	// until Dataplane.ActivateOutbound names this SA.
	OutboundPending bool
}

// UDPEncap holds the UDP ports of ESP-in-UDP encapsulation (RFC 3948
// section 2.1): LocalPort is the source port of outbound packets and
// RemotePort their destination port. Both are zero without encapsulation.
type UDPEncap struct {
	LocalPort, RemotePort uint16
}

// Enabled reports whether ESP is UDP-encapsulated.
func (e UDPEncap) Enabled() bool { return e != UDPEncap{} }

// ID returns the identifier under which the SA is deleted.
func (sa *ChildSA) ID() ChildSAID {
	return ChildSAID{TunnelID: sa.TunnelID, Local: sa.Local, Remote: sa.Remote, InSPI: sa.In.SPI, OutSPI: sa.Out.SPI}
}

// ChildSAID identifies an installed CHILD SA.
type ChildSAID struct {
	TunnelID      uint32
	Local, Remote netip.Addr
	InSPI, OutSPI uint32
}

// String renders the ID as "tunnel 7 198.18.0.1<->198.18.0.2 in c0000001 out c0000002".
func (id ChildSAID) String() string {
	return fmt.Sprintf("tunnel %d %v<->%v in %08x out %08x", id.TunnelID, id.Local, id.Remote, id.InSPI, id.OutSPI)
}

// Algorithms are the ESP transforms of a CHILD SA, named by their IANA IKEv2
// transform IDs (RFC 7296 section 3.3.2), which ESP shares.
type Algorithms struct {
	// Encr is the encryption transform ID (12 AES-CBC, 20 AES-GCM-16,
	// 28 ChaCha20-Poly1305).
	Encr uint16
	// EncrKeyBits is the cipher key length in bits without the salt; 0
	// for ChaCha20-Poly1305.
	EncrKeyBits int
	// Integ is the integrity transform ID; 0 with a combined-mode cipher.
	Integ uint16
	// ESN reports extended sequence numbers (RFC 4303 section 2.2.1).
	ESN bool
}

// Direction is one ESP SA: its SPI (RFC 4303 section 2.1) and keys. EncrKey
// ends with the 4-octet salt for AES-GCM (RFC 4106 section 8.1) and
// ChaCha20-Poly1305 (RFC 7634 section 4); IntegKey is empty for them.
type Direction struct {
	SPI               uint32
	EncrKey, IntegKey []byte
}

// TrafficSelector is one traffic selector (RFC 7296 section 3.13.1): an
// address range, an IP protocol (0 for any) and a port range.
type TrafficSelector struct {
	StartAddr, EndAddr netip.Addr
	Protocol           uint8
	StartPort, EndPort uint16
}

// AnyIPv4 is 0.0.0.0/0, all protocols and ports: the selector of a
// route-based (VTI) tunnel on both sides.
var AnyIPv4 = TrafficSelector{
	StartAddr: netip.IPv4Unspecified(), EndAddr: netip.AddrFrom4([4]byte{255, 255, 255, 255}),
	EndPort: 0xFFFF,
}

// String renders the selector as strongSwan does, e.g. "0.0.0.0/0" or
// "10.0.0.1..10.0.0.9[tcp/80]".
func (ts TrafficSelector) String() string {
	s := fmt.Sprintf("%v..%v", ts.StartAddr, ts.EndAddr)
	for bits := 0; ts.StartAddr.IsValid() && bits <= ts.StartAddr.BitLen(); bits++ {
		if p := netip.PrefixFrom(ts.StartAddr, bits).Masked(); p.Addr() == ts.StartAddr && lastAddr(p) == ts.EndAddr {
			s = p.String()
			break
		}
	}
	if ts.Protocol != 0 || ts.StartPort != 0 || ts.EndPort != 0xFFFF {
		s += fmt.Sprintf("[%d/%d-%d]", ts.Protocol, ts.StartPort, ts.EndPort)
	}
	return s
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
