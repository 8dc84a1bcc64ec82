package spec

import (
	"net/netip"
	"time"
)

// TrackKind is what a tracked object follows.
type TrackKind uint8

// The tracked object kinds the engine evaluates.
const (
	// TrackLineProtocol is `track N interface IF line-protocol`: up while
	// the interface is up with a carrier.
	TrackLineProtocol TrackKind = iota + 1
	// TrackRouteReachability is `track N ip route A.B.C.D M.M.M.M
	// reachability`: up while the routing table has a route for exactly
	// that prefix through an interface that is up.
	TrackRouteReachability
)

// Track is a tracked object (`track N ...`).
type Track struct {
	// Number is the object number (1-1000).
	Number int
	// Kind is what the object follows.
	Kind TrackKind
	// Interface is the tracked interface (TrackLineProtocol), as named in
	// the configuration.
	Interface string
	// Prefix is the tracked route (TrackRouteReachability).
	Prefix netip.Prefix
	// DelayUp and DelayDown are `delay up S down S`: how long a new state
	// must hold before the object takes it (0: at once).
	DelayUp, DelayDown time.Duration
}

// TrackRef is a condition on a tracked object: `track N [up|down]`.
type TrackRef struct {
	// Object is the object number (0: no condition).
	Object int
	// Down is the `down` keyword: the condition holds while the object
	// is down (else while it is up).
	Down bool
}

// Holds reports whether the condition holds when the object's state is
// up; a zero TrackRef always holds.
func (r TrackRef) Holds(up bool) bool { return r.Object == 0 || up != r.Down }

// ConnectMode is the client's `connect` line.
type ConnectMode uint8

// The connect modes of a FlexVPN client.
const (
	// ConnectAuto connects as soon as the client is configured (the
	// default).
	ConnectAuto ConnectMode = iota
	// ConnectManual waits for the EXEC `crypto ikev2 client flexvpn
	// connect NAME`.
	ConnectManual
	// ConnectTrack connects while Client.ConnectTrack holds and
	// disconnects when it stops holding.
	ConnectTrack
)

// Client is a `crypto ikev2 client flexvpn NAME` connecting a tunnel with
// `tunnel destination dynamic`.
type Client struct {
	// Name is the client name.
	Name string
	// Peers are the `peer N` lines in order of preference: the tunnel
	// initiates to the first usable one and fails over down the list.
	Peers []ClientPeer
	// Reactivate is `peer reactivate`: while on a backup peer, the tunnel
	// probes the most preferred usable one and moves back to it when it
	// answers.
	Reactivate bool
	// Sources are the `source N IF [track T]` lines in order: the tunnel
	// sources its IKE and ESP packets from the first interface whose
	// object is up (all of them: the tunnel's own `tunnel source`).
	Sources []ClientSource
	// Connect is the `connect` mode; ConnectTrack its condition.
	Connect      ConnectMode
	ConnectTrack TrackRef
}

// ClientPeer is one `peer N ADDR|fqdn NAME [dynamic [ipv6]] [track T
// [up|down]]`.
type ClientPeer struct {
	// Addr is the peer's address, or the address of its `ip host`
	// entry; invalid when Host is left to DNS.
	Addr netip.Addr
	// Host is the FQDN resolved at each connection attempt ("" when Addr
	// is set); IPv6 asks for an IPv6 address (`dynamic ipv6`).
	Host string
	IPv6 bool
	// Track is the condition under which the peer may be used.
	Track TrackRef
}

// String returns the peer's address or host name.
func (p ClientPeer) String() string {
	if p.Host != "" {
		return p.Host
	}
	return p.Addr.String()
}

// ClientSource is one `source N IF [track T]`.
type ClientSource struct {
	// Interface is the source interface.
	Interface string
	// Track is the object that must be up for the interface to be used
	// (0: always usable).
	Track int
}
