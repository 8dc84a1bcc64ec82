package runningconfig

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// IPRoute is one `ip route` or `ipv6 route` line.
type IPRoute struct {
	// VRF is the routing table ("" global).
	VRF string
	// Prefix is the destination (an IPv4 or IPv6 prefix, masked).
	Prefix netip.Prefix
	// Iface and NextHop are the gateway: an interface, a next hop, or
	// both.
	Iface   string
	NextHop netip.Addr
	// Distance is the administrative distance (0: not given, 1).
	Distance int
	// Tag is the route tag (0: none).
	Tag uint64
	// Name is the next-hop name (`name WORD`).
	Name string
	// Permanent is `permanent`; Track is `track N` (0: none).
	Permanent bool
	Track     int
}

// SameRoute reports whether r and o are the same route (table, prefix and
// gateway): configuring it again replaces it, `no` removes it.
func (r *IPRoute) SameRoute(o *IPRoute) bool {
	return r.VRF == o.VRF && r.Prefix == o.Prefix && r.Iface == o.Iface && r.NextHop == o.NextHop
}

// SetRoute adds r, replacing the same route configured before.
func (c *Config) SetRoute(r *IPRoute) {
	for i, o := range c.Routes {
		if o.SameRoute(r) {
			c.Routes[i] = r
			return
		}
	}
	c.Routes = append(c.Routes, r)
}

// DeleteRoute removes the route that is the same as r, reporting whether
// there was one.
func (c *Config) DeleteRoute(r *IPRoute) bool {
	for i, o := range c.Routes {
		if o.SameRoute(r) {
			c.Routes = append(c.Routes[:i:i], c.Routes[i+1:]...)
			return true
		}
	}
	return false
}

// DeleteRoutesIn removes the static routes of a VRF's table for the
// address family af ("ipv4", "ipv6", or "" for both), as IOS does when the
// VRF or its address family is removed.
func (c *Config) DeleteRoutesIn(vrf, af string) {
	c.Routes = slices.DeleteFunc(c.Routes, func(r *IPRoute) bool {
		v6 := r.Prefix.Addr().Is6()
		return r.VRF == vrf && (af == "" || (af == "ipv6") == v6)
	})
}

// sortedRoutes returns the routes of one family in the order IOS prints
// them: the global table first, then VRFs by name; within a table by
// destination address, then prefix length; routes to the same prefix in
// the order they were configured. (IOS keeps static routes in a sorted
// table; the order among VRFs is UNCONFIRMED.)
func (c *Config) sortedRoutes(v6 bool) []*IPRoute {
	var out []*IPRoute
	for _, r := range c.Routes {
		if r.Prefix.Addr().Is6() == v6 {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *IPRoute) int {
		if c := cmp.Compare(a.VRF, b.VRF); c != 0 {
			return c
		}
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits())
	})
	return out
}

// String renders the route as IOS prints it.
func (r *IPRoute) String() string {
	var b strings.Builder
	if r.Prefix.Addr().Is6() {
		b.WriteString("ipv6 route ")
	} else {
		b.WriteString("ip route ")
	}
	if r.VRF != "" {
		b.WriteString("vrf " + r.VRF + " ")
	}
	if r.Prefix.Addr().Is6() {
		b.WriteString(V6String(r.Prefix.String()))
	} else {
		b.WriteString(r.Prefix.Addr().String() + " " + MaskString(r.Prefix.Bits()))
	}
	if r.Iface != "" {
		b.WriteString(" " + r.Iface)
	}
	if r.NextHop.IsValid() {
		b.WriteString(" " + V6String(r.NextHop.String()))
	}
	if r.Distance != 0 {
		b.WriteString(" " + strconv.Itoa(r.Distance))
	}
	if r.Tag != 0 {
		b.WriteString(" tag " + strconv.FormatUint(r.Tag, 10))
	}
	if r.Name != "" {
		b.WriteString(" name " + r.Name)
	}
	if r.Permanent {
		b.WriteString(" permanent")
	}
	if r.Track != 0 {
		b.WriteString(" track " + strconv.Itoa(r.Track))
	}
	return b.String()
}

// renderRoutes writes the IP services lines, the IPv4 static routes and
// the ip ssh / ip radius lines, then a `!`.
func (c *Config) renderRoutes(w *writer) {
	c.Global.renderIPServices(w)
	for _, r := range c.sortedRoutes(false) {
		w.line("%s", r)
	}
	c.Global.renderIPTail(w)
	w.bang()
}

// MaskString returns the dotted-quad netmask of a prefix length.
func MaskString(bits int) string {
	m := netip.AddrFrom4([4]byte{})
	if bits > 0 {
		v := ^uint32(0) << (32 - bits)
		m = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return m.String()
}

// MaskBits returns the prefix length of a contiguous dotted-quad netmask.
func MaskBits(mask netip.Addr) (int, bool) {
	if !mask.Is4() {
		return 0, false
	}
	b := mask.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	if v<<n != 0 && n < 32 {
		return 0, false
	}
	return n, true
}

// V6String returns an address or prefix text with IPv6 hex digits in upper
// case, as IOS prints them (IPv4 text is returned unchanged).
func V6String(s string) string {
	if strings.Contains(s, ":") {
		return strings.ToUpper(s)
	}
	return s
}
