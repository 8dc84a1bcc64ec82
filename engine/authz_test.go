package engine

import (
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/pool"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// waitFor polls ok until it holds or 5 seconds pass.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flexHubSpec is hubSpec with an authorization policy: addresses from
// POOL (10.9.0.100-101), DNS, `route set interface` (the template's
// 10.9.0.1) and `route set access-list` 192.168.0.0/24, `route accept
// any` with IOS's default distance.
func flexHubSpec() *spec.Spec {
	s := hubSpec("hubkey")
	pool := []spec.AddrRange{{First: netip.MustParseAddr("10.9.0.100"), Last: netip.MustParseAddr("10.9.0.101")}}
	s.Pools = []spec.Pool{{Name: "POOL", Ranges: pool}}
	s.Profiles[0].ConfigExchange = spec.ConfigExchange{Request: true, SetSend: true, SetAccept: true}
	s.Profiles[0].Authorization = &spec.Authorization{
		Name: "FLEX", PoolName: "POOL", Pool: pool,
		DNS:                []netip.Addr{netip.MustParseAddr("10.9.0.53")},
		RouteSetInterfaces: []string{""},
		Routes:             []netip.Prefix{netip.MustParsePrefix("192.168.0.0/24")},
		AcceptRoutes:       true,
	}
	return s
}

// flexSpokeSpec is siteSpec to the hub with `ip address negotiated`,
// `route set access-list` lan and `route accept any distance 5`.
func flexSpokeSpec(local, lan string) *spec.Spec {
	s := siteSpec(local, "127.0.0.1", "10.255.255.1/32", "hubkey")
	s.Tunnels[0].Addrs, s.Tunnels[0].Negotiated = nil, true
	prof := s.Profiles[0]
	prof.ConfigExchange = spec.ConfigExchange{Request: true, SetSend: true, SetAccept: true}
	prof.Authorization = &spec.Authorization{
		Name: "FLEX", Routes: []netip.Prefix{netip.MustParsePrefix(lan)}, AcceptRoutes: true, RouteDistance: 5,
	}
	return s
}

// hasRoutes reports whether the ensured tunnel id carries the routes want
// (and maybe others).
func hasRoutes(dp *fakeDP, id uint32, want ...dataplane.Route) bool {
	d, ok := dp.tunnel(id)
	if !ok {
		return false
	}
	for _, r := range want {
		if !slices.Contains(d.Routes, r) {
			return false
		}
	}
	return true
}

func route(prefix string, distance uint8) dataplane.Route {
	return dataplane.Route{Prefix: netip.MustParsePrefix(prefix), Distance: distance}
}

// vaOf returns the tunnel ID of the hub's Virtual-Access of the peer
// remote.
func vaOf(t *testing.T, snap status.Snapshot, remote string) uint32 {
	t.Helper()
	for _, sa := range snap.IKESAs {
		if sa.Remote.Addr().String() == remote {
			if n, ok := vaNumber(sa.Interface); ok {
				return VirtualAccessBase + uint32(n)
			}
		}
	}
	t.Fatalf("no Virtual-Access for %s in %+v", remote, snap.IKESAs)
	return 0
}

// poolInUse returns the addresses leased from the first pool.
func poolInUse(s status.Snapshot) []netip.Addr {
	var out []netip.Addr
	for _, p := range s.Pools.Pools {
		for _, l := range p.Leases {
			out = append(out, l.Addr)
		}
	}
	return out
}

// TestRouteExchange is the FlexVPN hub and two spokes with `route set`
// and `route accept` on both sides: each spoke's LAN is routed on the
// hub through its Virtual-Access, the hub's networks on each spoke's
// tunnel, each spoke gets its own pool address; when a spoke goes, its
// routes and lease go with its session.
func TestRouteExchange(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, dh := startEngine(t, "127.0.0.1", ikePort, natPort)
	hub.Apply(flexHubSpec())
	s1, d1 := startEngine(t, "127.0.0.2", ikePort, natPort)
	s2, d2 := startEngine(t, "127.0.0.3", ikePort, natPort)
	s1.Apply(flexSpokeSpec("127.0.0.2", "192.168.1.0/24"))
	s2.Apply(flexSpokeSpec("127.0.0.3", "192.168.2.0/24"))
	waitSnap(t, s1, "spoke 1 up", oneReady("Tunnel0"))
	waitSnap(t, s2, "spoke 2 up", oneReady("Tunnel0"))
	snap := waitSnap(t, hub, "two sessions", func(s status.Snapshot) bool { return len(s.IKESAs) == 2 && len(s.Tunnels) == 2 })
	va1, va2 := vaOf(t, snap, "127.0.0.2"), vaOf(t, snap, "127.0.0.3")

	// The spokes' CFG_SET comes in the INFORMATIONAL after IKE_AUTH.
	waitFor(t, "spoke 1's LAN on the hub", func() bool { return hasRoutes(dh, va1, route("192.168.1.0/24", 2)) })
	waitFor(t, "spoke 2's LAN on the hub", func() bool { return hasRoutes(dh, va2, route("192.168.2.0/24", 2)) })
	hubRoutes := []dataplane.Route{route("10.9.0.1/32", 5), route("192.168.0.0/24", 5)}
	for i, dp := range []*fakeDP{d1, d2} {
		waitFor(t, "the hub's routes on a spoke", func() bool { return hasRoutes(dp, 1, hubRoutes...) })
		d, _ := dp.tunnel(1)
		if len(d.Addrs) != 1 || !netip.MustParsePrefix("10.9.0.100/31").Contains(d.Addrs[0].Addr()) || d.Addrs[0].Bits() != 32 {
			t.Errorf("spoke %d's Tunnel0 addresses %v, want one from the pool", i+1, d.Addrs)
		}
	}
	a1, _ := d1.tunnel(1)
	a2, _ := d2.tunnel(1)
	if st := s1.Snapshot().Tunnels; len(st) != 1 || !slices.Equal(st[0].Addrs, a1.Addrs) {
		t.Errorf("spoke 1's snapshot shows Tunnel0 with %+v, want the negotiated %v", st, a1.Addrs)
	}
	if a1.Addrs[0] == a2.Addrs[0] {
		t.Errorf("both spokes got %v", a1.Addrs[0])
	}
	if !hasRoutes(dh, va1, dataplane.Route{Prefix: a1.Addrs[0], Distance: 1}) || !hasRoutes(dh, va2, dataplane.Route{Prefix: a2.Addrs[0], Distance: 1}) {
		t.Error("no host route to a spoke's assigned address on its Virtual-Access")
	}
	leases := poolInUse(hub.Snapshot())
	slices.SortFunc(leases, netip.Addr.Compare)
	if want := []netip.Addr{netip.MustParseAddr("10.9.0.100"), netip.MustParseAddr("10.9.0.101")}; !slices.Equal(leases, want) {
		t.Errorf("hub leases %v, want %v", leases, want)
	}
	// The hub does not send its routes to itself: nothing of the hub's
	// own on its Virtual-Access.
	if hasRoutes(dh, va1, route("192.168.0.0/24", 2)) {
		t.Error("the hub routes its own network to a spoke")
	}

	// Spoke 1 goes: its Virtual-Access, routes and lease go.
	sp := flexSpokeSpec("127.0.0.2", "192.168.1.0/24")
	sp.Tunnels = nil
	s1.Apply(sp)
	waitFor(t, "spoke 1's Virtual-Access removed", func() bool { _, ok := dh.tunnel(va1); return !ok })
	waitFor(t, "spoke 1's lease released", func() bool { return len(poolInUse(hub.Snapshot())) == 1 })
	if !hasRoutes(dh, va2, route("192.168.2.0/24", 2)) {
		t.Error("spoke 2's route went with spoke 1")
	}
	if got := poolInUse(hub.Snapshot()); got[0] != a2.Addrs[0].Addr() {
		t.Errorf("lease left %v, want spoke 2's %v", got, a2.Addrs[0])
	}
}

// TestPoolExhausted checks that a spoke refused for lack of addresses
// holds no lease and leaves the others alone.
func TestPoolExhausted(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, _ := startEngine(t, "127.0.0.1", ikePort, natPort)
	hs := flexHubSpec()
	one := []spec.AddrRange{{First: netip.MustParseAddr("10.9.0.100"), Last: netip.MustParseAddr("10.9.0.100")}}
	hs.Pools[0].Ranges, hs.Profiles[0].Authorization.Pool = one, one
	hub.Apply(hs)
	s1, _ := startEngine(t, "127.0.0.2", ikePort, natPort)
	s1.Apply(flexSpokeSpec("127.0.0.2", "192.168.1.0/24"))
	waitSnap(t, s1, "spoke 1 up", oneReady("Tunnel0"))
	s2, _ := startEngine(t, "127.0.0.3", ikePort, natPort)
	s2.Apply(flexSpokeSpec("127.0.0.3", "192.168.2.0/24"))
	time.Sleep(500 * time.Millisecond)
	if s := s2.Snapshot(); slices.ContainsFunc(s.IKESAs, func(sa status.IKESA) bool { return sa.State == "READY" }) {
		t.Errorf("spoke 2 is up without an address: %+v", s.IKESAs)
	}
	if got := poolInUse(hub.Snapshot()); len(got) != 1 {
		t.Errorf("hub leases %v, want spoke 1's only", got)
	}
}

func TestRouteSetAndAccept(t *testing.T) {
	tun := &spec.Interface{Name: "Virtual-Template1", Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.1/24"), netip.MustParsePrefix("2001:db8::1/64")}}
	a := &spec.Authorization{
		Routes:             []netip.Prefix{netip.MustParsePrefix("192.168.0.0/24"), netip.MustParsePrefix("2001:db8:5::/48")},
		RouteSetInterfaces: []string{""},
		AcceptRoutes:       true, RouteDistance: 300,
	}
	set := routeSet(a, tun)
	want4 := []netip.Prefix{netip.MustParsePrefix("192.168.0.0/24"), netip.MustParsePrefix("10.9.0.1/32")}
	want6 := []netip.Prefix{netip.MustParsePrefix("2001:db8:5::/48"), netip.MustParsePrefix("2001:db8::1/128")}
	if !slices.Equal(set.Subnets4, want4) || !slices.Equal(set.Subnets6, want6) {
		t.Errorf("routeSet = %v %v, want %v %v", set.Subnets4, set.Subnets6, want4, want6)
	}
	if routeSet(&spec.Authorization{}, tun) != nil {
		t.Error("routeSet of an empty policy is not nil")
	}
	got := acceptedRoutes(a, &cp.Attributes{Subnets4: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/24")}})
	if want := []dataplane.Route{route("10.1.2.0/24", 255)}; !slices.Equal(got, want) {
		t.Errorf("acceptedRoutes = %v, want %v", got, want)
	}
	a.AcceptRoutes = false
	if got := acceptedRoutes(a, set); got != nil {
		t.Errorf("acceptedRoutes with `no route accept` = %v", got)
	}
}

// TestRouteUpdate changes the `route set` networks on both sides of a
// session: the peer's routes follow without a new session (a CFG_SET in
// an INFORMATIONAL exchange, beyond IOS).
func TestRouteUpdate(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, dh := startEngine(t, "127.0.0.1", ikePort, natPort)
	hub.Apply(flexHubSpec())
	s1, d1 := startEngine(t, "127.0.0.2", ikePort, natPort)
	s1.Apply(flexSpokeSpec("127.0.0.2", "192.168.1.0/24"))
	snap := waitSnap(t, hub, "a session", func(s status.Snapshot) bool { return len(s.IKESAs) == 1 && s.IKESAs[0].State == "READY" })
	va := vaOf(t, snap, "127.0.0.2")
	waitFor(t, "spoke's LAN on the hub", func() bool { return hasRoutes(dh, va, route("192.168.1.0/24", 2)) })
	waitFor(t, "hub's LAN on the spoke", func() bool { return hasRoutes(d1, 1, route("192.168.0.0/24", 5)) })

	// The spoke's LAN moves: the hub replaces its route.
	s1.Apply(flexSpokeSpec("127.0.0.2", "192.168.11.0/24"))
	waitFor(t, "spoke's new LAN on the hub", func() bool { return hasRoutes(dh, va, route("192.168.11.0/24", 2)) })
	if hasRoutes(dh, va, route("192.168.1.0/24", 2)) {
		t.Error("the spoke's old LAN is still routed on the hub")
	}
	// The hub adds a network: the spoke's routes follow.
	hs := flexHubSpec()
	hs.Profiles[0].Authorization.Routes = append(hs.Profiles[0].Authorization.Routes, netip.MustParsePrefix("172.16.0.0/12"))
	hub.Apply(hs)
	waitFor(t, "hub's new network on the spoke", func() bool {
		return hasRoutes(d1, 1, route("192.168.0.0/24", 5), route("172.16.0.0/12", 5), route("10.9.0.1/32", 5))
	})
	if s := hub.Snapshot(); len(s.IKESAs) != 1 || s.IKESAs[0].ConnID != snap.IKESAs[0].ConnID {
		t.Errorf("the session was replaced: %+v", s.IKESAs)
	}
	if d, _ := d1.tunnel(1); len(d.Addrs) != 1 {
		t.Errorf("the spoke lost its negotiated address: %v", d.Addrs)
	}
}

func TestInitiatorCP(t *testing.T) {
	routes := &spec.Authorization{Routes: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, AcceptRoutes: true}
	all := spec.ConfigExchange{Request: true, SetSend: true, SetAccept: true}
	tests := []struct {
		name                     string
		ce                       spec.ConfigExchange
		authz                    *spec.Authorization
		negotiated               bool
		wantRequest, wantAddress bool
		wantSet, wantAccept      bool
	}{
		{"defaults, negotiated address", all, routes, true, true, true, true, true},
		{"defaults, fixed address", all, routes, false, true, false, true, true},
		{"no config-exchange request", spec.ConfigExchange{SetSend: true}, routes, true, false, false, true, false},
		{"no config-exchange set send", spec.ConfigExchange{Request: true, SetAccept: true}, routes, false, true, false, false, true},
		{"no authorization policy", all, nil, false, true, false, false, true},
		{"dual-overlay, negotiated address", all, routes, true, true, true, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prof := &spec.Profile{ConfigExchange: tc.ce, Authorization: tc.authz}
			mode := spec.ModeIPsecIPv4
			if strings.HasPrefix(tc.name, "dual-overlay") {
				mode = spec.ModeIPsecDualOverlay
			}
			c := initiatorCP(prof, &spec.Interface{Name: "Tunnel0", Negotiated: tc.negotiated, Mode: mode})
			if (c.Request != nil) != tc.wantRequest || (c.Set != nil) != tc.wantSet || c.AcceptSet != tc.wantAccept {
				t.Fatalf("initiatorCP = %+v", c)
			}
			if c.Request != nil && c.Request.Asks(wire.InternalIP4Address) != tc.wantAddress {
				t.Errorf("asks for an address: %v, want %v", !tc.wantAddress, tc.wantAddress)
			}
			v6 := mode == spec.ModeIPsecDualOverlay
			if c.Request != nil && (c.Request.Asks(wire.InternalIP6Address) != (v6 && tc.wantAddress) || c.Request.Asks(wire.InternalIP6DNS) != v6) {
				t.Errorf("IPv6 requests: address %v, DNS %v; want %v, %v", c.Request.Asks(wire.InternalIP6Address), c.Request.Asks(wire.InternalIP6DNS), v6 && tc.wantAddress, v6)
			}
			if c.Set != nil && !slices.Equal(c.Set.Subnets4, routes.Routes) {
				t.Errorf("CFG_SET networks %v, want %v", c.Set.Subnets4, routes.Routes)
			}
		})
	}
}

func TestReply(t *testing.T) {
	e := &Engine{pools: pool.New(), log: slog.New(slog.DiscardHandler)}
	first := netip.MustParseAddr("10.9.0.100")
	if err := e.pools.Configure([]pool.Pool{{Name: "POOL", Ranges: []pool.Range{{First: first, Last: first}}}}, nil); err != nil {
		t.Fatal(err)
	}
	a := &spec.Authorization{
		PoolName: "POOL", Netmask: netip.MustParseAddr("255.255.255.0"),
		DNS:       []netip.Addr{netip.MustParseAddr("10.9.0.53")},
		IPv6DNS:   []netip.Addr{netip.MustParseAddr("2001:db8::53")},
		WINS:      []netip.Addr{netip.MustParseAddr("10.9.0.54")},
		DefDomain: "flex.lab", Banner: "Welcome", SplitDNS: []string{"corp.flex.lab"},
		Routes: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/24")},
	}
	ifc := &spec.Interface{Name: "Virtual-Template1"}
	peer := ike.FQDNIdentity("spoke1.flex.lab")
	got, err := e.reply(7, a, ifc, peer, cp.Request(wire.InternalIP4Address))
	if err != nil {
		t.Fatal(err)
	}
	want := &cp.Attributes{
		Addrs4: []netip.Addr{first}, Netmask4: a.Netmask, DNS4: a.DNS, DNS6: a.IPv6DNS, NBNS4: a.WINS,
		DefaultDomain: "flex.lab", Banner: "Welcome", SplitDNS: a.SplitDNS, Subnets4: a.Routes,
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})); diff != "" {
		t.Errorf("reply (-want +got):\n%s", diff)
	}
	if l, ok := e.assigned.get(7); !ok || l.addr4 != first || l.prefix6.IsValid() {
		t.Errorf("leases of SA 7: %+v %v", l, ok)
	}
	// Without an address asked for: no lease, no netmask.
	got, err = e.reply(8, a, ifc, peer, cp.Request(wire.InternalIP4DNS))
	if err != nil || len(got.Addrs4) != 0 || got.Netmask4.IsValid() {
		t.Errorf("reply without an address request = %+v, %v", got, err)
	}
	// The pool is exhausted for another session.
	if _, err := e.reply(9, a, ifc, peer, cp.Request(wire.InternalIP4Address)); !errors.Is(err, pool.ErrExhausted) {
		t.Errorf("reply from an exhausted pool: %v, want ErrExhausted", err)
	}
}

// TestReplyIPv6AndCisco covers the IPv6 lease (INTERNAL_IP6_ADDRESS: the
// first address of the leased prefix with its length, or the /128
// itself) and the Cisco attributes of a policy.
func TestReplyIPv6AndCisco(t *testing.T) {
	e := &Engine{pools: pool.New(), log: slog.New(slog.DiscardHandler)}
	err := e.pools.Configure(nil, []pool.Pool6{
		{Name: "V64", Prefix: netip.MustParsePrefix("2001:db8:1::/48"), AssignLen: 64},
		{Name: "V128", Prefix: netip.MustParsePrefix("2001:db8:2::/120"), AssignLen: 128},
	})
	if err != nil {
		t.Fatal(err)
	}
	ifc := &spec.Interface{Name: "Virtual-Template1"}
	peer := ike.FQDNIdentity("spoke1.flex.lab")
	tests := []struct {
		name string
		a    *spec.Authorization
		req  *cp.Attributes
		want *cp.Attributes
	}{
		{"/64 lease", &spec.Authorization{IPv6PoolName: "V64"}, cp.Request(wire.InternalIP6Address),
			&cp.Attributes{Addrs6: []netip.Prefix{netip.MustParsePrefix("2001:db8:1::1/64")}}},
		{"/128 lease", &spec.Authorization{IPv6PoolName: "V128"}, &cp.Attributes{Addrs6: []netip.Prefix{netip.MustParsePrefix("::/0")}},
			&cp.Attributes{Addrs6: []netip.Prefix{netip.MustParsePrefix("2001:db8:2::/128")}}},
		{"not asked", &spec.Authorization{IPv6PoolName: "V64"}, cp.Request(wire.InternalIP4Address), &cp.Attributes{}},
		{"cisco attributes", &spec.Authorization{PFS: true, SavePassword: true, IncludeLocalLAN: true, BackupGateways: []string{"hub2", "192.0.2.2"}},
			cp.Request(), &cp.Attributes{PFS: true, SavePassword: true, BackupServers: []string{"hub2", "192.0.2.2"}}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.reply(node.ID(i+1), tc.a, ifc, peer, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if l, _ := e.assigned.get(node.ID(i + 1)); len(tc.want.Addrs6) > 0 && !l.prefix6.Contains(tc.want.Addrs6[0].Addr()) {
				t.Errorf("lease %v does not hold the address sent %v", l.prefix6, tc.want.Addrs6[0])
			}
		})
	}
	if st := e.pools.Leases(); st.Pools6[0].Leases[0].User != peer.String() {
		t.Errorf("IPv6 lease user %q, want %q", st.Pools6[0].Leases[0].User, peer.String())
	}
}

// peerAttributes returns what the peer of e's first SA sent in the
// configuration exchange (its CFG_REPLY for an initiator), read on the
// node's goroutine.
func peerAttributes(t *testing.T, e *Engine) *cp.Attributes {
	t.Helper()
	var got *cp.Attributes
	if _, err := e.node.PushConfigWhere(func(i node.Info) *cp.Attributes {
		if got == nil {
			got = i.PeerAttributes
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// manglerHubSpec is flexHubSpec whose policy is chosen per peer by a name
// mangler (`aaa authorization group psk list L name-mangler HOST`, `fqdn
// hostname`): spoke1 has its own pool, IPv6 pool and DNS servers; its
// Virtual-Template carries IPv4 and IPv6.
func manglerHubSpec() *spec.Spec {
	s := flexHubSpec()
	prof := s.Profiles[0]
	prof.MatchIdentities = append(prof.MatchIdentities, spec.IdentityMatch{Kind: spec.IDFQDN, Name: "example.com", Domain: true})
	pool1 := []spec.AddrRange{{First: netip.MustParseAddr("10.77.0.10"), Last: netip.MustParseAddr("10.77.0.19")}}
	s.Pools = append(s.Pools, spec.Pool{Name: "POOL1", Ranges: pool1})
	s.Pools6 = []spec.Pool6{{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8:77::/48"), AssignLen: 64}}
	s.Authorizations = map[string]*spec.Authorization{
		"FLEX": prof.Authorization,
		"spoke1": {
			Name: "spoke1", PoolName: "POOL1", Pool: pool1,
			IPv6PoolName: "V6", IPv6Pool: s.Pools6[0].Prefix, IPv6PoolLen: 64,
			DNS:     []netip.Addr{netip.MustParseAddr("10.77.0.53")},
			IPv6DNS: []netip.Addr{netip.MustParseAddr("2001:db8:77::53")},
			PFS:     true, BackupGateways: []string{"hub2.example.com"},
			AcceptRoutes: true, RouteTag: 7, RouteDistance: 3,
		},
	}
	prof.Authorization = nil
	prof.AAA = spec.AAA{Group: &spec.AAASource{Mangler: &spec.NameMangler{Name: "HOST", FQDN: "hostname"}}}
	s.Templates[0].Mode = spec.ModeIPsecDualOverlay
	return s
}

// manglerSpokeSpec is flexSpokeSpec identified as the FQDN id, its
// Tunnel0 in dual-overlay mode.
func manglerSpokeSpec(local, lan, id string) *spec.Spec {
	s := flexSpokeSpec(local, lan)
	s.Profiles[0].LocalID = spec.Identity{Kind: spec.IDFQDN, Name: id}
	s.Tunnels[0].Mode = spec.ModeIPsecDualOverlay
	return s
}

// TestNameManglerPolicy runs a hub whose authorization policy is named by
// the spoke's mangled identity: spoke1.example.com gets the pool, IPv6
// prefix, DNS servers and Cisco attributes of policy spoke1, its LAN is
// routed with that policy's tag and distance, and the IPv6 lease goes
// with the session; spoke2.example.com, for which no policy exists, is
// refused (authorization fails, as on IOS).
func TestNameManglerPolicy(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, dh := startEngine(t, "127.0.0.1", ikePort, natPort)
	hub.Apply(manglerHubSpec())
	s1, d1 := startEngine(t, "127.0.0.2", ikePort, natPort)
	s1.Apply(manglerSpokeSpec("127.0.0.2", "192.168.1.0/24", "spoke1.example.com"))
	waitSnap(t, s1, "spoke 1 up", oneReady("Tunnel0"))
	snap := waitSnap(t, hub, "a session", func(s status.Snapshot) bool { return len(s.IKESAs) == 1 && s.IKESAs[0].State == "READY" })
	va := vaOf(t, snap, "127.0.0.2")

	got := peerAttributes(t, s1)
	want := &cp.Attributes{
		Addrs4: []netip.Addr{netip.MustParseAddr("10.77.0.10")},
		Addrs6: []netip.Prefix{netip.MustParsePrefix("2001:db8:77::1/64")},
		DNS4:   []netip.Addr{netip.MustParseAddr("10.77.0.53")}, DNS6: []netip.Addr{netip.MustParseAddr("2001:db8:77::53")},
		PFS: true, BackupServers: []string{"hub2.example.com"},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("CFG_REPLY on the spoke (-want +got):\n%s", diff)
	}
	waitFor(t, "both addresses on the spoke's Tunnel0", func() bool {
		d, _ := d1.tunnel(1)
		return slices.Equal(d.Addrs, []netip.Prefix{netip.MustParsePrefix("10.77.0.10/32"), netip.MustParsePrefix("2001:db8:77::1/64")})
	})
	tagged := dataplane.Route{Prefix: netip.MustParsePrefix("192.168.1.0/24"), Distance: 3, Tag: 7}
	waitFor(t, "spoke 1's LAN on the hub, tagged", func() bool { return hasRoutes(dh, va, tagged) })
	if !hasRoutes(dh, va, dataplane.Route{Prefix: netip.MustParsePrefix("2001:db8:77::/64"), Distance: 1}) {
		t.Error("no route to spoke 1's IPv6 prefix on its Virtual-Access")
	}
	p6 := hub.Snapshot().Pools.Pools6
	if len(p6) != 1 || len(p6[0].Leases) != 1 || p6[0].Leases[0].User != "spoke1.example.com" {
		t.Errorf("IPv6 pool status %+v, want one lease for spoke1.example.com", p6)
	}

	s2, _ := startEngine(t, "127.0.0.3", ikePort, natPort)
	s2.Apply(manglerSpokeSpec("127.0.0.3", "192.168.2.0/24", "spoke2.example.com"))
	time.Sleep(500 * time.Millisecond)
	if s := s2.Snapshot(); slices.ContainsFunc(s.IKESAs, func(sa status.IKESA) bool { return sa.State == "READY" }) {
		t.Errorf("spoke 2 is up without an authorization policy: %+v", s.IKESAs)
	}

	// Spoke 1 goes: its IPv6 lease is released.
	sp := manglerSpokeSpec("127.0.0.2", "192.168.1.0/24", "spoke1.example.com")
	sp.Tunnels = nil
	s1.Apply(sp)
	waitFor(t, "spoke 1's IPv6 lease released", func() bool {
		p6 := hub.Snapshot().Pools.Pools6
		return len(p6) == 1 && p6[0].InUse == 0
	})
}
