package runningconfig

import (
	"sort"
	"strconv"
	"strings"
)

// AuthorizationPolicy is a `crypto ikev2 authorization policy`: the
// attributes pushed to (or accepted from) the peer in config exchange.
type AuthorizationPolicy struct {
	Name string
	// Pool and IPv6Pool are local address pool names.
	Pool, IPv6Pool string
	// DNS, IPv6DNS and WINS are server addresses (at most two each).
	DNS, IPv6DNS, WINS []string
	Netmask            string
	// Banner is the text after `banner` as typed (one-line form,
	// delimiters included).
	Banner    string
	DefDomain string
	SplitDNS  []string
	PFS       bool
	// BackupGateways are `backup-gateway NAME` lines (pushed to clients).
	BackupGateways []string
	// IncludeLocalLAN, SavePassword and SmartcardRemovalDisconnect are the
	// client flags of the same names.
	IncludeLocalLAN, SavePassword, SmartcardRemovalDisconnect bool
	// SubnetACL and IPv6SubnetACL are `[ipv6] subnet-acl NAME`.
	SubnetACL, IPv6SubnetACL string
	// IPv6Prefix is `ipv6 prefix N` (0: not set).
	IPv6Prefix int
	// RouteSetInterfaces are `route set interface [IFNAME]`; "" is the
	// bare form (the tunnel interface itself).
	RouteSetInterfaces []string
	// RouteSetACL and RouteSetACLv6 are `route set access-list [ipv6] NAME`.
	RouteSetACL, RouteSetACLv6 string
	// RouteSetRemote are `route set remote ...` values: "ipv4 A.B.C.D MASK"
	// or "ipv6 X:X::X:X/M".
	RouteSetRemote []string
	// NoRouteAccept is `no route accept` (routes from the peer are
	// accepted by default); RouteAcceptTag and RouteAcceptDistance are the
	// options of `route accept any` (0: not set).
	NoRouteAccept                       bool
	RouteAcceptTag, RouteAcceptDistance int
	// AAAAttrList is `aaa attribute list NAME`.
	AAAAttrList string
	// FlowLimit is `ipsec flow-limit N` (nil: not set).
	FlowLimit *int
}

// NewAuthorizationPolicy returns an empty authorization policy.
func NewAuthorizationPolicy(name string) *AuthorizationPolicy {
	return &AuthorizationPolicy{Name: name}
}

// render writes the policy (order after the pool lines follows a captured
// IOS configuration for aaa attribute list, ipsec flow-limit, no route
// accept; the rest is best knowledge).
func (a *AuthorizationPolicy) render(w *writer) {
	w.line("crypto ikev2 authorization policy %s", a.Name)
	opt := func(prefix, v string) {
		if v != "" {
			w.line(" %s %s", prefix, v)
		}
	}
	opt("pool", a.Pool)
	opt("ipv6 pool", a.IPv6Pool)
	opt("dns", strings.Join(a.DNS, " "))
	opt("ipv6 dns", strings.Join(a.IPv6DNS, " "))
	opt("wins", strings.Join(a.WINS, " "))
	opt("netmask", a.Netmask)
	opt("banner", a.Banner)
	opt("def-domain", a.DefDomain)
	for _, d := range a.SplitDNS {
		w.line(" split-dns %s", d)
	}
	if a.PFS {
		w.line(" pfs")
	}
	a.renderClientOptions(w, opt)
	for _, i := range a.RouteSetInterfaces {
		w.line("%s", strings.TrimRight(" route set interface "+i, " "))
	}
	opt("route set access-list", a.RouteSetACL)
	opt("route set access-list ipv6", a.RouteSetACLv6)
	for _, r := range a.RouteSetRemote {
		w.line(" route set remote %s", r)
	}
	opt("aaa attribute list", a.AAAAttrList)
	if a.FlowLimit != nil {
		w.line(" ipsec flow-limit %d", *a.FlowLimit)
	}
	a.renderRouteAccept(w)
	w.bang()
}

// renderClientOptions writes the remote-access client options (their place
// in the block is UNCONFIRMED).
func (a *AuthorizationPolicy) renderClientOptions(w *writer, opt func(prefix, v string)) {
	for _, g := range a.BackupGateways {
		w.line(" backup-gateway %s", g)
	}
	for _, f := range []struct {
		on   bool
		line string
	}{{a.IncludeLocalLAN, " include-local-lan"}, {a.SavePassword, " save-password"},
		{a.SmartcardRemovalDisconnect, " smartcard-removal-disconnect"}} {
		if f.on {
			w.line("%s", f.line)
		}
	}
	opt("subnet-acl", a.SubnetACL)
	opt("ipv6 subnet-acl", a.IPv6SubnetACL)
	if a.IPv6Prefix != 0 {
		w.line(" ipv6 prefix %d", a.IPv6Prefix)
	}
}

func (a *AuthorizationPolicy) renderRouteAccept(w *writer) {
	if a.NoRouteAccept {
		w.line(" no route accept")
		return
	}
	if a.RouteAcceptTag == 0 && a.RouteAcceptDistance == 0 {
		return
	}
	l := " route accept any"
	if a.RouteAcceptTag != 0 {
		l += " tag " + strconv.Itoa(a.RouteAcceptTag)
	}
	if a.RouteAcceptDistance != 0 {
		l += " distance " + strconv.Itoa(a.RouteAcceptDistance)
	}
	w.line("%s", l)
}

// NameMangler is a `crypto ikev2 name-mangler`: how a peer identity is
// turned into an AAA user name.
type NameMangler struct {
	Name string
	// FQDN is "all", "hostname" or "domain" ("" if not set).
	FQDN string
	// Email is "all", "username" or "domain".
	Email string
	// DN is the DN field ("common-name", "country", ...).
	DN string
	// EAP is the rest of the `eap` line: "all", "suffix delimiter @",
	// "prefix delimiter \", "dn common-name", ...
	EAP string
}

// render writes the name mangler (line layout UNCONFIRMED beyond the
// typed corpus example).
func (m *NameMangler) render(w *writer) {
	w.line("crypto ikev2 name-mangler %s", m.Name)
	for _, kv := range [][2]string{{"fqdn", m.FQDN}, {"email", m.Email}, {"dn", m.DN}, {"eap", m.EAP}} {
		if kv[1] != "" {
			w.line(" %s %s", kv[0], kv[1])
		}
	}
	w.bang()
}

// FlexVPNClient is a `crypto ikev2 client flexvpn` block.
type FlexVPNClient struct {
	Name string
	// Peers are the `peer N ...` lines by sequence number.
	Peers []ClientPeer
	// PeerReactivate is `peer reactivate`.
	PeerReactivate bool
	// Sources are the `source N IFNAME [track N]` lines by sequence.
	Sources []ClientSource
	// Connect is "", "auto", "manual" or "track N [up|down]".
	Connect string
	// ClientInside are `client inside IFNAME` interfaces.
	ClientInside []string
	// ClientConnect is the `client connect IFNAME` tunnel.
	ClientConnect string
}

// ClientPeer is one `peer N` of a FlexVPN client.
type ClientPeer struct {
	Seq int
	// Address is a canonical IPv4/IPv6 address, or "fqdn NAME [dynamic
	// [ipv6]]".
	Address string
	// Track is the tracked object (0: none); TrackState "up", "down" or "".
	Track      int
	TrackState string
}

// String renders the peer as after `peer `.
func (p ClientPeer) String() string {
	s := strconv.Itoa(p.Seq) + " " + p.Address
	if p.Track != 0 {
		s += " track " + strconv.Itoa(p.Track)
		if p.TrackState != "" {
			s += " " + p.TrackState
		}
	}
	return s
}

// ClientSource is one `source N IFNAME [track N]`.
type ClientSource struct {
	Seq       int
	Interface string
	Track     int
}

// String renders the source as after `source `.
func (s ClientSource) String() string {
	out := strconv.Itoa(s.Seq) + " " + s.Interface
	if s.Track != 0 {
		out += " track " + strconv.Itoa(s.Track)
	}
	return out
}

// SetPeer adds or replaces the peer with p.Seq, keeping them sorted.
func (c *FlexVPNClient) SetPeer(p ClientPeer) {
	c.Peers = upsert(c.Peers, p, func(a, b ClientPeer) bool { return a.Seq == b.Seq })
	sort.Slice(c.Peers, func(i, j int) bool { return c.Peers[i].Seq < c.Peers[j].Seq })
}

// RemovePeer removes peer seq.
func (c *FlexVPNClient) RemovePeer(seq int) {
	c.Peers = removeWhere(c.Peers, func(p ClientPeer) bool { return p.Seq == seq })
}

// SetSource adds or replaces the source with s.Seq, keeping them sorted.
func (c *FlexVPNClient) SetSource(s ClientSource) {
	c.Sources = upsert(c.Sources, s, func(a, b ClientSource) bool { return a.Seq == b.Seq })
	sort.Slice(c.Sources, func(i, j int) bool { return c.Sources[i].Seq < c.Sources[j].Seq })
}

// RemoveSource removes source seq.
func (c *FlexVPNClient) RemoveSource(seq int) {
	c.Sources = removeWhere(c.Sources, func(s ClientSource) bool { return s.Seq == seq })
}

// render writes the client block; IOS indents its lines by two spaces
// (best knowledge from Cisco documentation, no device capture).
func (c *FlexVPNClient) render(w *writer) {
	w.line("crypto ikev2 client flexvpn %s", c.Name)
	for _, p := range c.Peers {
		w.line("  peer %s", p)
	}
	if c.PeerReactivate {
		w.line("  peer reactivate")
	}
	for _, s := range c.Sources {
		w.line("  source %s", s)
	}
	if c.Connect != "" {
		w.line("  connect %s", c.Connect)
	}
	for _, i := range c.ClientInside {
		w.line("  client inside %s", i)
	}
	if c.ClientConnect != "" {
		w.line("  client connect %s", c.ClientConnect)
	}
	w.bang()
}
