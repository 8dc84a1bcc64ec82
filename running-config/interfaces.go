package runningconfig

import (
	"sort"
	"strconv"
	"strings"
)

// Interfaces holds every configured `interface` block.
type Interfaces struct {
	byName Ordered[*Interface]
}

// Interface is one `interface NAME` block.
type Interface struct {
	// Name is the canonical name ("Tunnel0", "GigabitEthernet1.15",
	// "eth0").
	Name string
	// Type is the `type` of a Virtual-Template ("tunnel", "ethernet",
	// "serial"; "" when not given).
	Type        string
	Description string
	// VRF is `vrf forwarding NAME` (or `ip vrf forwarding NAME` when
	// LegacyVRF).
	VRF       string
	LegacyVRF bool
	// IPv4 addressing: Address (primary) with Secondary addresses, or
	// Negotiated, DHCP, or Unnumbered (an interface name).
	Address    *IfAddr
	Secondary  []IfAddr
	Negotiated bool
	DHCP       bool
	Unnumbered string
	// IPv6 are the `ipv6 address` arguments ("2001:DB8::1/64",
	// "FE80::1 link-local", "autoconfig", "dhcp").
	IPv6           []string
	IPv6Enable     bool
	IPv6Unnumbered string
	MTU            int // ip mtu
	IPv6MTU        int
	AdjustMSS      int
	Shutdown       bool
	// Tunnel settings.
	TunnelSource string
	TunnelDest   string
	// TunnelMode is "" (the default, gre ip) or the mode words:
	// "ipsec ipv4", "ipsec ipv6", "ipsec ipv4 v6-overlay", "gre multipoint".
	TunnelMode             string
	TunnelKey              string
	TunnelVRF              string
	TunnelPMTUD            bool
	TunnelProtection       string
	TunnelProtectionShared bool
	// DFBit is the interface `crypto ipsec df-bit clear|set|copy`.
	DFBit string
	// Kept are the other valid interface lines, stored verbatim.
	Kept KeptLines
}

// IfAddr is an IPv4 address with its mask, both dotted-quad.
type IfAddr struct {
	Addr, Mask string
}

// Rank bands of kept interface lines: a kept line with rank r renders
// after the typed lines whose rank is below r. The typed lines sit at the
// multiples of ten.
const (
	RankIfHead      = 20 // bandwidth, mtu, encapsulation (before vrf)
	RankIfIPFlags   = 45 // no ip redirects, no ip proxy-arp (after ip address)
	RankIfIPFeature = 55 // ip nat, ip nhrp, ip virtual-reassembly (after ip mtu)
	RankIfIPTail    = 65 // ip ospf, load-interval, keepalive (after adjust-mss)
	RankIfMedia     = 75 // negotiation, speed, duplex (after shutdown)
	RankIfV6Tail    = 85 // ipv6 nd/ospf, mop, cdp (after ipv6 lines)
	RankIfCrypto    = 95 // crypto map (after tunnel lines)
	RankIfOther     = 105
)

// Get returns the interface named name.
func (i *Interfaces) Get(name string) (*Interface, bool) { return i.byName.Get(name) }

// Ensure returns the interface named name, creating it.
func (i *Interfaces) Ensure(name string) *Interface {
	if x, ok := i.byName.Get(name); ok {
		return x
	}
	x := &Interface{Name: name}
	i.byName.Set(name, x)
	return x
}

// Delete removes an interface's configuration (a virtual interface is
// deleted, a physical one returns to its defaults and is no longer shown).
func (i *Interfaces) Delete(name string) bool { return i.byName.Delete(name) }

// Sorted returns the interfaces in `show running-config` order.
func (i *Interfaces) Sorted() []*Interface {
	var out []*Interface
	i.byName.Each(func(_ string, x *Interface) { out = append(out, x) })
	sort.SliceStable(out, func(a, b int) bool { return IfLess(out[a].Name, out[b].Name) })
	return out
}

// IfKind classifies interface names for ordering and for the commands they
// accept.
type IfKind int

// The interface kinds, in `show running-config` order.
const (
	IfLoopback IfKind = iota
	IfTunnel
	IfLISP
	IfPhysical
	IfLinux
	IfVirtualTemplate
)

// KindOf returns the kind of a canonical interface name.
func KindOf(name string) IfKind {
	typ, _ := splitIfName(name)
	switch typ {
	case "Loopback":
		return IfLoopback
	case "Tunnel":
		return IfTunnel
	case "LISP":
		return IfLISP
	case "Virtual-Template":
		return IfVirtualTemplate
	}
	if isIOSType(typ) {
		return IfPhysical
	}
	return IfLinux
}

// iosTypes are the IOS interface type names that are not virtual.
var iosTypes = []string{"Ethernet", "FastEthernet", "GigabitEthernet", "TenGigabitEthernet",
	"TwentyFiveGigE", "FortyGigabitEthernet", "HundredGigE", "Port-channel", "Vlan", "Dialer",
	"Serial", "Cellular", "BDI", "NVI", "Null", "Virtual-Access"}

func isIOSType(typ string) bool {
	for _, t := range iosTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// IsVirtual reports whether `no interface` deletes the interface (rather
// than resetting a physical one).
func IsVirtual(name string) bool {
	k := KindOf(name)
	return k == IfLoopback || k == IfTunnel || k == IfVirtualTemplate || strings.Contains(name, ".")
}

// splitIfName splits "GigabitEthernet0/0.15" into its type and number.
func splitIfName(name string) (typ, num string) {
	k := strings.IndexAny(name, "0123456789")
	if k < 0 {
		return name, ""
	}
	return name[:k], name[k:]
}

// IfLess orders interface names as IOS lists them: by kind, then type
// name, then each number component numerically. Order among physical types
// is alphabetical (IOS uses hardware order; deterministic here).
func IfLess(a, b string) bool {
	ka, kb := KindOf(a), KindOf(b)
	if ka != kb {
		return ka < kb
	}
	ta, na := splitIfName(a)
	tb, nb := splitIfName(b)
	if ta != tb {
		return ta < tb
	}
	pa, pb := ifNumbers(na), ifNumbers(nb)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	if len(pa) != len(pb) {
		return len(pa) < len(pb)
	}
	return a < b
}

func ifNumbers(s string) []int {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

// IsTunnel reports whether the interface takes `tunnel` commands: a Tunnel,
// or a Virtual-Template of type tunnel.
func (x *Interface) IsTunnel() bool {
	k := KindOf(x.Name)
	return k == IfTunnel || k == IfVirtualTemplate && x.Type == "tunnel"
}

// HasIPv4 reports whether any IPv4 addressing is configured.
func (x *Interface) HasIPv4() bool {
	return x.Address != nil || len(x.Secondary) > 0 || x.Negotiated || x.DHCP || x.Unnumbered != ""
}

// ClearIPv4 removes all IPv4 addressing.
func (x *Interface) ClearIPv4() {
	x.Address, x.Secondary, x.Negotiated, x.DHCP, x.Unnumbered = nil, nil, false, false, ""
}

// SetVRF puts the interface in a VRF. As on IOS, changing the VRF removes
// the interface's addresses; it reports which families lost addresses.
func (x *Interface) SetVRF(vrf string, legacy bool) (v4, v6 bool) {
	if x.VRF != vrf {
		v4 = x.HasIPv4()
		v6 = len(x.IPv6) > 0
		x.ClearIPv4()
		x.IPv6 = nil
	}
	x.VRF, x.LegacyVRF = vrf, legacy
	return v4, v6
}

// RemoveVRF takes every interface out of a deleted VRF, with its
// addresses, as IOS does on `no vrf definition NAME`; it returns the names
// of the interfaces changed.
func (i *Interfaces) RemoveVRF(vrf string) []string {
	var names []string
	for _, x := range i.Sorted() {
		if x.VRF == vrf {
			x.SetVRF("", false)
			names = append(names, x.Name)
		}
	}
	return names
}

func (i *Interfaces) render(w *writer) {
	for _, x := range i.Sorted() {
		x.render(w)
		w.bang()
	}
}

func (x *Interface) render(w *writer) {
	if x.Type != "" {
		w.line("interface %s type %s", x.Name, x.Type)
	} else {
		w.line("interface %s", x.Name)
	}
	k := x.Kept
	if x.Description != "" {
		w.line(" description %s", x.Description)
	}
	k.renderRange(w, " ", 0, 30)
	x.renderIPv4(w)
	k.renderRange(w, " ", 30, 50)
	if x.MTU != 0 {
		w.line(" ip mtu %d", x.MTU)
	}
	k.renderRange(w, " ", 50, 60)
	if x.AdjustMSS != 0 {
		w.line(" ip tcp adjust-mss %d", x.AdjustMSS)
	}
	k.renderRange(w, " ", 60, 70)
	if x.Shutdown {
		w.line(" shutdown")
	}
	k.renderRange(w, " ", 70, 80)
	x.renderIPv6(w)
	k.renderRange(w, " ", 80, 90)
	x.renderTunnel(w)
	k.renderRange(w, " ", 90, 100)
	if x.DFBit != "" {
		w.line(" crypto ipsec df-bit %s", x.DFBit)
	}
	k.renderRange(w, " ", 100, 1<<30)
}

func (x *Interface) renderIPv4(w *writer) {
	if x.VRF != "" {
		if x.LegacyVRF {
			w.line(" ip vrf forwarding %s", x.VRF)
		} else {
			w.line(" vrf forwarding %s", x.VRF)
		}
	}
	switch {
	case x.Unnumbered != "":
		w.line(" ip unnumbered %s", x.Unnumbered)
	case x.Negotiated:
		w.line(" ip address negotiated")
	case x.DHCP:
		w.line(" ip address dhcp")
	case x.Address != nil || len(x.Secondary) > 0:
		// IOS lists the secondary addresses before the primary.
		for _, s := range x.Secondary {
			w.line(" ip address %s %s secondary", s.Addr, s.Mask)
		}
		if x.Address != nil {
			w.line(" ip address %s %s", x.Address.Addr, x.Address.Mask)
		}
	case KindOf(x.Name) != IfLISP:
		w.line(" no ip address")
	}
}

func (x *Interface) renderIPv6(w *writer) {
	for _, a := range x.IPv6 {
		w.line(" ipv6 address %s", a)
	}
	if x.IPv6Enable {
		w.line(" ipv6 enable")
	}
	if x.IPv6Unnumbered != "" {
		w.line(" ipv6 unnumbered %s", x.IPv6Unnumbered)
	}
	if x.IPv6MTU != 0 {
		w.line(" ipv6 mtu %d", x.IPv6MTU)
	}
}

// renderTunnel writes the tunnel lines. Order from IOS-XE captures:
// source, mode, destination, key, vrf, path-mtu-discovery, protection
// (the place of key relative to destination is UNCONFIRMED).
func (x *Interface) renderTunnel(w *writer) {
	if x.TunnelSource != "" {
		w.line(" tunnel source %s", x.TunnelSource)
	}
	if x.TunnelMode != "" {
		w.line(" tunnel mode %s", x.TunnelMode)
	}
	if x.TunnelDest != "" {
		w.line(" tunnel destination %s", x.TunnelDest)
	}
	if x.TunnelKey != "" {
		w.line(" tunnel key %s", x.TunnelKey)
	}
	if x.TunnelVRF != "" {
		w.line(" tunnel vrf %s", x.TunnelVRF)
	}
	if x.TunnelPMTUD {
		w.line(" tunnel path-mtu-discovery")
	}
	if x.TunnelProtection != "" {
		shared := ""
		if x.TunnelProtectionShared {
			shared = " shared"
		}
		w.line(" tunnel protection ipsec profile %s%s", x.TunnelProtection, shared)
	}
}
