package runningconfig

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/spec"
)

var tunnelModes = map[string]spec.TunnelMode{
	"ipsec ipv4":            spec.ModeIPsecIPv4,
	"ipsec ipv4 v6-overlay": spec.ModeIPsecIPv4V6Overlay,
	"ipsec ipv6":            spec.ModeIPsecIPv6,
	"ipsec ipv6 v4-overlay": spec.ModeIPsecIPv6V4Overlay,
	"ipsec dual-overlay":    spec.ModeIPsecDualOverlay,
}

// interfaces compiles the Tunnel and Virtual-Template interfaces in
// `show running-config` order (by number).
func (k *compiler) interfaces(profiles []*spec.Profile) ([]spec.Tunnel, []spec.Template) {
	var tunnels []spec.Tunnel
	var templates []spec.Template
	for _, x := range k.c.Ifaces.Sorted() {
		if !x.IsTunnel() {
			continue
		}
		common, ok := k.tunnelIface(x)
		if !ok {
			continue
		}
		if KindOf(x.Name) == IfVirtualTemplate {
			t := spec.Template{Interface: common}
			for _, p := range profiles {
				if p.VirtualTemplate == common.Number {
					t.Profiles = append(t.Profiles, p.Name)
				}
			}
			templates = append(templates, t)
			continue
		}
		if t, ok := k.tunnel(x, common); ok {
			tunnels = append(tunnels, t)
		}
	}
	return tunnels, templates
}

// loopbacks compiles the `interface LoopbackN` that have static addresses
// and are not shut down, by number.
func (k *compiler) loopbacks() []spec.Loopback {
	var out []spec.Loopback
	for _, x := range k.c.Ifaces.Sorted() {
		if KindOf(x.Name) != IfLoopback || x.Shutdown {
			continue
		}
		if addrs := k.ifaceAddrs(x.Name, nil); len(addrs) > 0 {
			out = append(out, spec.Loopback{Name: x.Name, Addrs: addrs})
		}
	}
	return out
}

// tunnel adds what a static VTI needs beyond the common part: the IKEv2
// profile it initiates with and the destination.
func (k *compiler) tunnel(x *Interface, common spec.Interface) (spec.Tunnel, bool) {
	obj := "interface " + x.Name
	t := spec.Tunnel{Interface: common}
	if common.Protection.IKEv2 == nil {
		k.warn(obj, "ipsec profile %s has no set ikev2-profile (IOS would use IKEv1): tunnel stays down", common.Protection.Name)
		return t, false
	}
	switch d := x.TunnelDest; {
	case d == "":
		k.warn(obj, "no tunnel destination: tunnel stays down")
		return t, false
	case d == "dynamic":
		k.flexClient(x.Name, &t)
	default:
		if a, err := netip.ParseAddr(d); err == nil {
			t.Destination = a.Unmap()
		} else if a, ok := k.hostAddr(d); ok {
			t.Destination = a
		} else {
			t.DestinationHost = d
		}
	}
	for _, a := range []netip.Addr{t.Source, t.Destination} {
		if a.IsValid() && a.Is6() != t.Mode.OuterIPv6() && t.Mode != spec.ModeIPsecDualOverlay {
			k.warn(obj, "tunnel endpoint %v does not match tunnel mode %s: tunnel stays down", a, t.Mode)
			return t, false
		}
	}
	return t, true
}

// flexClient gives a `tunnel destination dynamic` tunnel the `crypto
// ikev2 client flexvpn` that connects it (`client connect`): its peers in
// `peer N` order, FQDNs resolved through `ip host` or else left to the
// engine's resolver (at each connection attempt), its sources, connect
// mode and tracked objects.
func (k *compiler) flexClient(name string, t *spec.Tunnel) {
	k.c.IKEv2.Clients.Each(func(_ string, c *FlexVPNClient) {
		if c.ClientConnect != name {
			return
		}
		obj := "crypto ikev2 client flexvpn " + c.Name
		sc := &spec.Client{Name: c.Name, Reactivate: c.PeerReactivate}
		for _, p := range c.Peers {
			sp := spec.ClientPeer{Track: k.trackRef(obj, p.Track, p.TrackState)}
			if host, ok := strings.CutPrefix(p.Address, "fqdn "); ok {
				f := strings.Fields(host)
				sp.Host, sp.IPv6 = f[0], slices.Contains(f[1:], "ipv6")
			} else if a, err := netip.ParseAddr(p.Address); err == nil {
				sp.Addr = a.Unmap()
			}
			if sp.Host != "" {
				if a, ok := k.hostAddr(sp.Host); ok {
					sp.Addr, sp.Host = a, ""
				}
			}
			sc.Peers = append(sc.Peers, sp)
		}
		for _, s := range c.Sources {
			sc.Sources = append(sc.Sources, spec.ClientSource{Interface: s.Interface, Track: k.trackRef(obj, s.Track, "").Object})
		}
		sc.Connect, sc.ConnectTrack = k.connectMode(obj, c.Connect)
		t.Client = sc
	})
}

// connectMode compiles a client's `connect auto|manual|track N [up|down]`.
func (k *compiler) connectMode(obj, text string) (spec.ConnectMode, spec.TrackRef) {
	f := strings.Fields(text)
	switch {
	case len(f) == 0 || f[0] == "auto":
		return spec.ConnectAuto, spec.TrackRef{}
	case f[0] == "manual":
		return spec.ConnectManual, spec.TrackRef{}
	}
	n, _ := strconv.Atoi(f[1])
	state := ""
	if len(f) > 2 {
		state = f[2]
	}
	return spec.ConnectTrack, k.trackRef(obj, n, state)
}

// trackRef compiles a `track N [up|down]` reference, warning when the
// object is not one the engine evaluates (it then counts as down, as an
// undefined object does on IOS).
func (k *compiler) trackRef(obj string, n int, state string) spec.TrackRef {
	if n == 0 {
		return spec.TrackRef{}
	}
	if t, ok := k.c.Tracks.Get(n); !ok {
		k.warn(obj, "track %d is not configured: it counts as down", n)
	} else if !t.Applied() {
		k.warn(obj, "track %d (%s) is not evaluated by flexvpnd: it counts as down", n, t.Other)
	}
	return spec.TrackRef{Object: n, Down: state == "down"}
}

// hostAddr returns the first address of an `ip host NAME` entry.
func (k *compiler) hostAddr(name string) (netip.Addr, bool) {
	text, ok := k.c.Global.Hosts.Get(name)
	if !ok {
		return netip.Addr{}, false
	}
	for _, f := range strings.Fields(text) {
		if a, err := netip.ParseAddr(f); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// tunnelIface compiles what static VTIs and virtual templates share; ok is
// false (with a warning) when the interface cannot carry IPsec traffic.
func (k *compiler) tunnelIface(x *Interface) (spec.Interface, bool) {
	obj := "interface " + x.Name
	_, num := splitIfName(x.Name)
	n, _ := strconv.Atoi(num)
	out := spec.Interface{
		Name: x.Name, Number: n, Description: x.Description,
		Unnumbered: x.Unnumbered, Negotiated: x.Negotiated, Shutdown: x.Shutdown,
		VRF: x.VRF, TunnelVRF: x.TunnelVRF, MTU: x.MTU, IPv6MTU: x.IPv6MTU, AdjustMSS: x.AdjustMSS,
		DFBit: cmp.Or(x.DFBit, cmp.Or(k.c.IPsec.DFBit, "copy")),
	}
	mode, ok := tunnelModes[x.TunnelMode]
	if !ok {
		k.warn(obj, "tunnel mode %s is not supported (only tunnel mode ipsec): interface not applied", cmp.Or(x.TunnelMode, "gre ip"))
		return out, false
	}
	out.Mode = mode
	if x.TunnelProtection == "" {
		k.warn(obj, "no tunnel protection ipsec profile: tunnel stays down")
		return out, false
	}
	if out.Protection = k.ipsecProfile(x.TunnelProtection); out.Protection == nil {
		k.warn(obj, "ipsec profile %s does not exist or is not usable: tunnel stays down", x.TunnelProtection)
		return out, false
	}
	out.Addrs = k.tunnelAddrs(obj, x)
	k.tunnelSource(x, &out)
	return out, true
}

// tunnelAddrs returns the interface's own addresses, or those it borrows
// with `ip unnumbered` / `ipv6 unnumbered`.
func (k *compiler) tunnelAddrs(obj string, x *Interface) []netip.Prefix {
	out := ifacePrefixes(x, netip.Addr.Is4)
	if x.Unnumbered != "" {
		out = append(out, k.borrowed(obj, x.Unnumbered, netip.Addr.Is4)...)
	}
	out = append(out, ifacePrefixes(x, netip.Addr.Is6)...)
	if x.IPv6Unnumbered != "" {
		out = append(out, k.borrowed(obj, x.IPv6Unnumbered, netip.Addr.Is6)...)
	}
	return out
}

// borrowed returns the addresses of family fam of the interface named by
// an unnumbered line; an interface the config does not describe is the
// host's to resolve, one without a static address is reported.
func (k *compiler) borrowed(obj, name string, fam func(netip.Addr) bool) []netip.Prefix {
	x, ok := k.c.Ifaces.Get(name)
	if !ok {
		return nil
	}
	out := ifacePrefixes(x, fam)
	if len(out) == 0 && !x.DHCP && !x.Negotiated {
		k.warn(obj, "unnumbered interface %s has no address", name)
	}
	return out
}

// tunnelSource resolves `tunnel source`: an address, or the first address
// of the outer family of the interface it names (kept as a name when the
// config does not give that address).
func (k *compiler) tunnelSource(x *Interface, out *spec.Interface) {
	src := x.TunnelSource
	if src == "" || src == "dynamic" {
		return
	}
	if a, err := netip.ParseAddr(src); err == nil {
		out.Source = a.Unmap()
		return
	}
	out.SourceIface = src
	fam := netip.Addr.Is4
	if out.Mode.OuterIPv6() {
		fam = netip.Addr.Is6
	}
	if addrs := k.ifaceAddrs(src, fam); len(addrs) > 0 {
		out.Source = addrs[0].Addr()
	}
}

// ifaceAddrs returns the static addresses of the configured interface
// name (of family fam, or all when fam is nil); none for an interface the
// config does not describe.
func (k *compiler) ifaceAddrs(name string, fam func(netip.Addr) bool) []netip.Prefix {
	x, ok := k.c.Ifaces.Get(name)
	if !ok {
		return nil
	}
	if fam == nil {
		return append(ifacePrefixes(x, netip.Addr.Is4), ifacePrefixes(x, netip.Addr.Is6)...)
	}
	return ifacePrefixes(x, fam)
}

// ifacePrefixes returns an interface's static addresses of one family:
// the primary IPv4 address then the secondaries, or the global IPv6
// prefixes (EUI-64, link-local, autoconfig and DHCP forms are the host's).
func ifacePrefixes(x *Interface, fam func(netip.Addr) bool) []netip.Prefix {
	var out []netip.Prefix
	add := func(p netip.Prefix, err error) {
		if err == nil && fam(p.Addr()) {
			out = append(out, p)
		}
	}
	if x.Address != nil {
		add(ifAddrPrefix(*x.Address))
	}
	for _, s := range x.Secondary {
		add(ifAddrPrefix(s))
	}
	for _, v6 := range x.IPv6 {
		f := strings.Fields(v6)
		if len(f) == 0 || !strings.Contains(f[0], "/") || (len(f) > 1 && f[1] == "eui-64") {
			continue
		}
		add(netip.ParsePrefix(f[0]))
	}
	return out
}

// ifAddrPrefix is an `ip address ADDR MASK` as a prefix keeping the host
// address.
func ifAddrPrefix(a IfAddr) (netip.Prefix, error) {
	addr, err := netip.ParseAddr(a.Addr)
	if err != nil {
		return netip.Prefix{}, err
	}
	m, err := netip.ParseAddr(a.Mask)
	if err != nil {
		return netip.Prefix{}, err
	}
	bits, _ := MaskBits(m)
	return netip.PrefixFrom(addr, bits), nil
}

// routes compiles the static routes in configuration order, marking those
// through a tunnel of the spec.
func (k *compiler) routes(s *spec.Spec) []spec.Route {
	tunnels := map[string]bool{}
	for _, t := range s.Tunnels {
		tunnels[t.Name] = true
	}
	for _, t := range s.Templates {
		tunnels[t.Name] = true
	}
	var out []spec.Route
	for _, r := range k.c.Routes {
		out = append(out, spec.Route{
			VRF: r.VRF, Prefix: r.Prefix, Interface: r.Iface, NextHop: r.NextHop,
			Distance: cmp.Or(r.Distance, 1), Tunnel: tunnels[r.Iface],
		})
	}
	return out
}
