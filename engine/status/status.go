// Package status holds the read-only snapshot of what the engine runs: IKE
// SAs with their CHILD SAs and counters, and tunnel interfaces. The engine
// produces it; the show and clear commands in modes read it. It is plain
// values, with no behaviour, so that the CLI never reaches into engine state.
package status

import (
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/pool"
)

// Snapshot is the engine's state at one instant.
type Snapshot struct {
	// Time is when the snapshot was taken; active times are measured
	// against it.
	Time time.Time
	// IKESAs are the IKE SAs, in order of creation.
	IKESAs []IKESA
	// Tunnels are the tunnel interfaces (TunnelN, Virtual-AccessN), in
	// IOS interface order.
	Tunnels []Tunnel
	// Links are the host's other network interfaces (physical and Linux
	// ones, by their Linux names), as `show ip interface brief` lists
	// them.
	Links []Link
	// Stats are the IKE counters since the engine started.
	Stats IKEStats
	// Pools are the local pools and their leases (`show ip local
	// pool`).
	Pools pool.Status
}

// IKEStats are the IKE counters of `show crypto ikev2 stats`. A request
// is an IKE_SA_INIT request (a new IKE SA); Incoming ones come from peers,
// Outgoing ones are this side's.
type IKEStats struct {
	// MaxSAs and MaxInNego are the limits on IKE SAs and on IKE SAs
	// being negotiated (0: none).
	MaxSAs, MaxInNego int
	// InRequests were received, InAccepted answered and InRejected
	// refused; OutRequests were sent, OutAccepted answered with an SA and
	// OutRejected refused by the peer.
	InRequests, InAccepted, InRejected    uint64
	OutRequests, OutAccepted, OutRejected uint64
	// RejectedLowResources and RejectedSALimit count requests refused
	// for lack of memory and for the SA limits.
	RejectedLowResources, RejectedSALimit uint64
	// Dropped counts IKE packets dropped before reaching an SA
	// (malformed, unknown SPI).
	Dropped uint64
	// Cookie counters (RFC 7296 section 2.6): requests challenged with
	// a COOKIE, accepted with a valid one, rejected with a wrong one, and
	// rejected for lacking one.
	CookieChallenged, CookieAccepted, CookieRejected, CookieMissing uint64
}

// Link is one network interface of the host that is not a tunnel.
type Link struct {
	// Name is the Linux interface name ("eth0").
	Name string
	// Addrs are the interface addresses.
	Addrs []netip.Prefix
	// AdminUp reports the interface administratively up; OperUp that it
	// carries traffic (carrier present).
	AdminUp, OperUp bool
}

// IKESA is one IKE SA, as `show crypto ikev2 sa detailed` and `show crypto
// session detail` report it.
type IKESA struct {
	// ConnID is the "Tunnel-id" column of `show crypto ikev2 sa` (IOS's
	// connection id, unique among current SAs); SessionID the crypto
	// session it belongs to.
	ConnID, SessionID int
	// Local and Remote are the IKE endpoints (port 4500 once NAT-T
	// floated).
	Local, Remote netip.AddrPort
	// FVRF and IVRF are the front-door and inside VRFs, "" for none.
	FVRF, IVRF string
	// State is the IOS status column: "READY", "IN-NEG", "DELETE".
	State string
	// Description is the `Status Description` line ("Negotiation done").
	Description string
	// Initiator reports that this side initiated the SA.
	Initiator bool
	// Profile is the crypto ikev2 profile in use; Interface the tunnel
	// ("Tunnel0", "Virtual-Access1"), "" when none.
	Profile, Interface string
	// Encr ("AES-CBC", "AES-GCM", "CHACHA20-POLY1305"), KeyBits, PRF
	// ("SHA256"), Hash ("SHA256", "None" with an AEAD cipher) and DHGroup
	// are the negotiated IKE transforms in IOS spelling.
	Encr        string
	KeyBits     int
	PRF, Hash   string
	DHGroup     int
	AuthSign    string // "PSK"
	AuthVerify  string // "PSK"
	Lifetime    time.Duration
	Established time.Time // zero while negotiating
	// LocalSPI and RemoteSPI are this side's and the peer's IKE SPIs.
	LocalSPI, RemoteSPI uint64
	// LocalID and RemoteID are the identities, rendered as IOS does
	// (address, FQDN, email, key-id).
	LocalID, RemoteID string
	// Message IDs: the next request this side sends and the next one it
	// expects from the peer; windows sizes.
	LocalNextMsgID, RemoteNextMsgID uint32
	LocalWindow, RemoteWindow       int
	// DPDInterval and DPDRetries are the configured dead peer detection
	// (0 when not configured).
	DPDInterval time.Duration
	DPDRetries  int
	// NATLocal and NATRemote report a NAT in front of this side or the
	// peer.
	NATLocal, NATRemote bool
	// AssignedAddr is the address assigned to the peer by config mode,
	// or to this side when it is the client; invalid when none.
	AssignedAddr netip.Addr
	// RemoteSubnets are the routes the peer announced through config
	// mode (the `Remote subnets:` of show crypto ikev2 sa detailed).
	RemoteSubnets []netip.Prefix
	// Children are the IPsec (CHILD) SAs.
	Children []ChildSA
}

// ChildSA is one CHILD SA, both directions, as `show crypto ipsec sa`
// reports it.
type ChildSA struct {
	// InSPI and OutSPI are the inbound and outbound ESP SPIs.
	InSPI, OutSPI uint32
	// LocalTS and RemoteTS are the protected networks (`local ident`,
	// `remote ident`).
	LocalTS, RemoteTS []netip.Prefix
	// Transform is the IOS transform text ("esp-gcm 256", "esp-256-aes
	// esp-sha256-hmac"); PFSGroup the DH group of the last rekey, 0 none.
	Transform string
	PFSGroup  int
	// Protocol is the IP protocol the traffic selectors are limited to
	// (47 for GRE), 0 for any (RFC 7296 section 3.13.1).
	Protocol uint8
	// Tunnel reports tunnel mode (IOS "Tunnel"), false for transport.
	Tunnel bool
	// Encap reports UDP encapsulation (RFC 3948, "Tunnel UDP-Encaps").
	Encap bool
	// Lifetime is the negotiated hard lifetime; Established when the
	// SA was installed.
	Lifetime    time.Duration
	Established time.Time
	// LifetimeKB is the volume lifetime in kilobytes (IOS `set
	// security-association lifetime kilobytes`), 0 when disabled.
	LifetimeKB uint64
	// ReplayWindow is the anti-replay window in packets, 0 when replay
	// detection is off (RFC 4303 section 3.4.3).
	ReplayWindow int
	// ConnID is the IOS crypto engine connection id of the outbound SA
	// (`conn id` of show crypto ipsec sa); the inbound SA's is ConnID+1.
	// 0 lets the show command number the SAs in order of creation.
	ConnID int
	// Counters from the data plane.
	OutPackets, OutBytes, InPackets, InBytes uint64
	ReplayDrops, AuthFailures, OtherDrops    uint64
	OutDrops                                 uint64
}

// Tunnel is one tunnel interface.
type Tunnel struct {
	// Name is the IOS name; IfName the Linux interface.
	Name, IfName string
	// Addrs are the interface addresses.
	Addrs []netip.Prefix
	// AdminUp is false after `shutdown`; ProtocolUp reports the line
	// protocol (up while an IPsec SA protects it).
	AdminUp, ProtocolUp bool
	// Source and Destination are the tunnel endpoints.
	Source, Destination netip.Addr
	// Profile is the protecting ipsec profile; Template the
	// Virtual-Template a Virtual-Access was cloned from.
	Profile, Template string
	// PathMTU is the MTU the tunnel's ESP packets may use and MTUIf the
	// interface it is taken from (`path mtu`, `ip mtu idb` of show crypto
	// ipsec sa): the underlay interface, or the tunnel itself when its ip
	// mtu is lower. 0 and "" when unknown.
	PathMTU int
	MTUIf   string
}

// Query selects the part of the engine's state a show command reads: a
// hub holding tens of thousands of sessions then builds only that part,
// and only for the SAs asked for.
type Query struct {
	// Remote, when valid, limits the IKE SAs to those whose remote
	// address is Remote (`show crypto ikev2 sa remote ADDR`).
	Remote netip.Addr
	// Parts are the parts of the Snapshot to fill in; the others stay
	// empty.
	Parts Parts
}

// Parts is a set of the parts of a Snapshot.
type Parts uint8

// The parts of a Snapshot.
const (
	// PartIKESAs are the IKE SAs, without their CHILD SAs.
	PartIKESAs Parts = 1 << iota
	// PartChildSAs are the CHILD SAs of the IKE SAs (with PartIKESAs).
	PartChildSAs
	// PartTunnels are the tunnel interfaces.
	PartTunnels
	// PartPools are the local pools.
	PartPools
	// PartStats are the IKE counters.
	PartStats
	// PartAll is the whole Snapshot.
	PartAll = PartIKESAs | PartChildSAs | PartTunnels | PartPools | PartStats
)

// Has reports whether p includes all of q.
func (p Parts) Has(q Parts) bool { return p&q == q }
