package ike

import (
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// selectors converts configured traffic selectors to their wire form
// (RFC 7296 section 3.13.1).
func selectors(ts []dataplane.TrafficSelector) []wire.Selector {
	out := make([]wire.Selector, len(ts))
	for i, t := range ts {
		typ := wire.TSIPv4AddrRange
		if t.StartAddr.Is6() {
			typ = wire.TSIPv6AddrRange
		}
		out[i] = wire.Selector{Type: typ, IPProtocol: t.Protocol, StartPort: t.StartPort, EndPort: t.EndPort, StartAddr: t.StartAddr, EndAddr: t.EndAddr}
	}
	return out
}

// anyIPv4TS is what fromWire returns for anyIPv4, shared likewise.
var anyIPv4TS = []dataplane.TrafficSelector{dataplane.AnyIPv4}

// fromWire converts negotiated selectors for the data plane. The result
// must not be modified.
func fromWire(ss []wire.Selector) []dataplane.TrafficSelector {
	if len(ss) == 1 && &ss[0] == &anyIPv4[0] {
		return anyIPv4TS[:1:1]
	}
	out := make([]dataplane.TrafficSelector, len(ss))
	for i, s := range ss {
		out[i] = dataplane.TrafficSelector{StartAddr: s.StartAddr, EndAddr: s.EndAddr, Protocol: s.IPProtocol, StartPort: s.StartPort, EndPort: s.EndPort}
	}
	return out
}

// narrow returns the parts of the offered selectors that the allowed ones
// cover: the responder's narrowing of RFC 7296 section 2.9. Selectors of
// unknown types are dropped. An empty result means TS_UNACCEPTABLE.
func narrow(offered []wire.Selector, allowed []dataplane.TrafficSelector) []wire.Selector {
	var out []wire.Selector
	for _, o := range offered {
		for _, a := range selectors(allowed) {
			if s, ok := intersect(o, a); ok {
				out = append(out, s)
			}
		}
	}
	return intern(out)
}

// anyIPv4 is the selector of all IPv4 traffic alone, that of every CHILD
// SA of an IPv4 route-based tunnel: the CHILD SAs that negotiate it share
// it (see intern) instead of holding a copy each, tens of thousands of
// them on a hub. Nothing may modify it.
var anyIPv4 = selectors([]dataplane.TrafficSelector{dataplane.AnyIPv4})

// intern returns the shared anyIPv4 when ss is the same selector, else
// ss. The result must not be modified; appending to it copies.
func intern(ss []wire.Selector) []wire.Selector {
	if len(ss) != 1 || ss[0].Raw != nil {
		return ss
	}
	s, a := ss[0], anyIPv4[0]
	if s.Type == a.Type && s.IPProtocol == a.IPProtocol && s.StartPort == a.StartPort && s.EndPort == a.EndPort && s.StartAddr == a.StartAddr && s.EndAddr == a.EndAddr {
		return anyIPv4[:1:1]
	}
	return ss
}

// within reports whether every selector of got lies inside one of the
// selectors proposed: an initiator accepts only narrowed selectors (RFC 7296
// section 2.9).
func within(got []wire.Selector, proposed []dataplane.TrafficSelector) bool {
	for _, g := range got {
		ok := false
		for _, p := range selectors(proposed) {
			if s, in := intersect(g, p); in && s.IPProtocol == g.IPProtocol && s.StartAddr == g.StartAddr && s.EndAddr == g.EndAddr && s.StartPort == g.StartPort && s.EndPort == g.EndPort {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// intersect returns the intersection of two address-range selectors of the
// same type: address range, IP protocol (0 for any) and port range.
func intersect(a, b wire.Selector) (wire.Selector, bool) {
	if a.Type != b.Type || (a.Type != wire.TSIPv4AddrRange && a.Type != wire.TSIPv6AddrRange) {
		return wire.Selector{}, false
	}
	proto := a.IPProtocol
	switch {
	case a.IPProtocol == 0:
		proto = b.IPProtocol
	case b.IPProtocol != 0 && b.IPProtocol != a.IPProtocol:
		return wire.Selector{}, false
	}
	s := wire.Selector{Type: a.Type, IPProtocol: proto,
		StartAddr: maxAddr(a.StartAddr, b.StartAddr), EndAddr: minAddr(a.EndAddr, b.EndAddr),
		StartPort: max(a.StartPort, b.StartPort), EndPort: min(a.EndPort, b.EndPort)}
	if s.StartAddr.Compare(s.EndAddr) > 0 || s.StartPort > s.EndPort {
		return wire.Selector{}, false
	}
	return s, true
}

func maxAddr(a, b netip.Addr) netip.Addr {
	if a.Compare(b) >= 0 {
		return a
	}
	return b
}

func minAddr(a, b netip.Addr) netip.Addr {
	if a.Compare(b) <= 0 {
		return a
	}
	return b
}
