// Package spec holds the engine's desired state: the whole running-config
// compiled into plain values in which every name reference is resolved and
// the IOS smart defaults are applied. running-config produces a *Spec
// (runningconfig.Config.Compile); the engine diffs successive Specs and
// reconciles IKE SAs, CHILD SAs and tunnel interfaces to them. Nothing here
// knows about the CLI or the running-config model.
//
// The shape:
//
//	Spec
//	├── Policies []Policy         crypto ikev2 policy, IOS evaluation order, default last
//	│   └── Proposals []IKEProposal   IANA transform IDs (RFC 7296 section 3.3.2)
//	├── Profiles []*Profile       crypto ikev2 profile
//	│   ├── MatchIdentities / MatchLocal / MatchFVRF   responder selection
//	│   ├── LocalID, AuthLocal, AuthRemote
//	│   ├── Keyring *Keyring      shared by the profiles that name it
//	│   └── Lifetime, DPD, NATKeepalive, VirtualTemplate, IVRF, Authorization
//	├── Tunnels []Tunnel          interface TunnelN (static VTI, initiates)
//	│   └── Protection *IPsecProfile → ESP proposals, PFS, lifetimes, IKEv2 *Profile
//	├── Templates []Template      interface Virtual-Template N type tunnel (responds)
//	├── Loopbacks []Loopback      interface LoopbackN addresses, put on the host
//	├── Routes []Route            ip route / ipv6 route
//	├── Pools, Pools6             ip local pool / ipv6 local pool
//	├── Authorizations            crypto ikev2 authorization policy by name (authz.go)
//	└── Global                    crypto ikev2 cookie-challenge, limits, dpd, nat keepalive
//
// A Spec is an immutable snapshot: it shares no memory with the
// running-config, and the engine must not modify it. Pointers inside one
// Spec (a Tunnel's IPsecProfile.IKEv2 and a Profile's Keyring) point to
// values of the same Spec and may be shared by several users; compare
// Specs with reflect.DeepEqual or go-cmp, which follow them. Empty lists
// are nil, so compiling an unchanged configuration gives an equal Spec.
//
// Behaviour is limited to the IOS lookup rules the engine needs: policy
// choice (Spec.PolicyFor), responder profile choice (Spec.ProfileFor,
// Profile.Matches), identity matching (IdentityMatch.Matches), keyring
// lookup (Keyring.Lookup, Profile.PSKs), authorization policy choice
// (Spec.AuthorizationFor, NameMangler.Apply, Merge), and proposals as
// transform lists (IKEProposal.Transforms, IPsecProfile.ESPProposals).
//
// The package depends only on engine/ikev2/wire (IANA numbers), so that
// running-config, which compiles into it, does not depend on the IKE state
// machine. Its ID and Transform types have the layout of ike.Identity and
// ike.Transform: convert with ike.Identity(id), spec.ID(id) and
// ike.Transform(t).
package spec

import (
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Spec is the whole desired state of the appliance.
type Spec struct {
	// Hostname is the router name (`hostname`).
	Hostname string
	// Policies are the IKEv2 policies in IOS evaluation order: the
	// configured policies in configuration order, then the `default`
	// policy (the smart default unless removed) as the fallback. A policy
	// left without a complete proposal is dropped with a warning.
	Policies []Policy
	// Profiles are the IKEv2 profiles in configuration order.
	Profiles []*Profile
	// Tunnels are the static VTIs (`interface TunnelN` in tunnel mode
	// ipsec with a usable `tunnel protection`), by tunnel number.
	Tunnels []Tunnel
	// Templates are the `interface Virtual-Template N type tunnel`
	// interfaces with a usable protection, by number.
	Templates []Template
	// Loopbacks are the `interface LoopbackN` with static addresses and
	// not shut down, by number; the data plane puts their addresses on
	// the host.
	Loopbacks []Loopback
	// Routes are the static routes (`ip route`, `ipv6 route`).
	Routes []Route
	// Pools are the IPv4 local pools (`ip local pool`) in configuration
	// order; Pools6 the IPv6 ones (`ipv6 local pool`).
	Pools  []Pool
	Pools6 []Pool6
	// Authorizations are all the `crypto ikev2 authorization policy`
	// blocks by name, for the policies a name mangler selects per peer
	// (authz.go); nil when there are none.
	Authorizations map[string]*Authorization
	// Tracks are the tracked objects (`track N ...`) by number
	// (track.go).
	Tracks []Track
	// NameServers are the `ip name-server` addresses the engine resolves
	// host names with (none: the host's resolver).
	NameServers []netip.Addr
	// Global holds the global IKEv2 settings.
	Global Global
}

// Loopback is an `interface LoopbackN` and its static addresses.
type Loopback struct {
	// Name is the IOS interface name ("Loopback0").
	Name string
	// Addrs are the `ip address` (primary, then secondaries) and `ipv6
	// address` prefixes.
	Addrs []netip.Prefix
}

// Policy is a `crypto ikev2 policy`: which IKE proposals are offered and
// accepted for a local address and front-door VRF.
type Policy struct {
	// Name is the policy name ("default" for the smart default).
	Name string
	// MatchFVRF is `match fvrf`: "" for the global routing table (the
	// value of a policy without the line), AnyVRF, or a VRF name.
	MatchFVRF string
	// MatchLocal are the `match address local` addresses; empty matches
	// every local address. Several addresses are alternatives.
	MatchLocal []netip.Addr
	// Proposals are the complete proposals named by the policy, in the
	// configured order (the order of preference).
	Proposals []IKEProposal
}

// AnyVRF is the `match fvrf any` value: every front-door VRF.
const AnyVRF = "any"

// IKEProposal is a `crypto ikev2 proposal` in IANA transform IDs (RFC
// 7296 section 3.3.2). Several values of one type are alternatives, in
// order of preference. The compile only emits complete proposals: at least
// one cipher, PRF and DH group; either every cipher is combined-mode
// (AES-GCM, RFC 5282) and Integ is empty, or none is and Integ is not (an
// IOS proposal mixing both becomes two IKEProposals of the same name).
type IKEProposal struct {
	// Name is the proposal name ("default" for the smart default).
	Name string
	// Encr are the ciphers (`encryption`).
	Encr []Cipher
	// Integ are the integrity algorithms (`integrity`); empty with
	// AES-GCM.
	Integ []wire.IntegID
	// PRF are the pseudorandom functions (`prf`, or, as IOS does when the
	// line is absent, the PRF of each integrity algorithm).
	PRF []wire.PRFID
	// Groups are the Diffie-Hellman groups (`group`).
	Groups []wire.DHGroup
}

// Cipher is an encryption transform with its key length in bits (the Key
// Length attribute, RFC 7296 section 3.3.5; 0 for fixed-length ciphers).
type Cipher struct {
	ID      wire.EncrID
	KeyBits uint16
}

// Profile is a `crypto ikev2 profile`: how a peer is recognised and
// authenticated, and the IKE SA's parameters.
type Profile struct {
	// Name is the profile name.
	Name string
	// Description is the `description` text.
	Description string
	// MatchFVRF is `match fvrf`: "" (global table), AnyVRF or a VRF name.
	MatchFVRF string
	// MatchLocal are the `match address local` addresses, with those of
	// `match address local interface X` resolved from X's configuration;
	// MatchLocalIfaces are the interfaces whose addresses only the host
	// knows (a Linux interface, or one with a DHCP address). Both empty:
	// every local address matches.
	MatchLocal       []netip.Addr
	MatchLocalIfaces []string
	// MatchIdentities are the `match identity remote` lines; a profile
	// without any matches no peer as responder.
	MatchIdentities []IdentityMatch
	// LocalID is `identity local` (default: the local IKE address).
	LocalID Identity
	// AuthLocal is `authentication local` (Method "" when missing);
	// AuthRemote the `authentication remote` methods.
	AuthLocal  AuthMethod
	AuthRemote []AuthMethod
	// Keyring is the `keyring local NAME` keyring, nil when there is none
	// (or it names a keyring that does not exist, or is `keyring aaa`).
	Keyring *Keyring
	// Lifetime is the IKE SA lifetime (`lifetime`, default 86400 s).
	Lifetime time.Duration
	// DPD is the profile's `dpd`, or else the global `crypto ikev2 dpd`;
	// nil: dead peer detection is off.
	DPD *DPD
	// NATKeepalive is `nat keepalive`, or else the global `crypto ikev2
	// nat keepalive`; 0: off.
	NATKeepalive time.Duration
	// VirtualTemplate is the `virtual-template N` number (0: none): an
	// established session as responder clones Virtual-Template N into a
	// Virtual-Access interface.
	VirtualTemplate int
	// IVRF is `ivrf NAME`: the VRF of the tunnel interfaces it creates.
	IVRF string
	// ConfigExchange holds the `config-exchange` settings.
	ConfigExchange ConfigExchange
	// Authorization is the local authorization policy of `aaa
	// authorization group psk|eap|cert list LIST POLICY`, nil if none
	// (or if a name mangler or a user authorization makes it depend on
	// the peer: Spec.AuthorizationFor).
	Authorization *Authorization
	// AAA is the profile's group and user authorization (authz.go).
	AAA AAA
	// Shutdown is `shutdown`: the profile takes no new sessions.
	Shutdown bool
}

// ConfigExchange is the profile's configuration-payload behaviour (RFC
// 7296 section 3.15); each is on unless `no config-exchange ...`.
type ConfigExchange struct {
	// Request sends CFG_REQUEST; SetSend sends CFG_SET; SetAccept accepts
	// CFG_SET from the peer.
	Request, SetSend, SetAccept bool
}

// AuthMethod is an `authentication local|remote` method.
type AuthMethod struct {
	// Method is MethodPreShare, "rsa-sig", "ecdsa-sig", "eap" or
	// "anyconnect-eap"; the engine only acts on MethodPreShare.
	Method string
	// Key is the inline `pre-share key KEY` (nil: use the keyring).
	Key []byte
}

// MethodPreShare is the pre-shared key authentication method.
const MethodPreShare = "pre-share"

// DPD is a dead peer detection setting (`dpd INTERVAL RETRY MODE`).
type DPD struct {
	// Interval is the liveness interval; Retry the interval between
	// retries once a check went unanswered.
	Interval, Retry time.Duration
	// Periodic is the `periodic` mode: liveness checks every Interval.
	// Otherwise `on-demand`: a check only when traffic is sent and none
	// was received for Interval.
	Periodic bool
}

// Authorization is a resolved `crypto ikev2 authorization policy`: what a
// responder hands a peer in configuration payloads and the routes it
// pushes (RFC 7296 section 3.15).
type Authorization struct {
	// Name is the policy name.
	Name string
	// Pool are the address ranges of the IPv4 `pool` (`ip local pool`);
	// PoolName its name ("" when there is no usable pool).
	Pool     []AddrRange
	PoolName string
	// IPv6Pool is the `ipv6 pool` prefix and the length given per peer;
	// IPv6PoolName its name ("" when there is no usable pool).
	IPv6Pool     netip.Prefix
	IPv6PoolLen  int
	IPv6PoolName string
	// DNS, IPv6DNS and WINS are the server addresses.
	DNS, IPv6DNS, WINS []netip.Addr
	// Netmask is the INTERNAL_IP4_NETMASK (`netmask`), invalid if unset.
	Netmask netip.Addr
	// DefDomain is `def-domain`; Banner the `banner` text (its
	// delimiters removed); SplitDNS the `split-dns` domains.
	DefDomain string
	Banner    string
	SplitDNS  []string
	// RouteSetInterfaces are the interfaces of `route set interface
	// [IF]`; "" names the tunnel interface itself.
	RouteSetInterfaces []string
	// Routes are the prefixes pushed to the peer: the permit entries of
	// `route set access-list` and `route set remote`.
	Routes []netip.Prefix
	// AcceptRoutes reports whether routes from the peer are installed
	// (`route accept`, on unless `no route accept`); RouteDistance is
	// their administrative distance (default 2 in IOS; 0 here: not set).
	AcceptRoutes  bool
	RouteDistance int
	// RouteTag is the `route accept any tag N` tag of accepted routes
	// (0: none).
	RouteTag int
	// PFS is `pfs`; BackupGateways the `backup-gateway` names;
	// IncludeLocalLAN, SavePassword and SmartcardRemovalDisconnect the
	// remote-access client flags of those names.
	PFS                                                       bool
	BackupGateways                                            []string
	IncludeLocalLAN, SavePassword, SmartcardRemovalDisconnect bool
}

// Pool is an `ip local pool NAME`: its ranges in configuration order.
type Pool struct {
	Name   string
	Ranges []AddrRange
}

// Pool6 is an `ipv6 local pool NAME PREFIX LEN`: each peer gets a /LEN
// prefix carved from Prefix.
type Pool6 struct {
	Name      string
	Prefix    netip.Prefix
	AssignLen int
}

// AddrRange is an inclusive address range.
type AddrRange struct {
	First, Last netip.Addr
}

// IPsecProfile is a resolved `crypto ipsec profile`.
type IPsecProfile struct {
	// Name is the profile name ("default" for the smart default).
	Name string
	// Proposals are the ESP proposals, one per transform-set, in the
	// `set transform-set` order (the default transform-set when none is
	// named).
	Proposals []ESPProposal
	// PFS is the `set pfs` group; 0 when PFS is off.
	PFS wire.DHGroup
	// Lifetime and LifetimeKB are the CHILD SA lifetimes (`set
	// security-association lifetime`, else the global values, else 3600
	// s and 4608000 KB); LifetimeKB 0: no volume limit.
	Lifetime   time.Duration
	LifetimeKB uint64
	// ReplayWindow is the anti-replay window in packets (default 64); 0
	// when replay checking is disabled.
	ReplayWindow int
	// ResponderOnly is `responder-only`: never initiate.
	ResponderOnly bool
	// IKEv2 is the `set ikev2-profile` profile. It is never nil for a
	// Tunnel (a static VTI whose IPsec profile names none is left out with
	// a warning: IOS would use IKEv1). It may be nil for a Template, whose
	// sessions use the profile a responder selects (Spec.ProfileFor).
	IKEv2 *Profile
}

// ESPProposal is a `crypto ipsec transform-set` in IANA transform IDs.
type ESPProposal struct {
	// Name is the transform-set name.
	Name string
	// Encr is the cipher.
	Encr Cipher
	// Integ is the integrity algorithm; IntegNone with AES-GCM.
	Integ wire.IntegID
	// Transport is `mode transport` (the USE_TRANSPORT_MODE notify, RFC
	// 7296 section 1.3.1). A VTI carries its traffic in tunnel mode
	// whatever the transform-set says.
	Transport bool
}

// TunnelMode is the encapsulation of a tunnel interface (`tunnel mode
// ipsec ...`): the outer family and the inner families carried.
type TunnelMode uint8

// The tunnel modes.
const (
	// ModeIPsecIPv4 is `tunnel mode ipsec ipv4`: IPv4 over IPv4.
	ModeIPsecIPv4 TunnelMode = iota + 1
	// ModeIPsecIPv4V6Overlay is `ipsec ipv4 v6-overlay`: IPv6 over IPv4.
	ModeIPsecIPv4V6Overlay
	// ModeIPsecIPv6 is `ipsec ipv6`: IPv6 over IPv6.
	ModeIPsecIPv6
	// ModeIPsecIPv6V4Overlay is `ipsec ipv6 v4-overlay`: IPv4 over IPv6.
	ModeIPsecIPv6V4Overlay
	// ModeIPsecDualOverlay is `ipsec dual-overlay`: IPv4 and IPv6 over
	// IPv4 or IPv6.
	ModeIPsecDualOverlay
)

// Interface is what a static VTI and a virtual template have in common.
type Interface struct {
	// Name is the IOS name ("Tunnel0", "Virtual-Template1"); Number its
	// number.
	Name   string
	Number int
	// Description is the `description` text.
	Description string
	// Addrs are the interface addresses: `ip address` (primary first,
	// then secondaries), `ipv6 address` prefixes, or the IPv4 addresses
	// of the `ip unnumbered` interface.
	Addrs []netip.Prefix
	// Unnumbered is the `ip unnumbered` interface ("" if none).
	Unnumbered string
	// Negotiated is `ip address negotiated`: the address comes from the
	// peer in a configuration payload.
	Negotiated bool
	// Source is the `tunnel source` address, or the address of the
	// `tunnel source` interface when the config gives it; invalid when
	// the host must resolve SourceIface, or when there is no source.
	Source netip.Addr
	// SourceIface is the `tunnel source` interface ("" for an address).
	SourceIface string
	// Mode is the `tunnel mode ipsec ...` encapsulation.
	Mode TunnelMode
	// Protection is the resolved `tunnel protection ipsec profile`.
	Protection *IPsecProfile
	// Shutdown is `shutdown`.
	Shutdown bool
	// VRF is `vrf forwarding` (the inner VRF); TunnelVRF is `tunnel vrf`
	// (the front-door VRF of the outer packets). "" is the global table.
	VRF, TunnelVRF string
	// MTU is `ip mtu` and IPv6MTU `ipv6 mtu` (0: default).
	MTU, IPv6MTU int
	// AdjustMSS is `ip tcp adjust-mss` (0: off).
	AdjustMSS int
	// DFBit is `crypto ipsec df-bit` of the interface, else the global
	// one: "clear", "set" or "copy" (the default).
	DFBit string
}

// Tunnel is a static VTI (`interface TunnelN`): it initiates its session
// to Destination and re-initiates after failure.
type Tunnel struct {
	Interface
	// Destination is the `tunnel destination` address, or the address
	// of the `ip host` entry it names; invalid for a DNS name left to
	// the host (DestinationHost) or `tunnel destination dynamic`.
	Destination netip.Addr
	// DestinationHost is the `tunnel destination` host name when the
	// config does not resolve it ("" otherwise).
	DestinationHost string
	// Client is the `crypto ikev2 client flexvpn` whose `client connect`
	// names this tunnel (with `tunnel destination dynamic`); nil for a
	// plain static VTI (track.go).
	Client *Client
}

// Template is a `interface Virtual-Template N type tunnel`: each session
// accepted by a profile with `virtual-template N` gets a Virtual-Access
// interface cloned from it.
type Template struct {
	Interface
	// Profiles are the names of the IKEv2 profiles with `virtual-template
	// N`, in configuration order.
	Profiles []string
}

// Route is a static route.
type Route struct {
	// VRF is the routing table ("" global).
	VRF string
	// Prefix is the destination.
	Prefix netip.Prefix
	// Interface is the outgoing interface ("" if only a next hop).
	Interface string
	// NextHop is the gateway (invalid if only an interface).
	NextHop netip.Addr
	// Distance is the administrative distance (default 1).
	Distance int
	// Tunnel reports that Interface is a tunnel of this Spec (a Tunnel
	// or a Template): the engine installs the route with the tunnel.
	Tunnel bool
}

// Global holds the global IKEv2 settings.
type Global struct {
	// CookieChallenge is `crypto ikev2 cookie-challenge N`: challenge
	// new IKE_SA_INIT requests with a COOKIE once N SAs are half-open
	// (RFC 7296 section 2.6); 0: never.
	CookieChallenge int
	// MaxInNegotiationSA and MaxSA are `crypto ikev2 limit
	// max-in-negotiation-sa|max-sa` (0: no limit).
	MaxInNegotiationSA, MaxSA int
	// DPD is `crypto ikev2 dpd` (nil: off); it is already applied to the
	// profiles without their own.
	DPD *DPD
	// NATKeepalive is `crypto ikev2 nat keepalive` (0: off); also
	// applied to the profiles.
	NATKeepalive time.Duration
	// FragmentMTU is the IKE fragmentation MTU of `crypto ikev2
	// fragmentation [mtu N]` (RFC 7383; 576 when no mtu is given); 0:
	// fragmentation off.
	FragmentMTU int
}

// String returns the `tunnel mode` words of the mode ("ipsec ipv4").
func (m TunnelMode) String() string {
	switch m {
	case ModeIPsecIPv4:
		return "ipsec ipv4"
	case ModeIPsecIPv4V6Overlay:
		return "ipsec ipv4 v6-overlay"
	case ModeIPsecIPv6:
		return "ipsec ipv6"
	case ModeIPsecIPv6V4Overlay:
		return "ipsec ipv6 v4-overlay"
	case ModeIPsecDualOverlay:
		return "ipsec dual-overlay"
	}
	return "none"
}

// OuterIPv6 reports whether the outer (IKE and ESP) packets are IPv6.
func (m TunnelMode) OuterIPv6() bool {
	return m == ModeIPsecIPv6 || m == ModeIPsecIPv6V4Overlay
}
