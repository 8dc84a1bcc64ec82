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

// fromWire converts negotiated selectors for the data plane.
func fromWire(ss []wire.Selector) []dataplane.TrafficSelector {
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
	return out
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
