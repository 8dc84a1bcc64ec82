package engine

import (
	"net/netip"
	"slices"
	"strconv"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/pool"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// The configuration exchange of FlexVPN (RFC 7296 sections 2.19 and 3.15)
// as IOS drives it from the IKEv2 profile's `config-exchange` settings and
// its authorization policy (`aaa authorization group psk list LIST
// POLICY` → `crypto ikev2 authorization policy POLICY`):
//
//   - an initiator (a static VTI) sends a CFG_REQUEST (`config-exchange
//     request`) asking for an address when the tunnel has `ip address
//     negotiated`, for DNS servers, networks and IOS's Cisco attributes;
//     and its `route set` networks in a CFG_SET (`config-exchange set
//     send`);
//   - a responder answers the CFG_REQUEST from the authorization policy
//     of the peer (spec.Spec.AuthorizationFor: the group policy, named or
//     found by the name mangler from the peer's identity, merged with the
//     user policy): an IPv4 address leased from the `pool` and an IPv6
//     one from the `ipv6 pool` (released when the session ends),
//     `netmask`, `dns`, `ipv6 dns`, `wins`, `def-domain`, `banner`,
//     `split-dns`, `pfs`, `backup-gateway`, `save-password`, and its
//     `route set` networks; it acknowledges a CFG_SET when
//     `config-exchange set accept`;
//   - each side installs the networks it received, when its policy has
//     `route accept`, as routes through the session's tunnel interface
//     (the static VTI or the Virtual-Access) with the `route accept`
//     distance and tag, removed when the session ends; an initiator with
//     `ip address negotiated` puts the assigned address on its tunnel.

// defaultAcceptDistance is the administrative distance of accepted routes
// when `route accept any` gives none (IOS's default, docs/cisco-compat.md).
const defaultAcceptDistance = 2

// leaseKey is the pool session key of the IKE SA id.
func leaseKey(id node.ID) string { return "sa-" + strconv.FormatUint(uint64(id), 10) }

// applyPools configures the local pools of s; leases are kept (see
// pool.Manager.Configure).
func (e *Engine) applyPools(s *spec.Spec) {
	var ps []pool.Pool
	for _, p := range s.Pools {
		np := pool.Pool{Name: p.Name}
		for _, r := range p.Ranges {
			np.Ranges = append(np.Ranges, pool.Range{First: r.First, Last: r.Last})
		}
		ps = append(ps, np)
	}
	var ps6 []pool.Pool6
	for _, p := range s.Pools6 {
		ps6 = append(ps6, pool.Pool6{Name: p.Name, Prefix: p.Prefix, AssignLen: p.AssignLen})
	}
	if err := e.pools.Configure(ps, ps6); err != nil {
		e.log.Warn("ip local pool", "err", err)
	}
}

// initiatorCP returns the configuration exchange of a static VTI ifc
// initiating under prof.
func initiatorCP(prof *spec.Profile, ifc *spec.Interface) ike.ConfigExchange {
	c := ike.ConfigExchange{AcceptSet: prof.ConfigExchange.SetAccept}
	if prof.ConfigExchange.Request {
		var types []wire.CfgAttrType
		v6 := innerIPv6(ifc.Mode)
		if ifc.Negotiated {
			types = append(types, wire.InternalIP4Address, wire.InternalIP4Netmask)
			if v6 {
				types = append(types, wire.InternalIP6Address)
			}
		}
		types = append(types, wire.InternalIP4DNS, wire.InternalIP4Subnet)
		if v6 {
			types = append(types, wire.InternalIP6DNS, wire.InternalIP6Subnet)
		}
		c.Request = cp.Request(append(types, cp.FlexVPNRequest()...)...)
	}
	if prof.ConfigExchange.SetSend && prof.Authorization != nil {
		if set := routeSet(prof.Authorization, ifc); set != nil {
			c.Set = set
		}
	}
	return c
}

// innerIPv6 reports whether a tunnel of mode m carries IPv6: its
// initiator then asks for IPv6 DNS servers and networks, and with `ip
// address negotiated` for an IPv6 address too (beyond IOS, whose IPv6
// FlexVPN client is not modelled).
func innerIPv6(m spec.TunnelMode) bool {
	return m == spec.ModeIPsecIPv6 || m == spec.ModeIPsecIPv4V6Overlay || m == spec.ModeIPsecDualOverlay
}

// responderCP returns the configuration exchange of the responder SA id
// under prof, authorized by a, on the interface ifc (a static VTI or a
// virtual template).
func (e *Engine) responderCP(id node.ID, prof *spec.Profile, a *spec.Authorization, ifc *spec.Interface) ike.ConfigExchange {
	c := ike.ConfigExchange{AcceptSet: prof.ConfigExchange.SetAccept}
	if a != nil && prof.ConfigExchange.Request {
		c.Reply = func(peer ike.Identity, req *cp.Attributes) (*cp.Attributes, error) {
			return e.reply(id, a, ifc, peer, req)
		}
	}
	return c
}

// reply builds a CFG_REPLY from the authorization policy a. It runs on the
// node's goroutine; the pool manager has its own lock. The Cisco
// attributes (pfs, backup-gateway, save-password) are pushed whenever the
// policy has them, as the banner and domains are, whether or not the
// client asked (IOS's choice here is unconfirmed).
func (e *Engine) reply(id node.ID, a *spec.Authorization, ifc *spec.Interface, peer ike.Identity, req *cp.Attributes) (*cp.Attributes, error) {
	out := &cp.Attributes{DefaultDomain: a.DefDomain, Banner: a.Banner, SplitDNS: a.SplitDNS, NBNS4: a.WINS,
		PFS: a.PFS, BackupServers: a.BackupGateways, SavePassword: a.SavePassword, DNS6: a.IPv6DNS}
	if set := routeSet(a, ifc); set != nil {
		out.Subnets4, out.Subnets6 = set.Subnets4, set.Subnets6
	}
	for _, d := range a.DNS {
		if d.Is4() {
			out.DNS4 = append(out.DNS4, d)
		}
	}
	if (req.Asks(wire.InternalIP4Address) || len(req.Addrs4) > 0) && a.PoolName != "" {
		addr, err := e.pools.AllocateUser(a.PoolName, leaseKey(id), peer.String())
		if err != nil {
			e.log.Warn("no address for peer", "peer", peer, "pool", a.PoolName, "err", err)
			return nil, err
		}
		out.Addrs4, out.Netmask4 = []netip.Addr{addr}, a.Netmask
		e.assigned.set(id, func(l *sessionLease) { l.addr4 = addr })
		e.log.Info("address assigned", "peer", peer, "pool", a.PoolName, "address", addr)
	}
	if (req.Asks(wire.InternalIP6Address) || len(req.Addrs6) > 0) && a.IPv6PoolName != "" {
		pfx, err := e.pools.Allocate6User(a.IPv6PoolName, leaseKey(id), peer.String())
		if err != nil {
			e.log.Warn("no IPv6 prefix for peer", "peer", peer, "pool", a.IPv6PoolName, "err", err)
			return nil, err
		}
		out.Addrs6 = []netip.Prefix{addr6(pfx)}
		e.assigned.set(id, func(l *sessionLease) { l.prefix6 = pfx })
		e.log.Info("IPv6 address assigned", "peer", peer, "pool", a.IPv6PoolName, "prefix", pfx, "address", out.Addrs6[0])
	}
	return out, nil
}

// addr6 returns the INTERNAL_IP6_ADDRESS of a leased prefix (RFC 7296
// section 3.15.1: an address and the length of its prefix): the prefix
// itself when it is one address (/128), else its first address after
// the Subnet-Router anycast address that the all-zero interface ID is
// (RFC 4291 section 2.6.1).
func addr6(p netip.Prefix) netip.Prefix {
	if p.Bits() == 128 {
		return p
	}
	return netip.PrefixFrom(p.Masked().Addr().Next(), p.Bits())
}

// routeSet returns the networks a policy pushes to the peer of the
// interface ifc (`route set access-list` and `route set remote` prefixes,
// and the addresses of the `route set interface` interfaces as host
// routes, as IOS sends them), nil when there are none.
func routeSet(a *spec.Authorization, ifc *spec.Interface) *cp.Attributes {
	var out cp.Attributes
	add := func(p netip.Prefix) {
		if p.Addr().Is4() {
			out.Subnets4 = append(out.Subnets4, p)
		} else {
			out.Subnets6 = append(out.Subnets6, p)
		}
	}
	for _, p := range a.Routes {
		add(p)
	}
	for _, name := range a.RouteSetInterfaces {
		for _, addr := range interfaceAddrs(name, ifc) {
			add(netip.PrefixFrom(addr, addr.BitLen()))
		}
	}
	if len(out.Subnets4) == 0 && len(out.Subnets6) == 0 {
		return nil
	}
	return &out
}

// interfaceAddrs returns the addresses of the `route set interface` name:
// the tunnel's own for "" or its name, else those of the host interface.
func interfaceAddrs(name string, ifc *spec.Interface) []netip.Addr {
	if name == "" || name == ifc.Name {
		out := make([]netip.Addr, 0, len(ifc.Addrs))
		for _, p := range ifc.Addrs {
			out = append(out, p.Addr())
		}
		return out
	}
	if addrs := ifaceAddrs(name); addrs != nil {
		return addrs
	}
	return ifaceAddrs(dataplane.LinuxName(name))
}

// acceptedRoutes returns the routes to install for the networks the peer
// sent, nil unless the policy a has `route accept`.
func acceptedRoutes(a *spec.Authorization, attrs *cp.Attributes) []dataplane.Route {
	if a == nil || !a.AcceptRoutes || attrs == nil {
		return nil
	}
	d := uint8(cmpOr(min(a.RouteDistance, 255), defaultAcceptDistance))
	var out []dataplane.Route
	for _, p := range slices.Concat(attrs.Subnets4, attrs.Subnets6) {
		out = append(out, dataplane.Route{Prefix: p.Masked(), Distance: d, Tag: uint32(a.RouteTag)})
	}
	return out
}

// sessionAuthz returns the authorization policy of a session under prof
// in s: for a responder, the policy of the peer peerID (nil when there is
// none, or when the peer's is not found any more: the session was
// authorized under an older spec); for an initiator, the profile's
// statically named one, with which its CFG_REQUEST and CFG_SET were built
// before the peer was known (initiatorCP).
func sessionAuthz(s *spec.Spec, prof *spec.Profile, initiator bool, peerID ike.Identity) *spec.Authorization {
	switch {
	case prof == nil:
		return nil
	case initiator:
		return prof.Authorization
	}
	a, err := s.AuthorizationFor(prof, specID(peerID))
	if err != nil {
		return nil
	}
	return a
}

// sessionLease is what a responder SA was given from the pools.
type sessionLease struct {
	addr4   netip.Addr
	prefix6 netip.Prefix
}

// routes returns the routes to the session's leases: a host route to its
// IPv4 address and a route to its IPv6 prefix, as IOS installs them toward
// the Virtual-Access.
func (l sessionLease) routes() []dataplane.Route {
	var out []dataplane.Route
	if l.addr4.IsValid() {
		out = append(out, dataplane.Route{Prefix: netip.PrefixFrom(l.addr4, 32), Distance: 1})
	}
	if l.prefix6.IsValid() {
		out = append(out, dataplane.Route{Prefix: l.prefix6, Distance: 1})
	}
	return out
}

// assignedAddrs remembers the leases of each responder SA, from the
// node's goroutine (reply) to the engine's (cpEvent).
type assignedAddrs struct {
	mu sync.Mutex
	m  map[node.ID]sessionLease
}

// set updates the lease of id with f.
func (a *assignedAddrs) set(id node.ID, f func(*sessionLease)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[node.ID]sessionLease{}
	}
	l := a.m[id]
	f(&l)
	a.m[id] = l
}

func (a *assignedAddrs) get(id node.ID) (sessionLease, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.m[id]
	return l, ok
}

func (a *assignedAddrs) del(id node.ID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.m, id)
}

// peerState is what a static VTI took from its session's configuration
// exchange: the routes accepted and the negotiated addresses (IPv4 then
// IPv6).
type peerState struct {
	sa     node.ID
	routes []dataplane.Route
	addrs  []netip.Prefix
}

// withPeer returns iface with the routes and addresses of the session.
func (p *peerState) withPeer(iface dataplane.Tunnel, negotiated bool) dataplane.Tunnel {
	iface.Routes = slices.Concat(iface.Routes, p.routes)
	if negotiated && len(p.addrs) > 0 {
		iface.Addrs = slices.Clone(p.addrs)
	}
	return iface
}

// cpEvent applies the configuration exchange of the SA of ev to its
// tunnel interface when it is established or its attributes change, and
// undoes it (routes, address, pool lease) when it ends. It reports whether
// the event concerned the configuration exchange only (node.EventConfig).
func (e *Engine) cpEvent(ev node.Event) bool {
	switch ev.Kind {
	case node.EventEstablished, node.EventConfig:
		if ev.PeerAttributes != nil {
			e.installPeer(ev)
		}
	default:
		e.pools.Release(leaseKey(ev.ID))
		e.assigned.del(ev.ID)
		if t := e.svti[ev.Peer]; t != nil && t.peer.sa == ev.ID {
			t.peer = peerState{}
			e.updateTunnel(t, tunnelRoutes(e.spec.Load()))
		}
	}
	return ev.Kind == node.EventConfig
}

// installPeer installs what the peer of the SA of ev sent: routes (and a
// negotiated address) on its tunnel interface.
func (e *Engine) installPeer(ev node.Event) {
	if t := e.svti[ev.Peer]; t != nil {
		e.svtiPeer(t, ev)
		return
	}
	v, ok := e.va.get(ev.Peer)
	if !ok || v.sa != ev.ID {
		return
	}
	s := e.spec.Load()
	var prof *spec.Profile
	if i := slices.IndexFunc(s.Profiles, func(p *spec.Profile) bool { return p.Name == v.profile }); i >= 0 {
		prof = s.Profiles[i]
	}
	routes := acceptedRoutes(sessionAuthz(s, prof, false, ev.PeerID), ev.PeerAttributes)
	if l, ok := e.assigned.get(ev.ID); ok {
		// The peer's assigned addresses are reached through its
		// session.
		routes = append(routes, l.routes()...)
	}
	if iface, ok := e.va.setRoutes(v.num, ev.ID, routes); ok {
		e.ensureTunnel(iface)
		e.log.Info("routes accepted", "interface", v.name(), "routes", iface.Routes)
	}
}

// svtiPeer takes the routes and the negotiated address of the static VTI
// t from its session.
func (e *Engine) svtiPeer(t *svti, ev node.Event) {
	p := peerState{sa: ev.ID, routes: acceptedRoutes(sessionAuthz(e.spec.Load(), t.t.Protection.IKEv2, ev.Initiator, ev.PeerID), ev.PeerAttributes)}
	if ev.Initiator && t.t.Negotiated {
		if pfx, ok := ev.PeerAttributes.Prefix4(); ok {
			p.addrs = append(p.addrs, pfx)
		}
		p.addrs = append(p.addrs, ev.PeerAttributes.Addrs6...)
		if len(p.addrs) > 0 {
			e.log.Info("address negotiated", "interface", t.t.Name, "addresses", p.addrs)
		}
	}
	t.peer = p
	e.updateTunnel(t, tunnelRoutes(e.spec.Load()))
}

// pushRoutes sends a CFG_SET with the current `route set` networks to the
// peer of every established session whose networks changed since they
// were last sent (in IKE_AUTH or an acknowledged CFG_SET), so that the
// peer's routes follow a configuration change without `clear crypto
// session` (beyond IOS; docs/cisco-compat.md). An initiator pushes only
// with `config-exchange set send`; a session without any configuration
// exchange gets nothing. It runs from Apply.
func (e *Engine) pushRoutes(s *spec.Spec) {
	x := newSpecIndex(s)
	n, err := e.node.PushConfigWhere(func(i node.Info) *cp.Attributes {
		if i.SentAttributes == nil && i.PeerAttributes == nil {
			return nil // the peer takes no part in the configuration exchange
		}
		prof, ifc := e.sessionIface(x, i.Peer)
		a := sessionAuthz(s, prof, i.Initiator, i.PeerID)
		if a == nil || (i.Initiator && !prof.ConfigExchange.SetSend) {
			return nil
		}
		want := routeSet(a, ifc)
		if sameNetworks(want, i.SentAttributes) {
			return nil
		}
		if want == nil {
			want = &cp.Attributes{} // no networks any more
		}
		return want
	})
	if err != nil {
		e.log.Warn("push routes", "err", err)
	}
	if n > 0 {
		e.log.Info("route changes pushed", "sessions", n)
	}
}

// sessionIface returns the IKEv2 profile and the interface of the
// session tagged tag in the spec of x, or nil. It runs on the node's
// goroutine.
func (e *Engine) sessionIface(x specIndex, tag string) (*spec.Profile, *spec.Interface) {
	if t := x.tunnels[tag]; t != nil {
		return t.Protection.IKEv2, &t.Interface
	}
	v, ok := e.va.get(tag)
	if !ok {
		return nil, nil
	}
	tmpl, ok := x.s.Template(v.template)
	if !ok {
		return nil, nil
	}
	return x.profiles[v.profile], &tmpl.Interface
}

// sameNetworks reports whether a and b carry the same networks, nil
// meaning none.
func sameNetworks(a, b *cp.Attributes) bool {
	var a4, a6, b4, b6 []netip.Prefix
	if a != nil {
		a4, a6 = a.Subnets4, a.Subnets6
	}
	if b != nil {
		b4, b6 = b.Subnets4, b.Subnets6
	}
	return slices.Equal(a4, b4) && slices.Equal(a6, b6)
}

// negotiatedAddrs returns, by interface name, the addresses the static
// VTIs with `ip address negotiated` took from their session.
func (e *Engine) negotiatedAddrs() map[string][]netip.Prefix {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string][]netip.Prefix{}
	for name, t := range e.svti {
		if t.t.Negotiated && len(t.peer.addrs) > 0 {
			out[name] = slices.Clone(t.peer.addrs)
		}
	}
	return out
}

// cmpOrSlice returns a, or b if a is empty.
func cmpOrSlice[T any](a, b []T) []T {
	if len(a) > 0 {
		return a
	}
	return b
}
